import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  DescribeBackupJobCommand,
  DescribeBackupVaultCommand,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  StartBackupJobCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { PolicyInput } from '../../schemas/policy.js';
import type { ItemOutcome, PlannedRecoveryPoint } from '../../schemas/restore.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { finalizeRun, verifyRun } from '../../src/backup/finalize.js';
import { planRun } from '../../src/backup/plan.js';
import { runBackupStep } from '../../src/backup/step.js';
import { decideRecoveryPoint, restoreFromRecoveryPoint } from '../../src/policy/aws-backup-restore.js';
import type { RestoreContext } from '../../src/reconcile/context.js';
import { readRestorePlan } from '../../src/restore/drill.js';
import { outcomeKey } from '../../src/restore/layout.js';
import { mapperFor } from '../../src/restore/mapper.js';
import type { RestoreReport } from '../../src/restore/report.js';
import { openStore } from '../../src/store/open.js';
import type { BackupStore } from '../../src/store/store.js';
import { runRestore } from '../helpers/restore.js';

// The emulator (moto) has AWS Backup vaults and plans but no backup or restore jobs: every Backup
// call below (StartBackupJob, GetRecoveryPointRestoreMetadata, StartRestoreJob, DescribeRestoreJob),
// and the DynamoDB and S3 reads of the target, are answered by aws-sdk-client-mock. STS (the restore
// plan's GetCallerIdentity) and the store (a directory) are real.

const REGION = 'tv-awsbr-1';
const COPY_REGION = 'eu-central-1';
const ROLE = 'arn:aws:iam::123456789012:role/backup';
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:123456789012:table/orders`;
const RECOVERY_POINT = `arn:aws:backup:${REGION}:123456789012:recovery-point:rp-1`;
const COPY_VAULT = `arn:aws:backup:${COPY_REGION}:123456789012:backup-vault:dr-vault`;
const COPY_POINT = `arn:aws:backup:${COPY_REGION}:123456789012:recovery-point:rp-copy`;
const backup = mockClient(BackupClient);
const dynamo = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
let directory: string;
let store: BackupStore;

const policy: PolicyInput = {
  name: 'tables',
  select: { regions: [REGION], kinds: ['dynamodb-table'] },
  awsBackup: { mode: 'instead', vault: { name: 'tv-vault' }, iamRoleArn: ROLE, pollSeconds: 0 },
};

/** An item as a run under `policy` records it: AWS Backup state in the summary, an export or not. */
function itemOf(kind: 'dynamodb-table' | 's3-bucket', name: string, exported: boolean): ItemResult {
  return {
    region: REGION,
    kind,
    name,
    status: 'ok',
    artifacts: exported
      ? [{ role: 'schema', path: `runs/x/${name}/schema.json`, sha256: 'a'.repeat(64), bytes: 10 }]
      : [],
    summary: {
      awsBackup: {
        resourceArn: TABLE_ARN,
        vault: 'tv-vault',
        job: { jobId: 'job-1', state: 'COMPLETED', recoveryPointArn: RECOVERY_POINT },
        copies: [{ vaultArn: COPY_VAULT, jobId: 'copy-1', state: 'COMPLETED', recoveryPointArn: COPY_POINT }],
      },
    },
  };
}

function contextFor(runId: string, overrides: Partial<RestoreContext> = {}): RestoreContext {
  return {
    store,
    runId,
    restoreId: 'restore-1',
    sourceRegion: REGION,
    targetRegion: REGION,
    mapper: mapperFor({
      sourceRegion: REGION,
      targetRegion: REGION,
      sourceAccount: '123456789012',
      targetAccount: '123456789012',
      restored: {},
      roles: {},
      apiIds: {},
      layerVersions: {},
      functionVersions: {},
    }),
    apply: true,
    force: false,
    options: { edge: false, startingPosition: 'LATEST' },
    deadline: Date.now() + 60_000,
    ...overrides,
  };
}

const point: PlannedRecoveryPoint = {
  recoveryPointArn: RECOVERY_POINT,
  vault: 'tv-vault',
  region: REGION,
  iamRoleArn: ROLE,
  pollSeconds: 0,
  why: 'asked',
};
const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });

function jobCompletes() {
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
    RestoreMetadata: { originalTableName: 'orders', encryptionType: 'Default' },
  });
  backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'restore-job-1' });
  backup
    .on(DescribeRestoreJobCommand)
    .resolvesOnce({ Status: 'RUNNING' })
    .resolves({ Status: 'COMPLETED', CreatedResourceArn: TABLE_ARN });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-aws-backup-restore-'));
  store = openStore(`file://${directory}`);
});
afterEach(() => {
  backup.reset();
  dynamo.reset();
  s3.reset();
});
afterAll(async () => {
  backup.restore();
  dynamo.restore();
  s3.restore();
  await rm(directory, { recursive: true, force: true });
});

