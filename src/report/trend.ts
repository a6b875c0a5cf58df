import type { Manifest } from '../../schemas/manifest.js';
import { DATA_UNITS, holdingsOf, RunCatalog } from '../store/catalog.js';
import type { BackupStore } from '../store/store.js';
import { readDrill } from './run-report.js';

/**
 * The numbers of `report --runs N`: one row per complete run, oldest first, read from the manifests
 * (and the drills recorded beside them). Each number is what one run did or held, so a trend or a
 * jump shows run to run.
 */
export interface TrendRow {
  runId: string;
  startedAt: string;
  status: Manifest['status'];
  policy?: string;
  regions: string[];
  kinds: string[];
  durationS: number;
  /** Bytes of the run's artifacts (snapshots, code, parts, indexes). */
  bytesStored: number;
  /** Of them, bytes the previous run did not hold, plus the object copies the run made (S3 summaries). */
  bytesNew: number;
  objects: number;
  items: number;
  records: number;
  functionsChanged: number;
  functionsDeleted: number;
  triggersChanged: number;
  triggersDeleted: number;
  failed: number;
  damaged: number;
  drill: 'passed' | 'failed' | 'none';
  /** Units whose deletions reached the alarm's threshold. */
  massDeletion: string[];
}

export interface Trend {
  store: string;
  rows: TrendRow[];
}

const artifactBytes = (manifest: Manifest) =>
  new Map(
    manifest.items.flatMap((item) => item.artifacts).map((artifact) => [artifact.path, artifact.bytes]),
  );

const copiedBytes = (manifest: Manifest) =>
  manifest.items.reduce((sum, item) => {
    const copied = item.summary?.bytesCopied;
    return sum + (typeof copied === 'number' ? copied : 0);
  }, 0);

/** One run's row; `previous` (the run before it, if any) tells what is new. */
export function trendRow(manifest: Manifest, previous: Manifest | undefined, drill?: string): TrendRow {
  const stored = artifactBytes(manifest);
  const before = previous ? artifactBytes(previous) : new Map<string, number>();
  const fresh = [...stored].reduce((sum, [path, bytes]) => sum + (before.has(path) ? 0 : bytes), 0);
  const holds = holdingsOf(manifest);
  const units = Object.fromEntries(
    DATA_UNITS.map((unit) => [unit, holds.holdings.reduce((sum, row) => sum + (row.units[unit] ?? 0), 0)]),
  ) as Record<(typeof DATA_UNITS)[number], number>;
  const changes = manifest.changes?.functions ?? [];
  const deletions = manifest.deletions?.units;
  const triggersChanged = changes.reduce(
    (sum, change) =>
      sum + (change.triggers ? change.triggers.added.length + change.triggers.removed.length : 0),
    0,
  );
  return {
    runId: manifest.runId,
    startedAt: manifest.startedAt,
    status: manifest.status,
    policy: manifest.policy?.name,
    regions: holds.regions,
    kinds: holds.kinds,
    durationS: Math.max(0, (Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt)) / 1000),
    bytesStored: manifest.totals.bytes,
    bytesNew: fresh + copiedBytes(manifest),
    ...units,
    functionsChanged: changes.filter((change) => change.change !== 'removed').length,
    functionsDeleted:
      deletions?.functions?.deleted ?? changes.filter((change) => change.change === 'removed').length,
    triggersChanged,
    triggersDeleted: deletions?.triggers?.deleted ?? 0,
    failed: manifest.totals.failed,
    damaged: manifest.verified.damaged.length,
    drill: drill === 'passed' ? 'passed' : drill === undefined ? 'none' : 'failed',
    massDeletion: manifest.deletions?.massDeletion ?? [],
  };
}

/** The last `count` complete runs of the store, oldest first (one more manifest is read for "new"). */
export async function readTrend(store: BackupStore, count: number): Promise<Trend> {
  const newestFirst: Manifest[] = [];
  for await (const manifest of new RunCatalog(store).completeRuns()) {
    newestFirst.push(manifest);
    if (newestFirst.length > count) break;
  }
  const shown = newestFirst.slice(0, count).reverse();
  const drills = await Promise.all(shown.map((manifest) => readDrill(store, manifest.runId)));
  const rows = shown.map((manifest, index) =>
    trendRow(manifest, index === 0 ? newestFirst[count] : shown[index - 1], drills[index]?.status),
  );
  return { store: store.url, rows };
}
