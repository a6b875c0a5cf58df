import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { client, endpointUrl } from '../aws/clients.js';
import { errorName, httpStatus, isMissingObject, isNotFound } from '../aws/errors.js';
import { mapLimit } from '../concurrency.js';
import { AlreadyStoredError, InputValidationError, IntegrityError } from '../errors.js';
import { logger } from '../log.js';
import type { BackendCapabilities, ObjectStat, SseHeaders, StoreBackend, WriteOptions } from './store.js';

const stripQuotes = (etag: string | undefined) => etag?.replace(/^"|"$/g, '');

/** A full-object SHA-256 as hex, from S3's base64 checksum (a composite, multipart one is not). */
export function fullObjectSha256(checksum: string | undefined, type: string | undefined): string | undefined {
  if (!checksum || checksum.includes('-') || (type !== undefined && type !== 'FULL_OBJECT')) return undefined;
  return Buffer.from(checksum, 'base64').toString('hex');
}

/**
 * The SSE-KMS headers for a store bucket: TRIGGERVAULT_STORE_KMS_KEY (the deployed stack sets its
 * backup key), else the bucket's own default KMS key, else the account's AWS-managed `aws/s3` KMS key.
 * Objects are always written SSE-KMS with the key named explicitly: a bucket without default
 * encryption (or with SSE-S3 only) still gets KMS-encrypted objects, and a bare `aws:kms` header
 * never silently swaps the bucket's customer-managed key for `aws/s3`.
 */
export async function storeEncryption(bucket: string, region: string): Promise<SseHeaders> {
  const configured = process.env.TRIGGERVAULT_STORE_KMS_KEY;
  if (configured) return { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: configured };
  // Asked once a minute per bucket and process (the local runner opens the store in every handler).
  const key = `${endpointUrl() ?? ''}|${region}|${bucket}`;
  const known = bucketEncryption.get(key);
  if (known && known.until > Date.now()) return known.headers;
  const headers = readBucketEncryption(bucket, region);
  bucketEncryption.set(key, { headers, until: Date.now() + ENCRYPTION_TTL_MS });
  headers.catch(() => bucketEncryption.delete(key));
  return headers;
}

const ENCRYPTION_TTL_MS = 60_000;
const bucketEncryption = new Map<string, { headers: Promise<SseHeaders>; until: number }>();

async function readBucketEncryption(bucket: string, region: string): Promise<SseHeaders> {
  try {
    const answer = await client(S3Client, region).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = answer.ServerSideEncryptionConfiguration?.Rules?.find(
      (candidate) => candidate.ApplyServerSideEncryptionByDefault,
    )?.ApplyServerSideEncryptionByDefault;
    if (rule?.SSEAlgorithm === 'aws:kms' || rule?.SSEAlgorithm === 'aws:kms:dsse')
      return { ServerSideEncryption: rule.SSEAlgorithm, SSEKMSKeyId: rule.KMSMasterKeyID || undefined };
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') throw missingBucket(bucket);
    if (!isNotFound(error) && httpStatus(error) !== 403) throw error;
    if (httpStatus(error) === 403)
      logger.warn('cannot read the store bucket encryption; writing with the aws/s3 KMS key', { bucket });
  }
  return { ServerSideEncryption: 'aws:kms' };
}

export const missingBucket = (bucket: string) =>
  new InputValidationError(`bucket: ${bucket} does not exist (or is not visible to these credentials)`);

/** An S3 bucket (optionally under a prefix) as backup store: the default. */
export class S3Backend implements StoreBackend {
  readonly url: string;
  private sse: Promise<SseHeaders> | undefined;

  constructor(
    readonly bucket: string,
    readonly prefix = '',
    readonly region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  ) {
    this.url = `s3://${bucket}${prefix ? `/${prefix.replace(/\/$/, '')}` : ''}`;
  }

