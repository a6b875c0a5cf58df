import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../../aws/clients.js';
import { errorName } from '../../aws/errors.js';
import type { Deletion } from '../types.js';

/**
 * Drill cleanup of a scratch bucket: every object version and delete marker first (a bucket must be
 * empty to go), then the bucket. The bucket that is the backup store itself is never deleted.
 */

/** Empties a bucket (every version and delete marker) and deletes it; false when it does not exist. */
async function deleteBucket(region: string, Bucket: string): Promise<boolean> {
  const s3 = client(S3Client, region);
  try {
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let more = true; more; ) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket, ...marker }));
      const Objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(
        (version) => ({ Key: version.Key, VersionId: version.VersionId ?? undefined }),
      );
      const deleted = Objects.length
        ? await s3.send(
            new DeleteObjectsCommand({ Bucket, Delete: { Objects }, BypassGovernanceRetention: true }),
          )
        : undefined;
      const refused = deleted?.Errors?.[0];
      if (refused) throw new Error(`${Bucket}/${refused.Key}: ${refused.Code} ${refused.Message}`);
      marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      more = Boolean(page.IsTruncated);
    }
    await s3.send(new DeleteBucketCommand({ Bucket }));
    return true;
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') return false;
    throw error;
  }
}

/** The deletions that remove the scratch bucket `name` in `region` (none for the store's bucket). */
export async function teardownBucket(
  region: string,
  name: string,
  context: { storeBucket?: string },
): Promise<Deletion[]> {
  if (name === context.storeBucket) return [];
  return [{ resource: `bucket ${name}`, remove: () => deleteBucket(region, name) }];
}
