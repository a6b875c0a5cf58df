import {
  type DeletionCount,
  type DeletionReport,
  DeletionThresholds,
  type DeletionUnit,
} from '../../schemas/audit.js';
import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import type { IndexedFunction, RunIndex } from '../../schemas/run-index.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { KINDS } from '../kinds/index.js';
import type { KindData } from '../kinds/types.js';

/**
 * The mass-deletion count of a run: how many functions, triggers, objects, items and records the
 * previous complete run (of the same policy) held that this run no longer has, in the regions and
 * kinds both covered. Functions and triggers are compared name by name (from the two runs' indexes),
 * objects key by key (the S3 backup compares with the previous objects index as it lists), items and
 * records by the drop of their counts (a table's scan and a stream's shards are not key-ordered, and
 * records also leave by retention). A resource that failed in either run is not compared.
 */

/** Names listed per unit in the manifest (the counts are exact). */
const NAMES = 50;

/** The thresholds from the deployment (TRIGGERVAULT_MASS_DELETION_SHARE percent, _COUNT; 0: off). */
export function deletionThresholds(env: NodeJS.ProcessEnv = process.env): DeletionThresholds {
  const number = (value: string | undefined, fallback: number) =>
    value === undefined || value.trim() === '' ? fallback : Number(value);
  return parseOrThrow(
    DeletionThresholds,
    {
      share: number(env.TRIGGERVAULT_MASS_DELETION_SHARE, 10),
      count: number(env.TRIGGERVAULT_MASS_DELETION_COUNT, 0),
    },
    'TRIGGERVAULT_MASS_DELETION_SHARE / TRIGGERVAULT_MASS_DELETION_COUNT',
  );
}

class Tally {
  previous = 0;
  deleted = 0;
  names: string[] = [];
  exact = true;

  add(previous: number, deleted: number, names: string[] = [], exact = true): void {
    this.previous += previous;
    this.deleted += deleted;
    this.names.push(...names.slice(0, NAMES - this.names.length));
    this.exact &&= exact;
  }

  result(): DeletionCount {
    const share = this.previous === 0 ? 0 : Math.round((10_000 * this.deleted) / this.previous) / 100;
    return { previous: this.previous, deleted: this.deleted, share, names: this.names, exact: this.exact };
  }
}

/** Both runs covered the region and the kind: only then does an absence mean a deletion. */
const coveredBy = (runs: { regions: string[]; include: string[] }[]) => (region: string, kind: string) =>
  runs.every((run) => run.regions.includes(region) && run.include.includes(kind));

const key = (item: { region: string; kind?: string; name: string }) =>
  `${item.region}|${item.kind ?? 'lambda-function'}|${item.name}`;

function countFunctions(
  previous: { items: ItemResult[]; index: RunIndex },
  current: { items: ItemResult[]; index: RunIndex },
  covered: (region: string, kind: string) => boolean,
) {
  const functions = new Tally();
  const triggers = new Tally();
  const now = new Map(current.items.map((item) => [key(item), item]));
  const indexed = new Map(current.index.functions.map((fn) => [key(fn), fn]));
  const before = new Map(previous.index.functions.map((fn) => [key(fn), fn]));
  for (const item of previous.items) {
    if (item.kind !== 'lambda-function' || !covered(item.region, item.kind)) continue;
    const label = `${item.region} ${item.name}`;
    const still = now.get(key(item));
    functions.add(1, still ? 0 : 1, still ? [] : [label]);
    const old: IndexedFunction | undefined = before.get(key(item));
    if (!old?.triggersCaptured || (still && still.status !== 'ok')) continue;
    const fresh = indexed.get(key(item));
    if (still && !fresh?.triggersCaptured) continue;
    const kept = new Set(fresh?.triggers.map((trigger) => `${trigger.type}|${trigger.id}`));
    const gone = old.triggers.filter((trigger) => !kept.has(`${trigger.type}|${trigger.id}`));
    triggers.add(
      old.triggers.length,
      gone.length,
      gone.map((trigger) => `${label}: ${trigger.type} ${trigger.source}`),
    );
  }
  return { functions, triggers };
}

/** Units of data a run's item stored (undefined: none stored, e.g. configuration only). */
const unitsOf = (item: ItemResult, data: KindData): number | undefined => {
  let total: number | undefined;
  for (const artifact of item.artifacts) {
    const count = artifact.counts?.[data.unit];
    if (count !== undefined) total = (total ?? 0) + count;
  }
  return total;
};

function countData(
  previous: { runId: string; items: ItemResult[] },
  current: { items: ItemResult[] },
  covered: (region: string, kind: string) => boolean,
) {
  const tallies = new Map<DeletionUnit, Tally>();
  const now = new Map(current.items.map((item) => [key(item), item]));
  for (const old of previous.items) {
    const data = KINDS[old.kind]?.data;
    if (!data || old.status !== 'ok' || !covered(old.region, old.kind)) continue;
    const before = unitsOf(old, data);
    if (before === undefined) continue;
    const still = now.get(key(old));
    const after = still?.status === 'ok' ? unitsOf(still, data) : undefined;
    if (still && after === undefined) continue;
    const label = `${old.region} ${old.name}`;
    const counted = still && data.deletedSince?.(still);
    const exact = counted?.previousRun === previous.runId ? counted : undefined;
    const tally = tallies.get(data.unit) ?? new Tally();
    tallies.set(data.unit, tally);
    if (!still) tally.add(before, before, [`${label}: all ${before} ${data.unit} (gone)`]);
    else if (exact)
      tally.add(
        before,
        exact.count,
        exact.sample.map((name) => `${label}/${name}`),
      );
    else {
      // Without an entry-by-entry count, the drop of the count: a lower bound of the deletions.
      const drop = Math.max(0, before - (after as number));
      tally.add(before, drop, drop ? [`${label}: ${drop} fewer ${data.unit}`] : [], false);
    }
  }
  return tallies;
}

const bothInclude = (...runs: { include: string[] }[]) =>
  runs.every((run) => run.include.includes('lambda-function'));

/** The units whose deletions reach a threshold. */
export function massDeletions(
  units: Partial<Record<DeletionUnit, DeletionCount>>,
  thresholds: DeletionThresholds,
): DeletionUnit[] {
  return (Object.entries(units) as [DeletionUnit, DeletionCount][])
    .filter(
      ([, count]) =>
        count.deleted > 0 &&
        ((count.previous > 0 && count.share >= thresholds.share) ||
          (thresholds.count > 0 && count.deleted >= thresholds.count)),
    )
    .map(([unit]) => unit);
}

/** What disappeared between the previous run and this one (see the module comment). */
export function countDeletions(
  previous: { manifest: Manifest; index: RunIndex },
  current: { regions: string[]; include: string[]; items: ItemResult[]; index: RunIndex },
  thresholds: DeletionThresholds = deletionThresholds(),
): DeletionReport {
  const covered = coveredBy([previous.manifest, current]);
  const units: Partial<Record<DeletionUnit, DeletionCount>> = {};
  if (bothInclude(previous.manifest, current)) {
    const { functions, triggers } = countFunctions(
      { items: previous.manifest.items, index: previous.index },
      current,
      covered,
    );
    units.functions = functions.result();
    units.triggers = triggers.result();
  }
  for (const [unit, tally] of countData(
    { runId: previous.manifest.runId, items: previous.manifest.items },
    current,
    covered,
  ))
    units[unit] = tally.result();
  return {
    previousRunId: previous.manifest.runId,
    units,
    thresholds,
    massDeletion: massDeletions(units, thresholds),
  };
}
