import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputValidationError } from '../errors.js';
import { FileBackend } from './file-backend.js';
import { S3Backend } from './s3-backend.js';
import { BackupStore } from './store.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Opens a store from what users type: a bucket name, `s3://bucket/prefix` or `file:///dir`
 * (a plain relative `file://dir` resolves against the working directory).
 */
export function openStore(location: string, options: { region?: string } = {}): BackupStore {
  if (location.startsWith('file://')) {
    const path = location.startsWith('file:///')
      ? fileURLToPath(location)
      : resolve(location.slice('file://'.length));
    return new BackupStore(new FileBackend(path));
  }
  const withoutScheme = location.startsWith('s3://') ? location.slice(5) : location;
  const [bucket = '', ...rest] = withoutScheme.split('/');
  if (!BUCKET_NAME.test(bucket)) {
    throw new InputValidationError(`bucket: "${bucket}" is not a valid S3 bucket name (or use file:///path)`);
  }
  return new BackupStore(new S3Backend(bucket, rest.join('/'), options.region));
}
