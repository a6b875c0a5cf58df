import { parseOrThrow } from '../../schemas/common.js';
import { ACTIONS, type Action, ItemOutcome } from '../../schemas/restore.js';
import { SETTLED } from '../reconcile/diff.js';
import { openStore } from '../store/open.js';
import { outcomePrefix, restoreReportKey } from './layout.js';

export interface RestoreSummary {
  restoreId: string;
  run: string;
  store: string;
  dryRun: boolean;
  /** restored: everything created, updated or unchanged; incomplete: something differs, failed, is blocked or manual. */
  status: 'restored' | 'incomplete';
  /** Items by overall action. */
  counts: Record<Action, number>;
  /** Items that are not settled (capped: the summary travels between states; the report has all). */
  problems: { region: string; kind: string; name: string; action: Action; reason: string }[];
  report: string;
}

export interface RestoreReport {
  restoreId: string;
  run: string;
  dryRun: boolean;
  status: RestoreSummary['status'];
  counts: RestoreSummary['counts'];
  items: ItemOutcome[];
}

const reasonOf = (outcome: ItemOutcome): string =>
  outcome.error?.message ??
  outcome.changes
    .filter((change) => !SETTLED.has(change.action))
    .map((change) => `${change.resource}: ${change.action}${change.note ? ` (${change.note})` : ''}`)
    .join('; ');

/** The Report state: every item's outcome, counted, written as report.json. */
export async function reportRestore(ref: {
  restoreId: string;
  store: string;
  run: string;
  dryRun: boolean;
}): Promise<RestoreSummary> {
  const store = openStore(ref.store);
  const items: ItemOutcome[] = [];
  for await (const key of store.list(outcomePrefix(ref.run, ref.restoreId)))
    items.push(parseOrThrow(ItemOutcome, await store.getJson(key), key));
  items.sort((a, b) => `${a.region}/${a.kind}/${a.name}`.localeCompare(`${b.region}/${b.kind}/${b.name}`));
  const counts = Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<Action, number>;
  for (const item of items) counts[item.action] += 1;
  const unsettled = items.filter((item) => !SETTLED.has(item.action));
  const status = unsettled.length === 0 ? 'restored' : 'incomplete';
  const report: RestoreReport = {
    restoreId: ref.restoreId,
    run: ref.run,
    dryRun: ref.dryRun,
    status,
    counts,
    items,
  };
  const written = await store.putJson(restoreReportKey(ref.run, ref.restoreId), report);
  return {
    restoreId: ref.restoreId,
    run: ref.run,
    store: ref.store,
    dryRun: ref.dryRun,
    status,
    counts,
    problems: unsettled.slice(0, 100).map((item) => ({
      region: item.region,
      kind: item.kind,
      name: item.name,
      action: item.action,
      reason: reasonOf(item),
    })),
    report: written.key,
  };
}
