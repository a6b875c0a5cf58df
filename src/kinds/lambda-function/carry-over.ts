import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ItemResult, type WorkItem } from '../../../schemas/work-item.js';
import { logger } from '../../log.js';
import { RunCatalog } from '../../store/catalog.js';
import { itemResultKey } from '../../store/layout.js';
import type { BackupStore } from '../../store/store.js';
import type { TriggerRecord } from '../../triggers/types.js';
import type { CaptureOptions } from './capture.js';
import { type FunctionSnapshot, readSnapshot } from './format.js';
import { aliasesFingerprint, canonical, listAliases } from './listing.js';

/**
 * Change detection: is a full capture of this function needed, or can the previous complete run's
 * snapshot be carried over (as the s3-bucket kind carries over unchanged objects)? A function is
 * unchanged when all of these hold, checked cheapest first:
 *   - the previous complete run (RunCatalog.latestComplete) backed it up, with the same capture options
 *   - Discover's listing of its configuration and versions (work item `fingerprint`: RevisionId,
 *     CodeSha256, LastModified and the rest, see listing.ts) equals the one recorded then
 *   - its snapshot is younger than the refresh age (below)
 *   - ListAliases (one request) shows the same aliases
 * Triggers are never carried over: they are read again every run (see refreshTriggers), cheaply.
 * What no listing shows (tags, reserved and provisioned concurrency, event invoke configs, URLs,
 * code signing) is refreshed by a full capture at least every TRIGGERVAULT_FUNCTION_REFRESH_DAYS
 * (default 7) days, each function on a day of its own so that the cost spreads over the week.
 */

/** What a function's item summary records for the next run's comparison. */
export const CaptureRecord = z.object({
  fingerprint: z.string(),
  aliases: z.string(),
  capturedIn: z.string(),
  capturedAt: z.string(),
  capture: z.object({ code: z.boolean(), triggers: z.boolean() }),
});
export type CaptureRecord = z.infer<typeof CaptureRecord>;

/** Why a function was captured again (summary `reasons`). */
export type CaptureReason =
  | 'new'
  | 'no-listing'
  | 'capture-options'
  | 'configuration'
  | 'aliases'
  | 'refresh'
  | 'previous-unreadable';

/** A function that may be unchanged: its aliases are still to be compared (aliasesUnchanged). */
export type ChangeCheck =
  | { unchanged: false; reasons: CaptureReason[] }
  | { unchanged: true; snapshot: FunctionSnapshot; record: CaptureRecord };

const DAY_MS = 86_400_000;

/** This function's refresh age: between half and all of the configured days, fixed by its name. */
function refreshAgeMs(item: WorkItem): number {
  const days = Number(process.env.TRIGGERVAULT_FUNCTION_REFRESH_DAYS);
  const full = (Number.isFinite(days) && days > 0 ? days : 7) * DAY_MS;
  const spread = createHash('sha256').update(`${item.region}/${item.name}`).digest().readUInt16BE(0) / 0xffff;
  return full * (0.5 + spread / 2);
}

const previousRuns = new Map<string, Promise<string | null>>();

/** The latest complete run before `runId` (asked once per process and run), or null. */
function previousRun(store: BackupStore, runId: string): Promise<string | null> {
  const key = `${store.url}|${runId}`;
  let found = previousRuns.get(key);
  if (!found) {
    found = new RunCatalog(store)
      .latestComplete({ before: runId })
      .then((manifest) => manifest?.runId ?? null);
    found.catch(() => previousRuns.delete(key));
    previousRuns.set(key, found);
  }
  return found;
}

/** The function's result in the previous complete run, when it was backed up there. */
async function previousResult(store: BackupStore, item: WorkItem): Promise<ItemResult | undefined> {
  const runId = await previousRun(store, item.runId);
  if (!runId) return undefined;
  const raw = await store.getJson(itemResultKey(runId, item.region, 'lambda-function', item.name));
  const parsed = ItemResult.safeParse(raw);
  return parsed.success && parsed.data.status === 'ok' ? parsed.data : undefined;
}

/**
 * Everything but the aliases: a function that passes is unchanged if `aliasesUnchanged` also holds
 * (the caller asks it while it re-reads the triggers: both are requests, made at the same time).
 */
export async function checkUnchanged(
  item: WorkItem,
  store: BackupStore,
  capture: CaptureOptions,
): Promise<ChangeCheck> {
  if (!item.fingerprint) return { unchanged: false, reasons: ['no-listing'] };
  const previous = await previousResult(store, item);
  const recorded = CaptureRecord.safeParse(previous?.summary?.captured);
  if (!previous || !recorded.success) return { unchanged: false, reasons: ['new'] };
  const record = recorded.data;
  if (record.capture.code !== capture.code || record.capture.triggers !== capture.triggers)
    return { unchanged: false, reasons: ['capture-options'] };
  if (record.fingerprint !== item.fingerprint) return { unchanged: false, reasons: ['configuration'] };
  if (Date.now() - Date.parse(record.capturedAt) >= refreshAgeMs(item))
    return { unchanged: false, reasons: ['refresh'] };
  const path = previous.artifacts.find((artifact) => artifact.role === 'config')?.path;
  try {
    if (!path) throw new Error('no config artifact');
    return { unchanged: true, snapshot: await readSnapshot(store, path), record };
  } catch (error) {
    logger.warn('previous function snapshot unreadable, capturing again', {
      name: item.name,
      error: String(error),
    });
    return { unchanged: false, reasons: ['previous-unreadable'] };
  }
}

/** ListAliases (one request) shows the aliases recorded at the last capture. */
export async function aliasesUnchanged(item: WorkItem, record: CaptureRecord): Promise<boolean> {
  return aliasesFingerprint(await listAliases(item.region, item.name)) === record.aliases;
}

/** A trigger as compared between runs: without what changes by itself (a stream mapping's position). */
const comparable = (record: TriggerRecord) => {
  const { StreamPosition: _position, ...config } = record.config;
  return canonical({ ...record, config });
};

/** True when two runs' trigger lists differ in anything but the volatile fields. */
export function triggersDiffer(before: TriggerRecord[], after: TriggerRecord[]): boolean {
  const [was, is] = [before.map(comparable).sort(), after.map(comparable).sort()];
  return was.length !== is.length || was.some((record, index) => record !== is[index]);
}
