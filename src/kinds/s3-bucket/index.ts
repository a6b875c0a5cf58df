import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { selectionOf } from '../../../schemas/item-restore.js';
import { client } from '../../aws/clients.js';
import { errorName } from '../../aws/errors.js';
import type { ResourceKind } from '../types.js';
import { backupBucket } from './backup-bucket.js';
import { bucketsWiredTo, discoverBuckets } from './discover.js';
import { deletedObjects } from './format.js';
import { tagRecord } from './object-attributes.js';
import { storedCopiesOf } from './objects-index.js';
import { restoreBucket } from './restore-bucket.js';
import { restoreKeys } from './restore-keys.js';
import { s3BucketStack } from './stack.js';
import { teardownBucket } from './teardown.js';

/** S3 buckets: configuration and objects (see backup-bucket.ts and restore-bucket.ts). */
export const s3Bucket: ResourceKind = {
  stack: s3BucketStack,
  kind: 's3-bucket',
  nameKind: 's3-bucket',
  restoreTier: 'data',
  // arn:aws:s3:::BUCKET[/KEY]: the name is the resource part up to the first ':' or '/'.
  arnNames: [{ nameKind: 's3-bucket', service: 's3', resource: /^([^:/]*)/ }],
  discover: discoverBuckets,
  wiredTo: bucketsWiredTo,
  backup: backupBucket,
  restore: restoreBucket,
  restoreItems: (item, selection, context) => restoreKeys(item, selectionOf('s3-bucket', selection), context),
  // The object copies each objects index part names (blobs/s3/…): verify checks them all.
  storedCopies: { role: 'objects-index', list: storedCopiesOf },

  async tags(region, name) {
    try {
      const response = await client(S3Client, region).send(new GetBucketTaggingCommand({ Bucket: name }));
      return tagRecord(response.TagSet);
    } catch (error) {
      if (errorName(error) === 'NoSuchTagSet') return {};
      throw error;
    }
  },

  async awsBackupArn(_region, name) {
    return `arn:aws:s3:::${name}`;
  },

  teardown: teardownBucket,
  // The backup reads the previous run's objects index beside the listing: it counts the keys that went.
  data: { unit: 'objects', deletedSince: deletedObjects },
};

export default s3Bucket;
