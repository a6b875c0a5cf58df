import type { Manifest } from '../../schemas/manifest.js';
import { restorePrefix } from '../restore/layout.js';
import { holdingsOf, type RunHoldings } from '../store/catalog.js';
import { runPrefix } from '../store/layout.js';
import type { BackupStore } from '../store/store.js';

/** The numbers a run report shows, computed from the manifest (and a drill record, where one exists). */
export interface RegionRow {
  region: string;
  items: number;
  ok: number;
  failed: number;
  artifacts: number;
  bytes: number;
  durationMs: number;
}

export interface DrillStatus {
  status: string;
  finishedAt?: string;
  detail?: string;
}

export interface RunReport {
  manifest: Manifest;
  durationMs: number;
  regions: RegionRow[];
  kinds: { kind: string; items: number; failed: number; bytes: number }[];
  failures: { region: string; kind: string; name: string; error: string }[];
  /** What the run holds per region and kind (resources, objects, items, records). */
  holds: RunHoldings;
  drill?: DrillStatus;
}

const bytesOf = (item: Manifest['items'][number]) =>
  item.artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0);

/** Where a drill of this run records its outcome (`triggervault drill` writes it; optional). */
export const drillKey = (runId: string) => `${runPrefix(runId)}drill.json`;

export function summarizeRun(manifest: Manifest, drill?: DrillStatus): RunReport {
  const regions = new Map<string, RegionRow>(
    manifest.regions.map((region) => [
      region,
      { region, items: 0, ok: 0, failed: 0, artifacts: 0, bytes: 0, durationMs: 0 },
    ]),
  );
  const kinds = new Map<string, RunReport['kinds'][number]>();
  for (const item of manifest.items) {
    const row = regions.get(item.region) ?? {
      region: item.region,
      items: 0,
      ok: 0,
      failed: 0,
      artifacts: 0,
      bytes: 0,
      durationMs: 0,
    };
    regions.set(item.region, row);
    row.items += 1;
    if (item.status === 'failed') row.failed += 1;
    else row.ok += 1;
    row.artifacts += item.artifacts.length;
    row.bytes += bytesOf(item);
    row.durationMs += item.durationMs ?? 0;
    const kind = kinds.get(item.kind) ?? { kind: item.kind, items: 0, failed: 0, bytes: 0 };
    kinds.set(item.kind, kind);
    kind.items += 1;
    if (item.status === 'failed') kind.failed += 1;
    kind.bytes += bytesOf(item);
  }
  return {
    manifest,
    durationMs: Math.max(0, Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt)),
    regions: [...regions.values()].sort((a, b) => a.region.localeCompare(b.region)),
    kinds: [...kinds.values()].sort((a, b) => a.kind.localeCompare(b.kind)),
    failures: manifest.items
      .filter((item) => item.status === 'failed')
      .map((item) => ({
        region: item.region,
        kind: item.kind,
        name: item.name,
        error: item.error ? `${item.error.name}: ${item.error.message}` : 'failed',
      })),
    holds: holdingsOf(manifest),
    drill,
  };
}

const asDrill = (raw: unknown): DrillStatus | undefined => {
  const record = raw as Record<string, unknown> | undefined;
  if (!record || typeof record.status !== 'string') return undefined;
  const errors = Array.isArray(record.errors) ? record.errors.map(String) : [];
  return {
    status: record.status,
    finishedAt: typeof record.finishedAt === 'string' ? record.finishedAt : undefined,
    detail: typeof record.detail === 'string' ? record.detail : errors.join('; ') || undefined,
  };
};

/**
 * The newest drill of a run: `runs/<run>/drill.json`, or the drill.json a `triggervault drill` wrote
 * beside its restore (`runs/<run>/restores/<restoreId>/drill.json`).
 */
export async function readDrill(store: BackupStore, runId: string): Promise<DrillStatus | undefined> {
  const restores = await store.children(`${runPrefix(runId)}restores/`);
  const keys = [drillKey(runId), ...restores.map((id) => `${restorePrefix(runId, id)}drill.json`)];
  const drills = (await Promise.all(keys.map((key) => store.getJson(key).catch(() => undefined))))
    .map(asDrill)
    .filter((drill) => drill !== undefined);
  return drills.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0];
}
