import {
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  type LambdaFunctionConfiguration,
  ListBucketsCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import type { RestoreContext } from '../reconcile/context.js';
import { reconcile } from '../reconcile/diff.js';
import { sharedSourceSkip } from '../reconcile/results.js';
import { permissionsFor, targetsFunction } from './permissions.js';
import { cannotRestore, withPermissions } from './rewire.js';
import { compact, fromEachSource, regionMemo, sourceMemo, sourcesToCheck } from './shared.js';
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

/** A bucket's notification configuration, read once for all the functions it notifies. */
const bucketNotifications = sourceMemo((region, bucket) =>
  client(S3Client, region).send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket })),
);

async function notificationsOf(fn: FunctionRef, bucket: string): Promise<TriggerRecord[]> {
  const configuration = await bucketNotifications(fn.region, bucket);
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

/**
 * Read-merge-write of the bucket's notification configuration: the recorded Lambda configuration
 * (by Id) is added or replaced, every other configuration of the bucket is kept.
 */
async function restoreNotification(record: TriggerRecord, context: RestoreContext) {
  const config = record.config as { Bucket: string; Id: string; Events: string[]; Filter?: unknown };
  const bucket = context.mapper.mapName('s3-bucket', config.Bucket);
  const skip = sharedSourceSkip(
    context,
    context.mapper.isRestored('s3-bucket', config.Bucket),
    "its notification would overlap the bucket's own configuration",
  );
  if (skip) return cannotRestore(record, 'skipped', skip);
  const s3 = client(S3Client, context.targetRegion);
  const location = await ifExists(() => s3.send(new GetBucketLocationCommand({ Bucket: bucket })));
  if (!location)
    return cannotRestore(record, 'blocked', `bucket ${bucket} does not exist: restore or create it first`);
  const bucketRegion = location.LocationConstraint || 'us-east-1';
  if (bucketRegion !== context.targetRegion)
    return cannotRestore(
      record,
      'blocked',
      `bucket ${bucket} is in ${bucketRegion}; S3 notifies functions of its own region only`,
    );
  const desired = compact({
    Id: config.Id,
    LambdaFunctionArn: context.mapper.mapArn(record.target),
    Events: config.Events,
    Filter: config.Filter,
  }) as LambdaFunctionConfiguration;
  return withPermissions(record, context, async () => {
    const { $metadata: _ignored, ...existing } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
    );
    const others = (existing.LambdaFunctionConfigurations ?? []).filter((entry) => entry.Id !== config.Id);
    const current = existing.LambdaFunctionConfigurations?.find((entry) => entry.Id === config.Id);
    const write = async () => {
      const NotificationConfiguration = { ...existing, LambdaFunctionConfigurations: [...others, desired] };
      await s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration }),
      );
    };
    const change = await reconcile(context, {
      resource: `s3 notification ${bucket}/${config.Id}`,
      current: current && compact(current),
      desired,
      create: write,
      update: write,
    });
    return [change];
  });
}

/** Lambda notifications of the buckets allowed to invoke the function. */
export const s3NotificationTrigger: TriggerType = {
  /** Removes the function's entry from the bucket's notification configuration; the bucket's other entries stay. */
  async remove(region, record) {
    const config = record.config as { Bucket: string; Id: string };
    const s3 = client(S3Client, region);
    const { $metadata: _ignored, ...existing } = await s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: config.Bucket }),
    );
    const LambdaFunctionConfigurations = (existing.LambdaFunctionConfigurations ?? []).filter(
      (entry) => entry.Id !== config.Id,
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: config.Bucket,
        NotificationConfiguration: { ...existing, LambdaFunctionConfigurations },
      }),
    );
  },

  type: 's3-notification',
  async list(fn: FunctionRef) {
    const buckets = await sourcesToCheck(fn, S3_SERVICE, bucketOf, regionBuckets);
    return fromEachSource(
      buckets,
      (bucket) => `s3 bucket ${bucket}`,
      (bucket) => notificationsOf(fn, bucket),
    );
  },
  restore: restoreNotification,
  expectedRecord: (record, mapper) => {
    const bucket = mapper.mapName('s3-bucket', String(record.config.Bucket));
    const expected = mapper.mapDeep(record);
    return {
      ...expected,
      id: `${bucket}/${record.config.Id}`,
      config: { ...expected.config, Bucket: bucket },
    };
  },
};
