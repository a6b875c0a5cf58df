import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  CreateBackupVaultCommand,
  DescribeBackupJobCommand,
  DescribeBackupVaultCommand,
  DescribeCopyJobCommand,
  PutBackupVaultLockConfigurationCommand,
  StartBackupJobCommand,
  StartCopyJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { PolicyInput } from '../../schemas/policy.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { finalizeRun, verifyRun } from '../../src/backup/finalize.js';
import { planRun } from '../../src/backup/plan.js';
import { recordFailure, runBackupStep } from '../../src/backup/step.js';
import { KINDS } from '../../src/kinds/index.js';
import type { ResourceKind } from '../../src/kinds/types.js';

// The emulator (moto) has AWS Backup vaults and plans but no backup jobs, so this flow is tested with
// aws-sdk-client-mock: every Backup, DynamoDB and KMS call below is answered by the mock.

const REGION = 'eu-west-2';
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:123456789012:table/orders`;
const RECOVERY_POINT = `arn:aws:backup:${REGION}:123456789012:recovery-point:rp-1`;
const COPY_VAULT = 'arn:aws:backup:eu-central-1:210987654321:backup-vault:dr-vault';
const COPY_POINT = 'arn:aws:backup:eu-central-1:210987654321:recovery-point:rp-copy';
const backup = mockClient(BackupClient);
const dynamo = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
let directory: string;

const policy = (awsBackup: Partial<NonNullable<PolicyInput['awsBackup']>> = {}): PolicyInput => ({
  name: 'tables',
  select: { regions: [REGION], kinds: ['dynamodb-table'] },
  awsBackup: {
    mode: 'instead',
    vault: { name: 'tv-vault', lock: { minRetentionDays: 7, maxRetentionDays: 35 } },
    iamRoleArn: 'arn:aws:iam::123456789012:role/backup',
    deleteAfterDays: 35,
    copyTo: [{ vaultArn: COPY_VAULT, deleteAfterDays: 90 }],
    pollSeconds: 0,
    ...awsBackup,
  },
});

async function itemFor(awsBackup?: Partial<NonNullable<PolicyInput['awsBackup']>>): Promise<WorkItem> {
  // KMS is mocked in this file (vault keys): the run is finalized unsigned (signing is tested elsewhere).
  const plan = await planRun({
    store: `file://${directory}`,
    regions: [REGION],
    policy: policy(awsBackup),
    allowUnsigned: true,
  });
  return { runId: plan.runId, store: plan.store, region: REGION, kind: 'dynamodb-table', name: 'orders' };
}

function vaultMissing() {
  backup
    .on(DescribeBackupVaultCommand)
    .rejects(Object.assign(new Error('vault not found'), { name: 'ResourceNotFoundException' }));
  backup
    .on(CreateBackupVaultCommand)
    .resolves({ BackupVaultArn: `arn:aws:backup:${REGION}:1:backup-vault:tv-vault` });
  backup.on(PutBackupVaultLockConfigurationCommand).resolves({});
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-aws-backup-'));
});
afterEach(() => {
  backup.reset();
  dynamo.reset();
  kms.reset();
});
afterAll(async () => {
  backup.restore();
  dynamo.restore();
  kms.restore();
  await rm(directory, { recursive: true, force: true });
});

