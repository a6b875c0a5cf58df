import type { Retention } from '../../schemas/policy.js';

/** A run as retention sees it: when it started (from its id) and whether it finished. */
export interface RunRecord {
  runId: string;
  complete: boolean;
}

export interface RetentionDecision {
  runId: string;
  keep: boolean;
  /** Why it is kept (`last`, `daily 2026-11-25`, `younger than 1 days`…) or why it goes. */
  reasons: string[];
}

const DAY_MS = 86_400_000;

/** Run ids start with their UTC start time: `20261125T120000Z-a1b2c3`. */
export function runTime(runId: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  if (!match) throw new Error(`not a run id: ${runId}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

/** ISO 8601 week of a UTC date, as `2026-W48`. */
function isoWeek(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const BUCKETS: { rule: 'daily' | 'weekly' | 'monthly' | 'yearly'; key: (date: Date) => string }[] = [
  { rule: 'daily', key: (date) => date.toISOString().slice(0, 10) },
  { rule: 'weekly', key: isoWeek },
  { rule: 'monthly', key: (date) => date.toISOString().slice(0, 7) },
  { rule: 'yearly', key: (date) => date.toISOString().slice(0, 4) },
];

/**
 * Which runs a retention keeps (grandfather-father-son over UTC calendar periods):
 * - the newest `keepLast` complete runs;
 * - for daily/weekly/monthly/yearly = N, the newest complete run of each of the N newest periods
 *   that have a complete run (periods without runs do not count);
 * - every run younger than `minAgeDays`;
 * - runs without a manifest while younger than `incompleteAfterDays` (they may still be running).
 * Everything else goes. Pure: the same input always gives the same answer.
 */
export function decideRetention(runs: RunRecord[], retention: Retention, now: Date): RetentionDecision[] {
  const reasons = new Map<string, string[]>(runs.map((run) => [run.runId, []]));
  const keep = (runId: string, reason: string) => reasons.get(runId)?.push(reason);
  const complete = runs
    .filter((run) => run.complete)
    .map((run) => ({ runId: run.runId, time: runTime(run.runId) }))
    .sort((a, b) => b.time.getTime() - a.time.getTime() || b.runId.localeCompare(a.runId));
  complete.slice(0, retention.keepLast).forEach((run, index) => void keep(run.runId, `last ${index + 1}`));
  for (const { rule, key } of BUCKETS) {
    const limit = retention[rule];
    const seen = new Set<string>();
    for (const run of complete) {
      if (seen.size >= limit) break;
      const period = key(run.time);
      if (seen.has(period)) continue;
      seen.add(period);
      keep(run.runId, `${rule} ${period}`);
    }
  }
  return runs.map((run) => {
    const list = reasons.get(run.runId) ?? [];
    const ageDays = (now.getTime() - runTime(run.runId).getTime()) / DAY_MS;
    if (ageDays < retention.minAgeDays) list.push(`younger than ${retention.minAgeDays} days`);
    if (!run.complete) {
      if (ageDays < retention.incompleteAfterDays) list.push('incomplete, may still be running');
      return {
        runId: run.runId,
        keep: list.length > 0,
        reasons: list.length ? list : [`incomplete for more than ${retention.incompleteAfterDays} days`],
      };
    }
    return { runId: run.runId, keep: list.length > 0, reasons: list.length ? list : ['outside retention'] };
  });
}
