import { parseOrThrow } from '../../schemas/common.js';
import { ItemOutcome, type PlannedRecoveryPoint } from '../../schemas/restore.js';
import { SETTLED } from '../reconcile/diff.js';
import type { BackupStore } from '../store/store.js';
import { outcomeKey } from './layout.js';

/**
 * A drill of a resource the restore took from an AWS Backup recovery point because the run holds no
 * export of it (AWS Backup `instead`): there is nothing of ours to compare the copy's contents with,
 * so the drill checks that the restore job completed and says that the contents were not compared.
 */
export async function recoveryPointDrillItem(
  store: BackupStore,
  ref: { run: string; restoreId: string },
  resource: { region: string; kind: string; name: string },
  point: PlannedRecoveryPoint,
) {
  const stored = await store.getJson(
    outcomeKey(ref.run, ref.restoreId, resource.region, resource.kind, resource.name),
  );
  const outcome = stored === undefined ? undefined : parseOrThrow(ItemOutcome, stored, 'restore outcome');
  const restored = outcome !== undefined && SETTLED.has(outcome.action);
  return {
    equal: restored,
    differences: restored
      ? []
      : [
          {
            field: `restore job from ${point.recoveryPointArn}`,
            current: outcome?.action ?? 'not run',
            desired: 'completed',
          },
        ],
    details: {
      recoveryPoint: point.recoveryPointArn,
      restoreJobId: outcome?.details?.restoreJobId,
      compared: 'the AWS Backup restore job completed; the run holds no export to compare the contents with',
    },
  };
}