describe('AWS Backup engine (mocked: moto has no backup jobs)', () => {
  it('creates a locked vault, backs the table up, copies the recovery point and records both in the manifest', async () => {
    // Prepare
    vaultMissing();
    kms.on(DescribeKeyCommand).rejects(Object.assign(new Error('no alias'), { name: 'NotFoundException' }));
    kms
      .on(CreateKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k1', Arn: `arn:aws:kms:${REGION}:1:key/k1` } });
    kms.on(EnableKeyRotationCommand).resolves({});
    kms.on(CreateAliasCommand).resolves({});
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableArn: TABLE_ARN } });
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1' });
    backup
      .on(DescribeBackupJobCommand)
      .resolvesOnce({ State: 'RUNNING', ResourceArn: TABLE_ARN })
      .resolves({ State: 'COMPLETED', ResourceArn: TABLE_ARN, RecoveryPointArn: RECOVERY_POINT });
    backup.on(StartCopyJobCommand).resolves({ CopyJobId: 'copy-1' });
    backup
      .on(DescribeCopyJobCommand)
      .resolvesOnce({ CopyJob: { State: 'RUNNING' } })
      .resolves({ CopyJob: { State: 'COMPLETED', DestinationRecoveryPointArn: COPY_POINT } });
    const item = await itemFor();
    // Act
    const step = await runBackupStep(item, 900_000);
    const summary = await finalizeRun({ ...item, verification: await verifyRun(item) });
    // Assess
    expect(step).toMatchObject({ done: true, status: 'ok' });
    expect(backup.commandCalls(CreateBackupVaultCommand)[0]?.args[0].input).toMatchObject({
      BackupVaultName: 'tv-vault',
      EncryptionKeyArn: `arn:aws:kms:${REGION}:1:key/k1`,
    });
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: 'tv-vault',
      MinRetentionDays: 7,
      MaxRetentionDays: 35,
      ChangeableForDays: undefined,
    });
    expect(backup.commandCalls(StartBackupJobCommand)[0]?.args[0].input).toMatchObject({
      BackupVaultName: 'tv-vault',
      ResourceArn: TABLE_ARN,
      IamRoleArn: 'arn:aws:iam::123456789012:role/backup',
      Lifecycle: { DeleteAfterDays: 35 },
    });
    expect(backup.commandCalls(StartCopyJobCommand)[0]?.args[0].input).toMatchObject({
      RecoveryPointArn: RECOVERY_POINT,
      SourceBackupVaultName: 'tv-vault',
      DestinationBackupVaultArn: COPY_VAULT,
      Lifecycle: { DeleteAfterDays: 90 },
    });
    expect(summary.status).toBe('succeeded');
    expect(summary.recoveryPoints).toBe(1);
    const { readManifest } = await import('../../src/cli/commands.js');
    const { openStore } = await import('../../src/store/open.js');
    const manifest = await readManifest(openStore(item.store), item.runId, { allowUnsigned: true });
    expect(manifest?.policy).toEqual({ name: 'tables' });
    expect(manifest?.recoveryPoints).toEqual([
      {
        region: REGION,
        kind: 'dynamodb-table',
        name: 'orders',
        resourceArn: TABLE_ARN,
        vault: 'tv-vault',
        recoveryPointArn: RECOVERY_POINT,
        jobId: 'job-1',
        state: 'COMPLETED',
        copies: [{ vaultArn: COPY_VAULT, recoveryPointArn: COPY_POINT, state: 'COMPLETED' }],
      },
    ]);
  });

  it('fails the item, naming job, state and message, when the backup job fails', async () => {
    // Prepare
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ BackupVaultArn: 'vault-arn', Locked: true, MinRetentionDays: 7 });
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableArn: TABLE_ARN } });
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-bad' });
    backup.on(DescribeBackupJobCommand).resolves({
      State: 'FAILED',
      ResourceArn: TABLE_ARN,
      StatusMessage: 'Insufficient privileges to perform this action',
    });
    const item = await itemFor({
      vault: {
        name: 'tv-vault',
        kmsKeyArn: `arn:aws:kms:${REGION}:1:key/given`,
        lock: { minRetentionDays: 7 },
      },
    });
    // Act
    const attempt = runBackupStep(item, 900_000);
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'AwsBackupJobError',
      message: `backup job job-bad of ${TABLE_ARN} ended FAILED: Insufficient privileges to perform this action`,
    });
    // The state machine's Catch records it: the item fails, the run goes on.
    await recordFailure(item, { name: 'AwsBackupJobError', message: 'job-bad FAILED' });
    const summary = await finalizeRun({ ...item, verification: await verifyRun(item) });
    expect(summary).toMatchObject({ status: 'partial', totals: { failed: 1 } });
    expect(backup.commandCalls(CreateBackupVaultCommand)).toHaveLength(0);
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand)).toHaveLength(0);
    expect(backup.commandCalls(StartCopyJobCommand)).toHaveLength(0);
  });

  it('returns a cursor at the Lambda deadline and continues the same job (no second StartBackupJob)', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({ BackupVaultArn: 'vault-arn' });
    backup.on(PutBackupVaultLockConfigurationCommand).resolves({});
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableArn: TABLE_ARN } });
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-slow' });
    backup
      .on(DescribeBackupJobCommand)
      .resolvesOnce({ State: 'RUNNING' })
      .resolves({ State: 'COMPLETED', RecoveryPointArn: RECOVERY_POINT });
    const item = await itemFor({ copyTo: [] });
    // Act: no time left in the first call
    const first = await runBackupStep(item, 0);
    const second = await runBackupStep({ ...item, cursor: first.cursor }, 900_000);
    // Assess
    expect(first).toMatchObject({ done: false, status: 'running' });
    expect(first.cursor).toMatchObject({
      phase: 'aws-backup',
      state: { job: { jobId: 'job-slow', state: 'RUNNING' } },
    });
    expect(second).toMatchObject({ done: true, status: 'ok' });
    expect(backup.commandCalls(StartBackupJobCommand)).toHaveLength(1);
  });

  it('besides our export: the kind exports first (in chunks), then AWS Backup protects the table', async () => {
    // Prepare: a stand-in table kind that needs two chunks
    const original = KINDS['dynamodb-table'];
    const exported: unknown[] = [];
    KINDS['dynamodb-table'] = {
      ...original,
      discover: async () => [],
      backup: async (work) => {
        exported.push(work.cursor);
        return work.cursor === undefined
          ? { done: false, cursor: { part: 2 }, artifacts: [] }
          : { done: true, artifacts: [], summary: { items: 42 } };
      },
    } satisfies ResourceKind;
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ BackupVaultArn: 'vault-arn', Locked: true, MinRetentionDays: 7 });
    dynamo.on(DescribeTableCommand).resolves({ Table: { TableArn: TABLE_ARN } });
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-2' });
    backup.on(DescribeBackupJobCommand).resolves({ State: 'COMPLETED', RecoveryPointArn: RECOVERY_POINT });
    try {
      const item = await itemFor({ mode: 'besides', copyTo: [] });
      // Act
      const first = await runBackupStep(item, 900_000);
      const second = await runBackupStep({ ...item, cursor: first.cursor }, 900_000);
      // Assess
      expect(first).toMatchObject({ done: false });
      expect(second).toMatchObject({ done: true, status: 'ok' });
      expect(exported).toEqual([undefined, { part: 2 }]);
      const { openStore } = await import('../../src/store/open.js');
      const { itemResultKey } = await import('../../src/store/layout.js');
      const result = (await openStore(item.store).getJson(
        itemResultKey(item.runId, REGION, 'dynamodb-table', 'orders'),
      )) as { summary: Record<string, unknown> };
      expect(result.summary).toMatchObject({
        items: 42,
        awsBackup: { job: { jobId: 'job-2', state: 'COMPLETED' } },
      });
    } finally {
      KINDS['dynamodb-table'] = original;
    }
  });
});
