import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { client } from '../aws/clients.js';
import { httpStatus } from '../aws/errors.js';
import { InputValidationError } from '../errors.js';
import { EnvelopeCipher, isEncryptedDirectory } from './envelope.js';
import { FileBackend } from './file-backend.js';
import { missingBucket, S3Backend } from './s3-backend.js';
import { BackupStore } from './store.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The directory of a `file:` URL. Only `file:///absolute/path` (or `file://localhost/…`) names a
 * local directory: `file://host/path` names a host, and is refused rather than read as a relative
 * path `host/path` in whatever the working directory happens to be.
 */
function directoryOf(location: string, field: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new InputValidationError(`${field}: ${location} is not a valid file:/// URL`);
  }
  if (url.hostname && url.hostname !== 'localhost')
    throw new InputValidationError(
      `${field}: ${location} names the host "${url.hostname}"; a directory store is file:///absolute/path`,
    );
  if (url.search || url.hash)
    throw new InputValidationError(
      `${field}: ${location} has a query or fragment; use file:///absolute/path`,
    );
  const path = fileURLToPath(url);
  if (path === '/' || path === '')
    throw new InputValidationError(`${field}: ${location} is the root directory; name a folder`);
  return path.replace(/\/+$/, '');
}

export interface OpenOptions {
  region?: string;
  /** The flag or field the location came from, named in errors (default `bucket`). */
  field?: string;
  /**
   * A directory store: envelope-encrypt it with a data key of this KMS key (store/envelope.ts). A
   * directory that is encrypted already is read and written encrypted whether or not this is given.
   */
  encryptKey?: string;
}

/**
 * Opens a store from what users type: a bucket name, `s3://bucket/prefix` or `file:///dir`.
 * A plain file path is refused (it would be taken for a bucket name), as is `file://host/path`.
 */
export function openStore(location: string, options: OpenOptions = {}): BackupStore {
  const field = options.field ?? 'bucket';
  if (options.encryptKey && !location.startsWith('file:'))
    throw new InputValidationError(
      `${field}: envelope encryption is for file:/// copies (an S3 store is SSE-KMS encrypted)`,
    );
  if (location.startsWith('file:')) {
    const path = directoryOf(location, field);
    const cipher =
      options.encryptKey || isEncryptedDirectory(path)
        ? new EnvelopeCipher(path, options.encryptKey)
        : undefined;
    return new BackupStore(new FileBackend(path, `file://${path}`, cipher));
  }
  if (/^(\/|\.{1,2}(\/|$)|~)/.test(location) || location.includes('\\'))
    throw new InputValidationError(
      `${field}: "${location}" is a file path; a directory store is written file:///absolute/path`,
    );
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('s3://'))
    throw new InputValidationError(
      `${field}: "${location}" is neither a bucket, s3://bucket[/prefix] nor file:///directory`,
    );
  const withoutScheme = location.startsWith('s3://') ? location.slice(5) : location;
  const [bucket = '', ...rest] = withoutScheme.split('/');
  if (!BUCKET_NAME.test(bucket)) {
    throw new InputValidationError(
      `${field}: "${bucket}" is not a valid S3 bucket name (or use file:///path)`,
    );
  }
  return new BackupStore(new S3Backend(bucket, rest.join('/'), options.region));
}

/**
 * Fails with bad input (the field named) when the store does not exist: a bucket that is not there,
 * a directory that is not one. For commands that read a store, before they do any work.
 */
export async function requireExistingStore(store: BackupStore, field = 'bucket'): Promise<void> {
  const s3 = store.s3;
  if (s3) {
    try {
      await client(S3Client, s3.region).send(new HeadBucketCommand({ Bucket: s3.bucket }));
    } catch (error) {
      if (httpStatus(error) === 404) throw missingBucket(s3.bucket);
      throw error;
    }
    return;
  }
  const directory = store.url.replace(/^file:\/\//, '');
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) throw new InputValidationError(`${field}: ${store.url} is not a directory`);
}
