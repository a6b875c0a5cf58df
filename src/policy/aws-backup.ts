import { setTimeout as sleep } from 'node:timers/promises';
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
import { z } from 'zod';
import type { KindName } from '../../schemas/common.js';
import type { AwsBackupConfig } from '../../schemas/policy.js';
import { client } from '../aws/clients.js';
import { isNotFound } from '../aws/errors.js';
import { TriggervaultError } from '../errors.js';
import { kindModule } from '../kinds/index.js';
import { sha256Hex } from '../store/hashing.js';
import { ensureKey } from '../store/secure-bucket.js';

/**
 * AWS Backup as a second engine for DynamoDB tables and S3 buckets: ensure the vault (KMS key,
 * optional Vault Lock), start an on-demand backup job, wait for it, start copy jobs to other
 * vaults (regions or accounts) and wait for those, all as a checkpointed step: when the Lambda
 * deadline comes first, the state is returned as a cursor and the state machine calls again.
 *
 * The emulator (moto) has vaults and plans but no backup jobs: this module is tested with
 * aws-sdk-client-mock (test/unit/aws-backup.test.ts).
 */

/** A backup or copy job ended in a state other than COMPLETED: the item fails with this. */
export class AwsBackupJobError extends TriggervaultError {
  override name = 'AwsBackupJobError';
}

const JobState = z.object({
  jobId: z.string(),
  state: z.string(),
  recoveryPointArn: z.string().optional(),
});
export const AwsBackupState = z.object({
  resourceArn: z.string(),
  vault: z.string(),
  job: JobState,
  copies: z.array(JobState.extend({ vaultArn: z.string() })).default([]),
});
export type AwsBackupState = z.infer<typeof AwsBackupState>;

const FAILED = new Set(['FAILED', 'ABORTED', 'ABORTING', 'EXPIRED', 'PARTIAL']);
const backup = (region: string) => client(BackupClient, region);

/** Creates the vault when missing (with the given key or the triggervault key) and applies Vault Lock. */
export async function ensureVault(region: string, vault: AwsBackupConfig['vault']): Promise<string> {
  const service = backup(region);
  let described: { BackupVaultArn?: string; Locked?: boolean; MinRetentionDays?: number } | undefined;
  try {
    described = await service.send(new DescribeBackupVaultCommand({ BackupVaultName: vault.name }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (!described) {
    described = await service.send(
      new CreateBackupVaultCommand({
        BackupVaultName: vault.name,
        EncryptionKeyArn: vault.kmsKeyArn ?? (await ensureKey(region)),
        CreatorRequestId: `triggervault-${vault.name}`,
      }),
    );
  }
  const lock = vault.lock;
  if (lock && !(described.Locked && described.MinRetentionDays === lock.minRetentionDays)) {
    await service.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: vault.name,
        MinRetentionDays: lock.minRetentionDays,
        MaxRetentionDays: lock.maxRetentionDays,
        ChangeableForDays: lock.changeableForDays,
      }),
    );
  }
  return described.BackupVaultArn ?? vault.name;
}

/** The ARN AWS Backup protects for a resource of a kind it can back up. */
export async function resourceArnOf(region: string, kind: KindName, name: string): Promise<string> {
  const arnOf = kindModule(kind).awsBackupArn;
  if (!arnOf) throw new TriggervaultError(`AWS Backup does not protect ${kind} resources here`);
  return arnOf(region, name);
}

const lifecycle = (days?: number) => (days ? { DeleteAfterDays: days } : undefined);
/** Same run, same resource, same target: a retried step never starts a second job. */
const token = (...parts: string[]) => sha256Hex(parts.join('|')).slice(0, 32);

async function startJob(region: string, config: AwsBackupConfig, runId: string, resourceArn: string) {
  await ensureVault(region, config.vault);
  const started = await backup(region).send(
    new StartBackupJobCommand({
      BackupVaultName: config.vault.name,
      ResourceArn: resourceArn,
      IamRoleArn: config.iamRoleArn,
      IdempotencyToken: token(runId, resourceArn),
      Lifecycle: lifecycle(config.deleteAfterDays),
      RecoveryPointTags: { 'triggervault:run': runId },
    }),
  );
  if (!started.BackupJobId)
    throw new TriggervaultError(`StartBackupJob for ${resourceArn} returned no job id`);
  return { jobId: started.BackupJobId, state: 'CREATED', recoveryPointArn: started.RecoveryPointArn };
}