  private get s3(): S3Client {
    return client(S3Client, this.region);
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix.replace(/\/$/, '')}/${key}` : key;
  }

  /** The store's SSE-KMS headers, asked once. */
  encryption(): Promise<SseHeaders> {
    this.sse ??= storeEncryption(this.bucket, this.region).catch((error) => {
      this.sse = undefined;
      throw error;
    });
    return this.sse;
  }

  get capabilities(): BackendCapabilities {
    return {
      s3: {
        bucket: this.bucket,
        region: this.region,
        key: (storeKey) => this.key(storeKey),
        encryption: () => this.encryption(),
      },
      storedChecksums: true,
    };
  }

  async write(key: string, body: Readable, options: WriteOptions = {}): Promise<void> {
    // Upload streams in parts of bounded size, so memory stays flat for any object size; a write-once
    // key sends If-None-Match on PutObject or CompleteMultipartUpload (S3 answers 412 if it exists).
    try {
      await new Upload({
        client: this.s3,
        params: {
          Bucket: this.bucket,
          Key: this.key(key),
          Body: body,
          ContentType: options.contentType,
          ...(await this.encryption()),
          ...(options.exclusive ? { IfNoneMatch: '*' } : {}),
          ...(options.ifMatch ? { IfMatch: `"${options.ifMatch}"` } : {}),
        },
        queueSize: 4,
        partSize: 8 * 1024 * 1024,
      }).done();
    } catch (error) {
      const conditional = options.exclusive || options.ifMatch;
      if (conditional && (httpStatus(error) === 412 || errorName(error) === 'PreconditionFailed'))
        throw new AlreadyStoredError(
          options.exclusive
            ? `${this.url}: ${key} already exists and is never replaced`
            : `${this.url}: ${key} changed since it was read; not replaced`,
        );
      throw error;
    }
  }

  async read(key: string): Promise<Readable | undefined> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return response.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      if (errorName(error) === 'NoSuchBucket') throw missingBucket(this.bucket);
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Readable | undefined> {
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key), Range: `bytes=${start}-${end}` }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async size(key: string): Promise<number | undefined> {
    return (await this.stat(key))?.bytes;
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key), ChecksumMode: 'ENABLED' }),
      );
      return {
        bytes: head.ContentLength ?? 0,
        etag: stripQuotes(head.ETag),
        sha256: fullObjectSha256(head.ChecksumSHA256, head.ChecksumType),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  /**
   * Moves a finished temporary blob into place write-once (If-None-Match): the bytes are streamed
   * from tmp/ and put again, not copied server-side, since S3 refuses CopyObject where a bucket
   * policy requires conditional writes (the stack's does on blobs/sha256/). A blob already there is
   * the same content (content-addressed) and is kept.
   */
  async move(from: string, to: string): Promise<void> {
    const body = await this.read(from);
    if (!body) throw new IntegrityError(`${this.url}: ${from} vanished before it was moved`);
    try {
      await this.write(to, body, { exclusive: true });
    } catch (error) {
      if (!(error instanceof AlreadyStoredError)) throw error;
      body.destroy();
    }
    await this.remove(from);
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
  }

  async removeAll(prefix: string): Promise<void> {
    const keys: string[] = [];
    for await (const key of this.list(prefix)) keys.push(key);
    await mapLimit(keys, 16, (key) => this.remove(key));
  }

  async children(prefix: string): Promise<string[]> {
    const names: string[] = [];
    const base = this.key(prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.listPage({ Prefix: base, Delimiter: '/', ContinuationToken });
      for (const common of page.CommonPrefixes ?? [])
        names.push((common.Prefix ?? '').slice(base.length).replace(/\/$/, ''));
      for (const object of page.Contents ?? []) names.push((object.Key ?? '').slice(base.length));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return names.filter(Boolean).sort();
  }

  private async listPage(input: { Prefix: string; Delimiter?: string; ContinuationToken?: string }) {
    try {
      return await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, ...input }));
    } catch (error) {
      if (errorName(error) === 'NoSuchBucket') throw missingBucket(this.bucket);
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    for await (const entry of this.listStats(prefix)) yield entry.key;
  }

  async *listStats(prefix: string): AsyncIterable<ObjectStat & { key: string }> {
    const strip = this.prefix ? this.prefix.replace(/\/$/, '').length + 1 : 0;
    let ContinuationToken: string | undefined;
    do {
      const page = await this.listPage({ Prefix: this.key(prefix), ContinuationToken });
      for (const object of page.Contents ?? [])
        if (object.Key)
          yield { key: object.Key.slice(strip), bytes: object.Size ?? 0, etag: stripQuotes(object.ETag) };
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }
}