describe('restore from AWS Backup recovery points (mocked: moto has no restore jobs)', () => {
  it('restores a table the run captured only through AWS Backup, from its recovery point, by itself', async () => {
    // Prepare: a run with AWS Backup `instead` (mocked backup job), finalized into a manifest.
    const plan = await planRun({ store: store.url, regions: [REGION], policy });
    const work = {
      runId: plan.runId,
      store: plan.store,
      region: REGION,
      kind: 'dynamodb-table' as const,
      name: 'orders',
    };
    backup.on(DescribeBackupVaultCommand).resolves({ BackupVaultArn: 'vault-arn' });
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableArn: TABLE_ARN } });
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1' });
    backup.on(DescribeBackupJobCommand).resolves({ State: 'COMPLETED', RecoveryPointArn: RECOVERY_POINT });
    await runBackupStep(work, 900_000);
    await finalizeRun({ ...work, verification: await verifyRun(work) });
    backup.reset();
    dynamo.reset();
    dynamo.on(DescribeTableCommand).rejects(notFound());
    jobCompletes();
    // Act: no --from-recovery-points: the run holds nothing else to restore the table from.
    const summary = await runRestore({ store: store.url, run: plan.runId });
    // Assess
    expect(summary.status).toBe('restored');
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(1);
    expect(backup.commandCalls(StartRestoreJobCommand)[0]?.args[0].input).toMatchObject({
      RecoveryPointArn: RECOVERY_POINT,
      IamRoleArn: ROLE,
      ResourceType: 'DynamoDB',
      Metadata: { originalTableName: 'orders', encryptionType: 'Default', targetTableName: 'orders' },
    });
    expect(backup.commandCalls(GetRecoveryPointRestoreMetadataCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: 'tv-vault',
      RecoveryPointArn: RECOVERY_POINT,
    });
    const report = (await store.getJson(summary.report)) as RestoreReport;
    const outcome = report.items.find((item) => item.kind === 'dynamodb-table') as ItemOutcome;
    expect(outcome).toMatchObject({
      action: 'create',
      details: { recoveryPoint: RECOVERY_POINT, restoreJobId: 'restore-job-1' },
    });
    expect(outcome.notes.join(' ')).toMatch(/captured its data only through AWS Backup/);
    const stored = await readRestorePlan(store, {
      run: plan.runId,
      restoreId: summary.restoreId,
      store: store.url,
    });
    expect(stored.regions[0]?.resources[0]?.recoveryPoint).toMatchObject({
      why: 'only-copy',
      iamRoleArn: ROLE,
    });
    expect(
      await store.getJson(outcomeKey(plan.runId, summary.restoreId, REGION, 'dynamodb-table', 'orders')),
    ).toMatchObject({ action: 'create' });
  });

  it('uses the recovery point for an exported resource only when asked', async () => {
    // Prepare
    const { runId } = await planRun({ store: store.url, regions: [REGION], policy });
    const exported = itemOf('dynamodb-table', 'orders', true);
    // Act
    const unasked = await decideRecoveryPoint(store, runId, exported, { asked: false, targetRegion: REGION });
    const asked = await decideRecoveryPoint(store, runId, exported, { asked: true, targetRegion: REGION });
    const stream = await decideRecoveryPoint(
      store,
      runId,
      { ...exported, kind: 'kinesis-stream' },
      {
        asked: true,
        targetRegion: REGION,
      },
    );
    // Assess
    expect(unasked).toBeUndefined();
    expect(asked).toEqual({ use: { ...point, why: 'asked' } });
    expect(stream).toBeUndefined();
  });

  it('restores into another region from the copy the run made there, and blocks a region without one', async () => {
    // Prepare
    const { runId } = await planRun({ store: store.url, regions: [REGION], policy });
    const item = itemOf('dynamodb-table', 'orders', false);
    // Act
    const copied = await decideRecoveryPoint(store, runId, item, { asked: false, targetRegion: COPY_REGION });
    const nowhere = await decideRecoveryPoint(store, runId, item, {
      asked: false,
      targetRegion: 'eu-west-3',
    });
    // Assess
    expect(copied).toEqual({
      use: {
        recoveryPointArn: COPY_POINT,
        vault: 'dr-vault',
        region: COPY_REGION,
        iamRoleArn: ROLE,
        pollSeconds: 0,
        why: 'only-copy',
      },
    });
    expect(nowhere).toEqual({ blocked: expect.stringMatching(/no recovery point of run .* in eu-west-3/) });
  });

  it('blocks a resource with neither an export nor a completed recovery point, or without a recorded role', async () => {
    // Prepare
    const { runId } = await planRun({ store: store.url, regions: [REGION], policy });
    const noRole = (await planRun({ store: store.url, regions: [REGION] })).runId;
    const failed = itemOf('dynamodb-table', 'orders', false);
    const state = failed.summary?.awsBackup as { job: { state: string } };
    state.job.state = 'FAILED';
    // Act
    const none = await decideRecoveryPoint(store, runId, failed, { asked: false, targetRegion: REGION });
    const roleless = await decideRecoveryPoint(store, noRole, itemOf('s3-bucket', 'b', false), {
      asked: false,
      targetRegion: REGION,
    });
    // Assess
    expect(none).toEqual({ blocked: expect.stringMatching(/neither an export nor a completed/) });
    expect(roleless).toEqual({ blocked: expect.stringMatching(/no AWS Backup role/) });
  });

  it('compares first: a dry run starts nothing, an existing table is left alone unless restored from this point', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).rejects(notFound());
    const dry = await restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r', { apply: false }),
    );
    dynamo.reset();
    dynamo.on(DescribeTableCommand).resolves({
      Table: {
        RestoreSummary: {
          SourceBackupArn: RECOVERY_POINT,
          RestoreDateTime: new Date(),
          RestoreInProgress: false,
        },
      },
    });
    // Act
    const again = await restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r'),
    );
    dynamo.reset();
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableName: 'orders' } });
    const other = await restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r', { force: true }),
    );
    // Assess
    expect(dry.changes).toEqual([expect.objectContaining({ resource: 'table orders', action: 'create' })]);
    expect(again.changes).toEqual([expect.objectContaining({ action: 'unchanged' })]);
    expect(other.changes).toEqual([
      expect.objectContaining({ action: 'manual', note: expect.stringMatching(/only into a new one/) }),
    ]);
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(0);
  });

  it('fills an S3 bucket that holds objects only with force, into the existing bucket', async () => {
    // Prepare
    s3.on(HeadBucketCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 3 });
    jobCompletes();
    const bucketPoint = { ...point, why: 'only-copy' as const };
    // Act
    const refused = await restoreFromRecoveryPoint(
      { kind: 's3-bucket', name: 'assets' },
      bucketPoint,
      contextFor('r'),
    );
    const forced = await restoreFromRecoveryPoint(
      { kind: 's3-bucket', name: 'assets' },
      bucketPoint,
      contextFor('r', { force: true }),
    );
    // Assess
    expect(refused.changes[0]).toMatchObject({ action: 'differs' });
    expect(forced.changes[0]).toMatchObject({ action: 'update' });
    expect(forced.done ?? true).toBe(true);
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(1);
    expect(backup.commandCalls(StartRestoreJobCommand)[0]?.args[0].input).toMatchObject({
      ResourceType: 'S3',
      Metadata: { DestinationBucketName: 'assets', NewBucket: 'false' },
    });
  });

  it('returns the job as a cursor at the deadline and continues it without starting another', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).rejects(notFound());
    jobCompletes();
    // Act
    const first = await restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r', { deadline: Date.now() - 1 }),
    );
    const second = await restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r', { cursor: JSON.parse(JSON.stringify(first.cursor)) }),
    );
    // Assess
    expect(first).toMatchObject({ done: false, cursor: { jobId: 'restore-job-1' } });
    expect(second.done ?? true).toBe(true);
    expect(second.changes[0]).toMatchObject({ action: 'create' });
    expect(second.details).toMatchObject({ restoreJobId: 'restore-job-1', createdResourceArn: TABLE_ARN });
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(1);
  });

  it('fails the item, naming job, state and message, when the restore job fails', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).rejects(notFound());
    backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({ RestoreMetadata: {} });
    backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'restore-job-bad' });
    backup.on(DescribeRestoreJobCommand).resolves({ Status: 'FAILED', StatusMessage: 'Access denied' });
    // Act
    const attempt = restoreFromRecoveryPoint(
      { kind: 'dynamodb-table', name: 'orders' },
      point,
      contextFor('r'),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'AwsBackupRestoreError',
      message: `restore job restore-job-bad from ${RECOVERY_POINT} ended FAILED: Access denied`,
    });
  });
});
