import { InputValidationError } from '../errors.js';
import { mapResultsPrefix } from './layout.js';
import { openStore } from './open.js';
import type { BackupStore } from './store.js';

/**
 * Where a region's work list is, in the terms of the Distributed Map that reads it (ItemReader
 * `s3:getObject` with Bucket and Key) and writes its results (ResultWriter `s3:putObject` with
 * Bucket and Prefix). For an S3 store these are the real bucket and keys (the store's prefix
 * applied): deployed, Step Functions reads and writes them itself. A directory store (`file://`)
 * runs only locally: its Bucket is the store's URL, which the local runner opens as the store.
 */
export interface WorkListRef {
  Bucket: string;
  Key: string;
  /** Where the Map Run writes its result files (SUCCEEDED_0.json, FAILED_0.json, manifest.json). */
  ResultsPrefix: string;
}

export function workListRef(store: BackupStore, key: string, runId: string, region: string): WorkListRef {
  const s3 = store.s3;
  const results = mapResultsPrefix(runId, region);
  return s3
    ? { Bucket: s3.bucket, Key: s3.key(key), ResultsPrefix: s3.key(results) }
    : { Bucket: store.url, Key: key, ResultsPrefix: results };
}

/**
 * The store a Distributed Map's Bucket names, as the local runner reads and writes it: a `file://`
 * URL (see WorkListRef) or an S3 bucket (its keys are then the S3 keys themselves).
 */
export function storeOfBucket(bucket: string): BackupStore {
  if (!bucket) throw new InputValidationError('ItemReader/ResultWriter: Bucket is empty');
  return openStore(bucket.startsWith('file://') ? bucket : `s3://${bucket}`);
}
