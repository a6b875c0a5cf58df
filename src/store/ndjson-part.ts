import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import type { Artifact } from '../../schemas/work-item.js';
import { NotFoundError } from '../errors.js';
import { hashingPassThrough } from './hashing.js';
import type { BackupStore } from './store.js';

/** Speed over ratio: DynamoDB JSON and object indexes are repetitive enough to shrink well at level 1. */
const GZIP_LEVEL = 1;
const FLUSH_CHARS = 64 * 1024;

/** The file name of one part: `<dir>/c<chunk>-<unit>.ndjson.gz`, sorting by chunk then unit. */
export const partFile = (dir: string, chunk: number, unit: string): string =>
  `${dir}/c${String(chunk).padStart(5, '0')}-${unit}.ndjson.gz`;

export interface PartOptions {
  role: string;
  /** The name under which the number of records is counted (`items`, `records`, `objects`). */
  count: string;
  /** Further counts, read once the part is complete. */
  extraCounts?: () => Record<string, number>;
}

/**
 * Streams `records` as gzip NDJSON (one JSON document per line) into the store at `key`: memory
 * stays flat, the bytes are hashed on the way. Writes nothing and returns undefined when `records`
 * yields nothing, so callers never store empty parts.
 */
export async function writeNdjsonPart(
  store: BackupStore,
  key: string,
  records: AsyncIterable<unknown>,
  options: PartOptions,
): Promise<Artifact | undefined> {
  const iterator = records[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return undefined;
  let count = 0;
  async function* lines(): AsyncGenerator<Buffer> {
    let buffer = '';
    try {
      for (let next = first; !next.done; next = await iterator.next()) {
        buffer += `${JSON.stringify(next.value)}\n`;
        count += 1;
        if (buffer.length >= FLUSH_CHARS) {
          yield Buffer.from(buffer);
          buffer = '';
        }
      }
      if (buffer) yield Buffer.from(buffer);
    } finally {
      await iterator.return?.();
    }
  }
  const gzip = createGzip({ level: GZIP_LEVEL });
  const source = Readable.from(lines());
  source.on('error', (error) => gzip.destroy(error));
  source.pipe(gzip);
  const written = await store.putStream(key, gzip, { contentType: 'application/gzip' });
  return {
    role: options.role,
    path: key,
    sha256: written.sha256,
    bytes: written.bytes,
    counts: { [options.count]: count, ...options.extraCounts?.() },
  };
}

/** Writes a JSON document (configuration, schema) and describes it as an artifact. */
export async function writeJsonArtifact(
  store: BackupStore,
  key: string,
  role: string,
  value: unknown,
): Promise<Artifact> {
  const written = await store.putJson(key, value);
  return { role, path: key, sha256: written.sha256, bytes: written.bytes };
}

/** Decodes a gzip NDJSON stream document by document. */
export async function* decodeNdjson(body: Readable): AsyncGenerator<unknown> {
  const gunzip = createGunzip();
  body.on('error', (error) => gunzip.destroy(error));
  body.pipe(gunzip);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of gunzip) {
    pending += decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const line = pending.slice(start, end);
      start = end + 1;
      if (line.trim()) yield JSON.parse(line);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.trim()) yield JSON.parse(pending);
}

/** Reads a stored gzip NDJSON part document by document. */
export async function* readNdjsonPart(store: BackupStore, key: string): AsyncGenerator<unknown> {
  const body = await store.read(key);
  if (!body) throw new NotFoundError(`missing part ${key}`);
  yield* decodeNdjson(body);
}

/** Re-reads a stored gzip NDJSON file: its sha256 and size, and how many lines it holds. */
export async function inspectNdjsonPart(
  store: BackupStore,
  key: string,
): Promise<{ sha256: string; bytes: number; lines: number }> {
  const body = await store.read(key);
  if (!body) throw new NotFoundError(`missing part ${key}`);
  const { stream, result } = hashingPassThrough();
  body.on('error', (error) => stream.destroy(error));
  const gunzip = createGunzip();
  stream.on('error', (error) => gunzip.destroy(error));
  body.pipe(stream).pipe(gunzip);
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of gunzip) {
    const bytes = chunk as Buffer;
    for (let index = bytes.indexOf(0x0a); index >= 0; index = bytes.indexOf(0x0a, index + 1)) lines += 1;
    if (bytes.length > 0) last = bytes[bytes.length - 1] as number;
  }
  if (last !== 0x0a) lines += 1;
  return { ...result(), lines };
}
