import { setTimeout as sleep } from 'node:timers/promises';
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { PlannedRecoveryPoint } from '../../schemas/restore.js';
import { Change } from '../../schemas/restore.js';
import { RunPlan } from '../../schemas/run-input.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { TriggervaultError } from '../errors.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import { sha256Hex } from '../store/hashing.js';
import { planKey } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';
import { AwsBackupState } from './aws-backup.js';

/**
 * Restores a table or a bucket from an AWS Backup recovery point a run recorded (StartRestoreJob),
 * instead of from the run's own export: when asked (`restore --from-recovery-points`), and on its own
 * for a resource whose data the run captured only through AWS Backup (policy `awsBackup.mode:
 * instead`, so the item has no export to restore from).
 *
 * A restore job runs in the region of its recovery point and creates the resource there: the same
 * region uses the run's point, another region a copy the run made into a vault of that region
 * (`awsBackup.copyTo`); without one the resource is blocked. Compare first: a table that exists is
 * left alone (AWS Backup restores DynamoDB only into a new table) unless it was restored from this
 * very point; a bucket that exists is filled only when empty, or with `force` (AWS Backup never
 * overwrites an object that exists). The job is started once (idempotency token per restore and
 * resource) and followed across calls (`done: false` with the job id) until it completes.
 *
 * The emulator (moto) has backup vaults and plans but no restore jobs: this module is tested with
 * aws-sdk-client-mock (test/unit/aws-backup-restore.test.ts).
 */

/** A restore job ended in a state other than COMPLETED. */
export class AwsBackupRestoreError extends TriggervaultError {
  override name = 'AwsBackupRestoreError';
}

type DataKind = 'dynamodb-table' | 's3-bucket';
const RESOURCE_TYPES: Record<DataKind, string> = { 'dynamodb-table': 'DynamoDB', 's3-bucket': 'S3' };
const isDataKind = (kind: string): kind is DataKind => kind in RESOURCE_TYPES;
const FAILED = new Set(['ABORTED', 'FAILED']);

/** Where a restore stands between calls: the job it started and what it reported when it did. */
const RestoreCursor = z.object({ jobId: z.string(), changes: z.array(Change), notes: z.array(z.string()) });
type RestoreCursor = z.infer<typeof RestoreCursor>;

const vaultNameOf = (vaultArn: string) => vaultArn.slice(vaultArn.indexOf('backup-vault:') + 13);
const regionOf = (arn: string) => arn.split(':')[3] ?? '';

/** The AWS Backup settings of the run's policy (its plan.json): the role a restore job assumes too. */
async function awsBackupOfRun(store: BackupStore, runId: string) {
  const plan = RunPlan.safeParse(await store.getJson(planKey(runId)).catch(() => undefined));
  return plan.success ? plan.data.policy?.awsBackup : undefined;
}

/** The decision for one planned resource: from a recovery point, blocked, or (undefined) from the export. */
export type RecoveryPointDecision = { use: PlannedRecoveryPoint } | { blocked: string } | undefined;

/**
 * Whether a resource of a run is restored from its recovery point: when `asked`, or when the run holds
 * no export of it (AWS Backup `instead`); which point (the target region's); and with which role.
 */
export async function decideRecoveryPoint(
  store: BackupStore,
  runId: string,
  item: ItemResult,
  options: { asked: boolean; targetRegion: string },
): Promise<RecoveryPointDecision> {
  if (!isDataKind(item.kind)) return undefined;
  const onlyCopy = item.artifacts.length === 0;
  if (!options.asked && !onlyCopy) return undefined;
  const parsed = AwsBackupState.safeParse(item.summary?.awsBackup);
  const state = parsed.success && parsed.data.job.state === 'COMPLETED' ? parsed.data : undefined;
  if (!state?.job.recoveryPointArn)
    return onlyCopy
      ? { blocked: `run ${runId} holds neither an export nor a completed AWS Backup recovery point of it` }
      : undefined;
  const point =
    options.targetRegion === item.region
      ? { recoveryPointArn: state.job.recoveryPointArn, vault: state.vault, region: item.region }
      : state.copies
          .filter((copy) => copy.state === 'COMPLETED' && copy.recoveryPointArn)
          .filter((copy) => regionOf(copy.vaultArn) === options.targetRegion)
          .map((copy) => ({
            recoveryPointArn: copy.recoveryPointArn as string,
            vault: vaultNameOf(copy.vaultArn),
            region: options.targetRegion,
          }))[0];
  if (!point)
    return {
      blocked: `no recovery point of run ${runId} in ${options.targetRegion}: a restore job restores only in the region of its recovery point (copy it there with awsBackup.copyTo, or restore into ${item.region})`,
    };
  const settings = await awsBackupOfRun(store, runId);
  if (!settings?.iamRoleArn)
    return { blocked: `run ${runId} recorded no AWS Backup role (its policy's awsBackup.iamRoleArn)` };
  return {
    use: {
      ...point,
      iamRoleArn: settings.iamRoleArn,
      pollSeconds: settings.pollSeconds,
      why: onlyCopy ? 'only-copy' : 'asked',
    },
  };
}

/** What is in the target region now: nothing, an empty resource, or one with data (and where it came from). */
async function targetState(kind: DataKind, region: string, name: string) {
  if (kind === 'dynamodb-table') {
    const table = (
      await ifExists(() => client(DynamoDBClient, region).send(new DescribeTableCommand({ TableName: name })))
    )?.Table;
    return table && { restoredFrom: table.RestoreSummary?.SourceBackupArn, empty: false };
  }
  const s3 = client(S3Client, region);
  if (!(await ifExists(() => s3.send(new HeadBucketCommand({ Bucket: name }))))) return undefined;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: name, MaxKeys: 1 }));
  return { restoredFrom: undefined, empty: !listed.KeyCount };
}