async function refreshJob(region: string, job: AwsBackupState['job']) {
  const response = await backup(region).send(new DescribeBackupJobCommand({ BackupJobId: job.jobId }));
  const state = response.State ?? job.state;
  if (FAILED.has(state))
    throw new AwsBackupJobError(
      `backup job ${job.jobId} of ${response.ResourceArn ?? 'the resource'} ended ${state}: ${response.StatusMessage ?? 'no message'}`,
    );
  return { ...job, state, recoveryPointArn: response.RecoveryPointArn ?? job.recoveryPointArn };
}

async function refreshCopy(region: string, copy: AwsBackupState['copies'][number]) {
  const response = await backup(region).send(new DescribeCopyJobCommand({ CopyJobId: copy.jobId }));
  const state = response.CopyJob?.State ?? copy.state;
  if (FAILED.has(state))
    throw new AwsBackupJobError(
      `copy job ${copy.jobId} to ${copy.vaultArn} ended ${state}: ${response.CopyJob?.StatusMessage ?? 'no message'}`,
    );
  return { ...copy, state, recoveryPointArn: response.CopyJob?.DestinationRecoveryPointArn };
}

async function startCopies(region: string, config: AwsBackupConfig, runId: string, state: AwsBackupState) {
  const recoveryPointArn = state.job.recoveryPointArn as string;
  return Promise.all(
    config.copyTo.map(async (target) => {
      const started = await backup(region).send(
        new StartCopyJobCommand({
          RecoveryPointArn: recoveryPointArn,
          SourceBackupVaultName: config.vault.name,
          DestinationBackupVaultArn: target.vaultArn,
          IamRoleArn: config.iamRoleArn,
          IdempotencyToken: token(runId, recoveryPointArn, target.vaultArn),
          Lifecycle: lifecycle(target.deleteAfterDays),
        }),
      );
      return { vaultArn: target.vaultArn, jobId: started.CopyJobId ?? '', state: 'CREATED' };
    }),
  );
}

export interface AwsBackupStep {
  done: boolean;
  state: AwsBackupState;
}

/**
 * One step of protecting a resource with AWS Backup. Starts the job (or continues from `previous`),
 * polls every `config.pollSeconds` until it completes, then starts and waits for the copy jobs. It
 * returns `done: false` with the state when `deadline` (epoch ms) comes first, and throws
 * AwsBackupJobError when a job fails.
 */
export async function awsBackupStep(
  resource: { region: string; kind: KindName; name: string; runId: string },
  config: AwsBackupConfig,
  previous: AwsBackupState | undefined,
  deadline: number,
): Promise<AwsBackupStep> {
  const { region, runId } = resource;
  let state: AwsBackupState = previous ?? {
    resourceArn: await resourceArnOf(region, resource.kind, resource.name),
    vault: config.vault.name,
    job: { jobId: '', state: 'NEW' },
    copies: [],
  };
  if (!state.job.jobId) state = { ...state, job: await startJob(region, config, runId, state.resourceArn) };
  for (;;) {
    if (state.job.state !== 'COMPLETED') state = { ...state, job: await refreshJob(region, state.job) };
    if (state.job.state === 'COMPLETED') {
      if (state.copies.length < config.copyTo.length)
        state = { ...state, copies: await startCopies(region, config, runId, state) };
      state = {
        ...state,
        copies: await Promise.all(
          state.copies.map((copy) => (copy.state === 'COMPLETED' ? copy : refreshCopy(region, copy))),
        ),
      };
      if (state.copies.every((copy) => copy.state === 'COMPLETED')) return { done: true, state };
    }
    if (Date.now() + config.pollSeconds * 1000 >= deadline) return { done: false, state };
    await sleep(config.pollSeconds * 1000);
  }
}
