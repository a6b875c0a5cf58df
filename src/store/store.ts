import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputValidationError } from '../errors.js';
import { paced } from './bandwidth.js';
import { hashingPassThrough } from './hashing.js';

/** How a write behaves beyond storing bytes. */
export interface WriteOptions {
  contentType?: string;
  /**
   * Write-once: fail with AlreadyStoredError when the key exists (S3 `If-None-Match: *`, a
   * directory links the finished file in without replacing). Manifests and their signatures are
   * written so: nothing, not even a second Finalize, replaces a finished run's record by accident.
   */
  exclusive?: boolean;
  /**
   * Replace only the object whose `stat().etag` this is (S3 `If-Match`): a redrive's new manifest
   * replaces the one it read, never one written meanwhile. Fails with AlreadyStoredError otherwise.
   */
  ifMatch?: string;
}

/** What a backend knows of a stored object without reading it. */
export interface ObjectStat {
  bytes: number;
  /** S3's ETag (without quotes); a directory's changes whenever the file is replaced. */
  etag?: string;
  /** The full-object SHA-256 (hex) the backend stores, when it has one (S3 checksums). */
  sha256?: string;
}

/** What one write produced: enough to verify the copy later without trusting the writer. */
export interface WrittenObject {
  key: string;
  sha256: string;
  bytes: number;
}

/** The encryption headers every write to an S3 store sends (never left to the bucket's defaults). */
export interface SseHeaders {
  ServerSideEncryption: 'aws:kms' | 'aws:kms:dsse';
  SSEKMSKeyId?: string;
}

/** Where an S3-backed store keeps its objects: for server-side copies, exports and code Lambda reads in place. */
export interface S3Location {
  bucket: string;
  region: string;
  /** The S3 key of a store key (the store's prefix applied). */
  key(storeKey: string): string;
  /** SSE-KMS headers for anything written into the store, server-side copies included (asked once). */
  encryption(): Promise<SseHeaders>;
}

/** What a backend can do beyond reading and writing bytes; callers ask this, never the backend's class. */
export interface BackendCapabilities {
  /** The bucket behind the store, when it is one (server-side copy, S3 export, in-place code). */
  s3?: S3Location;
  /**
   * The backend keeps a checksum or ETag of every object that a listing or a read of its metadata
   * returns: `verify` can then check stored copies without reading them (see store/integrity.ts).
   */
  storedChecksums: boolean;
}

/** The two backends (S3 bucket and local directory) implement this; nothing else knows which is used. */
export interface StoreBackend {
  readonly url: string;
  readonly capabilities: BackendCapabilities;
  /** Its reads come paced already (a view over a BackupStore): not paced a second time. */
  readonly readsPaced?: boolean;
  /** Writes a stream under `key`; the caller hashes. */
  write(key: string, body: Readable, options?: WriteOptions): Promise<void>;
  read(key: string): Promise<Readable | undefined>;
  /** Bytes `start` to `end` (inclusive) of `key`: what an item lookup reads of a blocked part. */
  readRange(key: string, start: number, end: number): Promise<Readable | undefined>;
  size(key: string): Promise<number | undefined>;
  /** Size and whatever checksum the backend keeps, without reading the bytes; undefined when missing. */
  stat(key: string): Promise<ObjectStat | undefined>;
  /** Every object under a prefix with its stat, in lexical order (one listing request per 1,000 on S3). */
  listStats(prefix: string): AsyncIterable<ObjectStat & { key: string }>;
  /** Moves a finished temporary object into place (rename or copy+delete). */
  move(from: string, to: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Removes every key under `prefix` (a directory store also removes the emptied folders). */
  removeAll(prefix: string): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
  /** The names one level below `prefix` (which ends with `/`): files and folders alike. */
  children(prefix: string): Promise<string[]>;
}

/** Documents (plans, item results, snapshots, reports) are small; anything this large is not one. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** Parses a stored JSON document; corrupt or truncated JSON is bad input, named, never a crash. */
export function parseJsonDocument(key: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InputValidationError(
      `${key}: not valid JSON (truncated or corrupted?): ${(error as Error).message}`,
    );
  }
}

export const BLOB_PREFIX = 'blobs/sha256/';
export const blobKey = (sha256Hex: string): string => `${BLOB_PREFIX}${sha256Hex}`;

/** A key is a relative path made of safe segments: no traversal, no control characters. */
export function assertSafeKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\u0000-\u001f\u007f\\]/.test(key)
  ) {
    throw new InputValidationError(`unsafe store key: ${JSON.stringify(key)}`);
  }
}

/** The backup store: JSON documents, streams and content-addressed blobs over one backend. */
export class BackupStore {
  constructor(readonly backend: StoreBackend) {}

  get url(): string {
    return this.backend.url;
  }