/** The compare-first decision: what the restore job would do, and whether it may start. */
async function compare(
  kind: DataKind,
  name: string,
  point: PlannedRecoveryPoint,
  force: boolean,
): Promise<{ change: Change; start: boolean; newResource: boolean }> {
  const resource = `${kind === 'dynamodb-table' ? 'table' : 'bucket'} ${name}`;
  const from = `from recovery point ${point.recoveryPointArn} (vault ${point.vault})`;
  const found = await targetState(kind, point.region, name);
  if (!found)
    return {
      change: { resource, action: 'create', note: `AWS Backup restores it ${from}` },
      start: true,
      newResource: true,
    };
  if (found.restoredFrom === point.recoveryPointArn)
    return {
      change: { resource, action: 'unchanged', note: `already restored ${from}` },
      start: false,
      newResource: false,
    };
  if (kind === 'dynamodb-table')
    return {
      change: {
        resource,
        action: 'manual',
        note: `exists: AWS Backup restores a table only into a new one (restore with a name suffix, or delete it first) ${from}`,
      },
      start: false,
      newResource: false,
    };
  if (found.empty || force)
    return {
      change: {
        resource,
        action: 'update',
        note: `AWS Backup restores the objects it lacks ${from} (it never overwrites an object that exists)`,
      },
      start: true,
      newResource: false,
    };
  return {
    change: {
      resource,
      action: 'differs',
      note: `holds objects: --force lets AWS Backup add the objects it lacks ${from}`,
    },
    start: false,
    newResource: false,
  };
}

/** Starts the restore job (once: the token is the same for the same restore and resource). */
async function startJob(
  kind: DataKind,
  name: string,
  point: PlannedRecoveryPoint,
  context: RestoreContext,
  newResource: boolean,
): Promise<string> {
  const backup = client(BackupClient, point.region);
  const { RestoreMetadata = {} } = await backup.send(
    new GetRecoveryPointRestoreMetadataCommand({
      BackupVaultName: point.vault,
      RecoveryPointArn: point.recoveryPointArn,
    }),
  );
  // The metadata AWS Backup recorded, with the target's name (AWS Backup's documented keys).
  const Metadata: Record<string, string> =
    kind === 'dynamodb-table'
      ? { ...RestoreMetadata, targetTableName: name }
      : { ...RestoreMetadata, DestinationBucketName: name, NewBucket: String(newResource) };
  const started = await backup.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: point.recoveryPointArn,
      IamRoleArn: point.iamRoleArn,
      Metadata,
      ResourceType: RESOURCE_TYPES[kind],
      CopySourceTagsToRestoredResource: true,
      IdempotencyToken: sha256Hex([context.restoreId, point.recoveryPointArn, name].join('|')).slice(0, 32),
    }),
  );
  if (!started.RestoreJobId)
    throw new AwsBackupRestoreError(`StartRestoreJob for ${point.recoveryPointArn} returned no job id`);
  return started.RestoreJobId;
}

/** Follows the job until it completes (done) or the deadline comes first (the cursor to continue). */
async function followJob(
  point: PlannedRecoveryPoint,
  cursor: RestoreCursor,
  deadline: number,
): Promise<RestoreResult> {
  const backup = client(BackupClient, point.region);
  for (;;) {
    const job = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId: cursor.jobId }));
    const status = job.Status ?? 'PENDING';
    if (FAILED.has(status))
      throw new AwsBackupRestoreError(
        `restore job ${cursor.jobId} from ${point.recoveryPointArn} ended ${status}: ${job.StatusMessage ?? 'no message'}`,
      );
    if (status === 'COMPLETED')
      return {
        changes: cursor.changes,
        notes: cursor.notes,
        details: {
          recoveryPoint: point.recoveryPointArn,
          restoreJobId: cursor.jobId,
          createdResourceArn: job.CreatedResourceArn,
        },
      };
    const wait = point.pollSeconds * 1000;
    if (Date.now() + wait >= deadline)
      return {
        changes: cursor.changes,
        notes: cursor.notes,
        done: false,
        cursor,
        details: { restoreJobId: cursor.jobId, status },
      };
    await sleep(wait);
  }
}

/**
 * Restores one table or bucket (`item`) from its planned recovery point into `context.targetRegion`
 * under its mapped name: compare first, then start the job and follow it (see the module comment).
 */
export async function restoreFromRecoveryPoint(
  item: { kind: string; name: string },
  point: PlannedRecoveryPoint,
  context: RestoreContext,
): Promise<RestoreResult> {
  if (!isDataKind(item.kind))
    throw new AwsBackupRestoreError(`AWS Backup restores no ${item.kind} resources here`);
  const kind = item.kind;
  const resumed = context.cursor === undefined ? undefined : RestoreCursor.parse(context.cursor);
  if (resumed) return followJob(point, resumed, context.deadline);
  const name = context.mapper.mapName(kind, item.name);
  const notes = [
    point.why === 'only-copy'
      ? `run ${context.runId} captured its data only through AWS Backup: restored from the recovery point`
      : `from the AWS Backup recovery point, as asked (not from the run's own export)`,
    ...(kind === 's3-bucket'
      ? ['an S3 recovery point holds the objects, not the bucket settings the run exported']
      : []),
  ];
  const decided = await compare(kind, name, point, context.force);
  if (!decided.start || !context.apply) return { changes: [decided.change], notes };
  const jobId = await startJob(kind, name, point, context, decided.newResource);
  return followJob(point, { jobId, changes: [decided.change], notes }, context.deadline);
}
