import type { BackupStore, S3Location } from '../store/store.js';

/** Where an S3-backed store keeps its objects, for server-side copies and exports into it. */
export type S3StoreTarget = S3Location;

/** The S3 bucket behind `store`, or undefined for a local (file://) store. */
export const s3StoreTarget = (store: BackupStore): S3StoreTarget | undefined => store.backend.capabilities.s3;
