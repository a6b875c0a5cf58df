import { IntegrityError, NotFoundError } from '../errors.js';
import { base64ToHex, sha256Hex } from '../store/hashing.js';
import type { BackupStore } from '../store/store.js';
import { checkInPlace } from '../store/trusted.js';

/** A stored blob's bytes, checked against the sha256 its content-addressed key names. */
export async function readBlob(store: BackupStore, path: string): Promise<Buffer> {
  const body = await store.read(path);
  if (!body) throw new NotFoundError(`${store.url}: ${path} is missing`);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  const named = path.split('/').at(-1) ?? '';
  if (/^[0-9a-f]{64}$/.test(named) && sha256Hex(bytes) !== named)
    throw new IntegrityError(`${path}: stored bytes hash to ${sha256Hex(bytes)}`);
  return bytes;
}

/**
 * S3Bucket/S3Key for a stored package when Lambda can read it in place: the store is an S3 bucket in
 * the target region (Lambda reads code from its own region only). Undefined otherwise. The stored
 * object is read and hashed against what the backup recorded first: Lambda is never handed bytes
 * that are not the backup's (and the CodeSha256 it reports afterwards is checked as well).
 */
export async function storedCodeLocation(
  store: BackupStore,
  code: { path: string; sha256: string; bytes: number },
  region: string,
): Promise<{ S3Bucket: string; S3Key: string } | undefined> {
  const s3 = store.backend.capabilities.s3;
  if (!s3 || s3.region !== region) return undefined;
  await checkInPlace(store, code);
  return { S3Bucket: s3.bucket, S3Key: s3.key(code.path) };
}

/**
 * After Lambda created or updated code: the CodeSha256 it reports must be the backup's. IntegrityError
 * (naming the resource) otherwise.
 */
export function assertCodeSha256(what: string, reported: string | undefined, expectedHex: string): void {
  const actual = reported ? base64ToHex(reported) : 'nothing';
  if (actual !== expectedHex)
    throw new IntegrityError(
      `${what}: Lambda reports CodeSha256 ${actual} for the restored code, the backup has ${expectedHex}: refused`,
    );
}