  /** The bucket behind the store, when it is one (server-side copies, S3 exports, in-place code). */
  get s3(): S3Location | undefined {
    return this.backend.capabilities.s3;
  }

  async putJson(key: string, value: unknown, options: WriteOptions = {}): Promise<WrittenObject> {
    return this.putBytes(key, Buffer.from(`${JSON.stringify(value, null, 1)}\n`), {
      contentType: 'application/json',
      ...options,
    });
  }

  /** Writes bytes held in memory (small documents: manifests, signatures, snapshots). */
  async putBytes(key: string, bytes: Buffer, options: WriteOptions = {}): Promise<WrittenObject> {
    const { Readable } = await import('node:stream');
    return this.putStream(key, Readable.from([bytes]), options);
  }

  /**
   * A stored object's bytes, refusing anything larger than `maxBytes` (named, as bad input): a
   * document read back is external input, and a huge one must not be read whole. Undefined when missing.
   */
  async getBytes(key: string, maxBytes = MAX_DOCUMENT_BYTES): Promise<Buffer | undefined> {
    const body = await this.read(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        body.destroy();
        throw new InputValidationError(`${key}: larger than ${maxBytes} bytes; not read further`);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }

  async getJson(key: string, maxBytes = MAX_DOCUMENT_BYTES): Promise<unknown | undefined> {
    const bytes = await this.getBytes(key, maxBytes);
    if (!bytes) return undefined;
    return parseJsonDocument(key, bytes);
  }

  /**
   * Streams `body` to `key` while hashing it; memory stays flat whatever the size. Paced by the
   * invocation's bandwidth cap, as every read is (see bandwidth.ts).
   */
  async putStream(key: string, body: Readable, options: WriteOptions = {}): Promise<WrittenObject> {
    assertSafeKey(key);
    const { stream, result } = hashingPassThrough();
    const source = paced(body);
    source.on('error', (error) => stream.destroy(error));
    await this.backend.write(key, source.pipe(stream), options);
    return { key, ...result() };
  }

  /**
   * Stores a content-addressed blob. When the caller already knows the sha256 (Lambda reports
   * CodeSha256) an existing blob is reused without reading the source at all.
   */
  async putBlob(
    open: () => Promise<Readable>,
    expectedSha256Hex?: string,
  ): Promise<WrittenObject & { reused: boolean }> {
    if (expectedSha256Hex) {
      const existing = await this.backend.size(blobKey(expectedSha256Hex));
      if (existing !== undefined)
        return { key: blobKey(expectedSha256Hex), sha256: expectedSha256Hex, bytes: existing, reused: true };
    }
    const temporary = `tmp/${randomUUID()}`;
    const written = await this.putStream(temporary, await open());
    const key = blobKey(written.sha256);
    if ((await this.backend.size(key)) !== undefined) {
      await this.backend.remove(temporary);
      return { ...written, key, reused: true };
    }
    await this.backend.move(temporary, key);
    return { ...written, key, reused: false };
  }

  async read(key: string): Promise<Readable | undefined> {
    assertSafeKey(key);
    const body = await this.backend.read(key);
    return body && (this.backend.readsPaced ? body : paced(body));
  }

  /** Bytes `start` to `end` (inclusive) of a stored object; undefined when it is missing. */
  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    assertSafeKey(key);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start)
      throw new InputValidationError(`${key}: invalid byte range ${start}-${end}`);
    const body = await this.backend.readRange(key, start, end);
    return body && (this.backend.readsPaced ? body : paced(body));
  }

  size(key: string): Promise<number | undefined> {
    assertSafeKey(key);
    return this.backend.size(key);
  }

  stat(key: string): Promise<ObjectStat | undefined> {
    assertSafeKey(key);
    return this.backend.stat(key);
  }

  listStats(prefix: string): AsyncIterable<ObjectStat & { key: string }> {
    return this.backend.listStats(prefix);
  }

  remove(key: string): Promise<void> {
    assertSafeKey(key);
    return this.backend.remove(key);
  }

  removeAll(prefix: string): Promise<void> {
    assertSafeKey(prefix.replace(/\/$/, ''));
    return this.backend.removeAll(prefix);
  }

  list(prefix: string): AsyncIterable<string> {
    return this.backend.list(prefix);
  }

  children(prefix: string): Promise<string[]> {
    return this.backend.children(prefix);
  }

  /** Re-reads a stored object and returns its real sha256 and size (undefined when missing). */
  async measure(key: string): Promise<{ sha256: string; bytes: number } | undefined> {
    const body = await this.read(key);
    if (!body) return undefined;
    const { stream, result } = hashingPassThrough();
    body.pipe(stream);
    stream.resume();
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
      body.on('error', reject);
    });
    return result();
  }
}
