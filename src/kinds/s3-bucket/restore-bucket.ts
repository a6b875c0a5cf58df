import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketLocationCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import {
  countOf,
  type DataPlan,
  decideData,
  PartPosition,
  partsOf,
  runDataRestore,
  START,
  storedDocument,
} from '../../reconcile/data.js';
import { diffFields, notPossible } from '../../reconcile/diff.js';
import { compareObjects } from './compare-objects.js';
import { BackupSummary, BucketConfig } from './format.js';
import { type RestoreJob, restoreObjects } from './restore-objects.js';
import { applySettings, desiredShape, liveShape } from './settings.js';

/**
 * Restores an S3 bucket from its config.json and objects index. A missing bucket is created in the
 * target region with versioning, Object Lock, encryption, CORS, lifecycle, tags, policy, ownership
 * controls and public access block as recorded (see settings.ts). The notification configuration is
 * left alone: the s3-notification trigger restore owns it and merges its entries in. Objects come back
 * from the store (see restore-objects.ts).
 *
 * An existing bucket is compared first: each setting, then object by object (see compare-objects.ts).
 * Objects are copied into a bucket that already holds objects only with `force`, and then over it:
 * every backed-up object is written again; objects the backup does not have stay.
 */

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Restores one bucket (settings and objects) into `context.targetRegion`. */
export async function restoreBucket(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const { store, mapper } = context;
  const bucket = mapper.mapName('s3-bucket', item.name);
  const s3 = client(S3Client, context.targetRegion);
  const job: RestoreJob = { store, storeBucket: store.s3, s3, bucket };
  const parts = partsOf(item, 'objects-index');
  const stored = countOf(item, 'objects-index', 'objects');
  const objectsResource = `objects of bucket ${bucket}`;

  const plan = async (): Promise<DataPlan<PartPosition>> => {
    const notes: string[] = [];
    const details: Record<string, unknown> = { objects: stored };
    const blocked = (note: string) => ({
      changes: [notPossible(`bucket ${bucket}`, 'blocked', note)],
      notes,
    });
    if (job.storeBucket?.bucket === bucket) return blocked('it is the backup store bucket');
    if (!BUCKET_NAME.test(bucket))
      return blocked(
        'not a valid bucket name (the name suffix must be lowercase and the name at most 63 characters)',
      );
    const summary = parseOrThrow(BackupSummary, item.summary ?? {}, `s3-bucket ${item.name} summary`);
    if (summary.notCaptured?.includes('data'))
      notes.push(`run ${context.runId} captured the configuration only: no objects to restore`);
    const archived = typeof summary.skipped === 'number' ? summary.skipped : 0;
    if (archived > 0)
      notes.push(
        `${archived} objects were archived (Glacier) when backed up and have no stored copy: not restored`,
      );
    const config = parseOrThrow(
      BucketConfig,
      await storedDocument<unknown>(store, item, 'config'),
      `s3-bucket ${item.name} config.json`,
    );
    const desired = desiredShape(config, context, notes);
    const location = await ifExists(() => s3.send(new GetBucketLocationCommand({ Bucket: bucket })));
    if (location) {
      const region = location.LocationConstraint || 'us-east-1';
      if (region !== context.targetRegion)
        return blocked(
          `the name is taken by a bucket in ${region} (bucket names are global): use a name suffix`,
        );
    } else {
      const changes: Change[] = [
        { resource: `bucket ${bucket}`, action: 'create' },
        {
          resource: objectsResource,
          action: stored > 0 ? 'create' : 'unchanged',
          ...(stored > 0 ? { note: `${stored} objects` } : {}),
        },
      ];
      if (!context.apply) return { changes, notes, details };
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          CreateBucketConfiguration:
            context.targetRegion === 'us-east-1'
              ? undefined
              : { LocationConstraint: context.targetRegion as BucketLocationConstraint },
          ObjectLockEnabledForBucket:
            config.objectLock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
        }),
      );
      await applySettings(s3, bucket, desired);
      return { changes, notes, details, load: parts.length ? START : undefined };
    }
    const fields = diffFields(await liveShape(s3, bucket), desired);
    let change: Change = { resource: `bucket ${bucket}`, action: 'unchanged' };
    if (fields.length && !context.force) change = { ...change, action: 'differs', fields };
    else if (fields.some((field) => field.field.startsWith('ObjectLock')))
      change = { ...change, action: 'manual', fields, note: 'Object Lock cannot be changed this way' };
    else if (fields.length) {
      change = { ...change, action: 'update', fields };
      if (context.apply)
        await applySettings(
          s3,
          bucket,
          desired,
          new Set(fields.map((field) => field.field.split('.')[0] as string)),
        );
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
    const data = await decideData(context, {
      resource: objectsResource,
      empty: !listed.Contents?.length,
      stored,
      compare: () => compareObjects(job, parts, details),
      note: stored > 0 ? `${stored} objects` : undefined,
    });
    return {
      changes: [change, data.change],
      notes,
      details,
      load: data.load && parts.length ? START : undefined,
    };
  };

  return runDataRestore(context, PartPosition, plan, (from, planned) =>
    restoreObjects(job, parts, from, context.deadline, planned.notes),
  );
}
