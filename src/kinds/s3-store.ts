import { S3Backend } from '../store/s3-backend.js';
import type { BackupStore } from '../store/store.js';

/** Where an S3-backed store keeps its objects, for server-side copies and exports into it. */
export interface S3StoreTarget {
  bucket: string;
  region: string;
  /** The S3 key of a store key (the store's prefix applied). */
  key(storeKey: string): string;
}

/** The S3 bucket behind `store`, or undefined for a local (file://) store. */
export function s3StoreTarget(store: BackupStore): S3StoreTarget | undefined {
  const backend = store.backend;
  if (!(backend instanceof S3Backend)) return undefined;
  const prefix = backend.prefix.replace(/\/$/, '');
  return {
    bucket: backend.bucket,
    region: backend.region,
    key: (storeKey) => (prefix ? `${prefix}/${storeKey}` : storeKey),
  };
}
