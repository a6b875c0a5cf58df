import type { KindName } from '../../schemas/common.js';
import type { ItemSelection } from '../../schemas/item-restore.js';
import { ACTIONS, type Action, ItemOutcome } from '../../schemas/restore.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { newRunId } from '../backup/plan.js';
import { InputValidationError } from '../errors.js';
import { globToRegExp } from '../glob.js';
import { KINDS } from '../kinds/index.js';
import type { RestoreResult } from '../reconcile/context.js';
import { notPossible, overallAction, SETTLED } from '../reconcile/diff.js';
import { RunCatalog } from '../store/catalog.js';
import type { BackupStore } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { restoreReportKey } from './layout.js';
import { mapperFor } from './mapper.js';
import type { RestoreReport } from './report.js';

/**
 * Item-level restore: some objects of a bucket, items of a table or records of a stream, from one
 * resource of a run. It runs in the caller, not in the restore state machine: it touches one resource,
 * reads only the blocks of the run that may hold what it looks for and writes a handful of objects,
 * items or records; there is nothing to checkpoint, fan out or resume, and no state to pass. Its report
 * has the whole restore's shape (and is stored beside them, under the run's restores/).
 */

export interface ItemRestoreRequest {
  run: string;
  /** The resource: its kind and its name (a glob that must match exactly one resource of the run). */
  only: { kind: KindName; name: string };
  /** Source regions to pick the resource from (default: any). */
  regions?: string[];
  targetRegion?: string;
  selection: ItemSelection;
  dryRun: boolean;
  force: boolean;
  /** Accept a run whose manifest is not signed (see store/signature.ts). */
  allowUnsigned?: boolean;
}

/** The one resource of the run the request names; none or several is bad input. */
function resourceOf(items: ItemResult[], request: ItemRestoreRequest): ItemResult {
  const { kind, name } = request.only;
  const pattern = globToRegExp(name);
  const candidates = items.filter(
    (item) =>
      item.kind === kind &&
      pattern.test(item.name) &&
      (!request.regions || request.regions.includes(item.region)),
  );
  const where = request.regions ? ` in ${request.regions.join(', ')}` : '';
  if (candidates.length === 0)
    throw new InputValidationError(`only: run ${request.run} holds no ${kind} matching ${name}${where}`);
  if (candidates.length > 1)
    throw new InputValidationError(
      `only: ${kind}:${name} matches ${candidates.length} resources of run ${request.run} (${candidates.map((item) => `${item.name} in ${item.region}`).join(', ')}): name one, and its region with --regions`,
    );
  return candidates[0] as ItemResult;
}

/** Restores the selected items of one resource of a run; the report says what was (or would be) done. */
export async function restoreItems(store: BackupStore, request: ItemRestoreRequest): Promise<RestoreReport> {
  const manifest = await new RunCatalog(store, { allowUnsigned: request.allowUnsigned }).completeManifest(
    request.run,
  );
  const item = resourceOf(manifest.items, request);
  const kind = KINDS[item.kind];
  if (!kind.restoreItems)
    throw new InputValidationError(
      `only: a ${item.kind} has no objects, items or records to restore one by one`,
    );
  const targetRegion = request.targetRegion ?? item.region;
  let result: RestoreResult & { error?: ItemOutcome['error'] };
  if (item.status !== 'ok')
    result = {
      changes: [
        notPossible(
          `${item.kind} ${item.name}`,
          'blocked',
          `run ${request.run} did not back it up (${item.status})`,
        ),
      ],
      notes: [],
    };
  else
    try {
      result = await kind.restoreItems(item, request.selection, {
        // Every artifact read is checked against the (signed) manifest.
        store: trustedView(store, manifest),
        runId: request.run,
        sourceRegion: item.region,
        targetRegion,
        apply: !request.dryRun,
        force: request.force,
        // Nothing is renamed; only ARNs of the source region (a table's KMS key) move to the target.
        mapper: mapperFor({
          sourceRegion: item.region,
          targetRegion,
          sourceAccount: '',
          targetAccount: '',
          restored: {},
          roles: {},
          apiIds: {},
          layerVersions: {},
          functionVersions: {},
        }),
      });
    } catch (error) {
      if (error instanceof InputValidationError) throw error;
      const failure = error as Error;
      result = {
        changes: [{ resource: `${item.kind} ${item.name}`, action: 'failed' }],
        notes: [],
        error: { name: failure.name, message: failure.message },
      };
    }
  const outcome = ItemOutcome.parse({
    region: item.region,
    target: targetRegion,
    kind: item.kind,
    name: item.name,
    action: result.action ?? overallAction(result.changes),
    changes: result.changes,
    notes: result.notes,
    details: result.details,
    error: result.error,
  });
  const counts = Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<Action, number>;
  for (const change of outcome.changes) counts[change.action] += 1;
  const report: RestoreReport = {
    restoreId: newRunId(),
    run: request.run,
    dryRun: request.dryRun,
    status: outcome.changes.every((change) => SETTLED.has(change.action)) ? 'restored' : 'incomplete',
    counts,
    items: [outcome],
  };
  await store.putJson(restoreReportKey(request.run, report.restoreId), report);
  return report;
}
