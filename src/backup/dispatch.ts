import { z } from 'zod';
import type { Policy } from '../../schemas/policy.js';
import { RunPlan } from '../../schemas/run-input.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { kindModule } from '../kinds/index.js';
import type { BackupContext, BackupStep } from '../kinds/types.js';
import { AwsBackupState, awsBackupStep } from '../policy/aws-backup.js';
import { planKey } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';

/**
 * The policy-aware backup of one item: the kind's own backup told what the policy makes critical
 * (`item.attributes`), and for tables and buckets the AWS Backup engine instead of or besides it.
 * Without a policy in the run's plan this is exactly the kind's backup.
 */

const EngineCursor = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('export'), inner: z.unknown().optional() }),
  z.object({
    phase: z.literal('aws-backup'),
    kindSummary: z.record(z.string(), z.unknown()).optional(),
    state: AwsBackupState.optional(),
  }),
]);
type EngineCursor = z.infer<typeof EngineCursor>;

const plans = new Map<string, Promise<Policy | undefined>>();

/** The policy recorded in a run's plan (read once per process and run). */
export function policyOfRun(store: BackupStore, runId: string): Promise<Policy | undefined> {
  const key = `${store.url}|${runId}`;
  let found = plans.get(key);
  if (!found) {
    found = store.getJson(planKey(runId)).then((raw) => {
      const plan = RunPlan.safeParse(raw);
      return plan.success ? plan.data.policy : undefined;
    });
    found.catch(() => plans.delete(key));
    plans.set(key, found);
  }
  return found;
}

async function awsBackupPhase(
  item: WorkItem,
  policy: Policy,
  cursor: Extract<EngineCursor, { phase: 'aws-backup' }>,
  context: BackupContext,
  artifacts: BackupStep['artifacts'],
): Promise<BackupStep> {
  const step = await awsBackupStep(
    { ...item, runId: context.runId },
    policy.awsBackup as NonNullable<Policy['awsBackup']>,
    cursor.state,
    context.deadline,
  );
  return {
    done: step.done,
    cursor: step.done ? undefined : { ...cursor, state: step.state },
    artifacts,
    summary: { ...cursor.kindSummary, awsBackup: step.state },
  };
}

export async function backupItem(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  // Looked up only when used: with AWS Backup `instead`, the kind's own backup never runs.
  const kind = () => kindModule(item.kind);
  const policy = await policyOfRun(context.store, item.runId);
  if (!policy) return kind().backup(item, context);
  const withAttributes = { ...item, attributes: policy.critical };
  const aws = policy.awsBackup;
  if (!aws || !(aws.kinds as string[]).includes(item.kind)) return kind().backup(withAttributes, context);
  const parsed = EngineCursor.safeParse(item.cursor);
  const cursor: EngineCursor = parsed.success
    ? parsed.data
    : aws.mode === 'instead'
      ? { phase: 'aws-backup' }
      : { phase: 'export', inner: item.cursor };
  if (cursor.phase === 'aws-backup') return awsBackupPhase(item, policy, cursor, context, []);
  const exported = await kind().backup({ ...withAttributes, cursor: cursor.inner }, context);
  if (!exported.done)
    return { ...exported, cursor: { phase: 'export', inner: exported.cursor } satisfies EngineCursor };
  return awsBackupPhase(
    item,
    policy,
    { phase: 'aws-backup', kindSummary: exported.summary },
    context,
    exported.artifacts,
  );
}
