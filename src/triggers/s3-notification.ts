import {
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../aws/clients.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { compact, fromEachSource, paginate, regionMemo, sourcesToCheck } from './shared.js';
import type { FunctionRef, TriggerRecord, TriggerType } from './types.js';

const S3_SERVICE = 's3.amazonaws.com';
const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
const bucketOf = (sourceArn: string): string | undefined =>
  sourceArn.startsWith('arn:aws:s3:::') ? sourceArn.slice('arn:aws:s3:::'.length).split('/')[0] : undefined;

/**
 * The buckets of a region, for policies that do not name their bucket. No MaxBuckets: moto truncates
 * to it without returning a ContinuationToken. Each bucket's region is the listing's BucketRegion
 * when AWS reports it, else GetBucketLocation (null or '' means us-east-1).
 */
const regionBuckets = regionMemo(async (region) => {
  const s3 = client(S3Client, region);
  const buckets = await paginate(async (ContinuationToken) => {
    const page = await s3.send(new ListBucketsCommand({ BucketRegion: region, ContinuationToken }));
    return { items: page.Buckets, next: page.ContinuationToken };
  });
  return fromEachSource(
    buckets,
    (bucket) => `s3 bucket ${bucket.Name}`,
    async (bucket) => {
      const location = bucket.BucketRegion
        ? bucket.BucketRegion
        : (await s3.send(new GetBucketLocationCommand({ Bucket: bucket.Name }))).LocationConstraint ||
          'us-east-1';
      return location === region ? [bucket.Name as string] : [];
    },
  );
});

async function notificationsOf(fn: FunctionRef, bucket: string): Promise<TriggerRecord[]> {
  const configuration = await client(S3Client, fn.region).send(
    new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
  );
  const source = bucketArn(bucket);
  return (configuration.LambdaFunctionConfigurations ?? [])
    .filter((notification) => targetsFunction(notification.LambdaFunctionArn, fn))
    .map((notification) => ({
      type: 's3-notification',
      id: `${bucket}/${notification.Id}`,
      source,
      target: notification.LambdaFunctionArn as string,
      config: compact({
        Bucket: bucket,
        Id: notification.Id,
        Events: notification.Events,
        Filter: notification.Filter,
      }),
      permissions: permissionsFor(fn, S3_SERVICE, source),
    }));
}

/** Lambda notifications of the buckets allowed to invoke the function. */
export const s3NotificationTrigger: TriggerType = {
  type: 's3-notification',
  async list(fn: FunctionRef) {
    const buckets = await sourcesToCheck(fn, S3_SERVICE, bucketOf, regionBuckets);
    return fromEachSource(
      buckets,
      (bucket) => `s3 bucket ${bucket}`,
      (bucket) => notificationsOf(fn, bucket),
    );
  },
};
