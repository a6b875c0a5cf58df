import type { KindName } from '../../schemas/common.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { type DiscoverInput, saveWorkList } from '../../src/backup/discover.js';
import type { LocalHandler } from '../../src/local/handlers.js';

/**
 * Cheap stand-ins for the task handlers, for tests that measure the orchestration itself (history
 * events, payloads, item order) on the real ASL: Discover saves a synthetic work list through the
 * real saveWorkList (so the Distributed Map reads a real reference), each item "backs up" in as
 * many chunks as its name asks, and Verify/Finalize/Publish answer as the real ones do in shape.
 * Never used where the work itself is under test.
 */

/** An item named `…~chunks3` takes 3 chunks; `…~flaky` fails transiently once; `…~denied` fails for good. */
export const syntheticName = (index: number, traits = ''): string =>
  `fn-${String(index).padStart(6, '0')}${traits}`;

export interface SyntheticRecord {
  /** Item names in the order their first chunk started. */
  started: string[];
  /** Every call of a backup handler: name and the cursor it was given. */
  calls: { name: string; cursor: unknown }[];
  failures: string[];
}

const named = (error: string, message: string) =>
  Object.assign(new Error(message), { name: error });

export function syntheticHandlers(
  names: (region: string) => string[],
  kind: KindName = 'lambda-function',
): { handlers: Record<string, LocalHandler>; record: SyntheticRecord } {
  const record: SyntheticRecord = { started: [], calls: [], failures: [] };
  const flakyFailed = new Set<string>();
  const seen = new Set<string>();
  const backup: LocalHandler = async (event) => {
    const item = event as WorkItem & { cursor?: { chunk: number } };
    record.calls.push({ name: item.name, cursor: item.cursor });
    if (!item.cursor && !seen.has(item.name)) {
      seen.add(item.name);
      record.started.push(item.name);
    }
    if (item.name.includes('~flaky') && !flakyFailed.has(item.name)) {
      flakyFailed.add(item.name);
      throw named('TransientAwsError', 'throttled once');
    }
    if (item.name.includes('~denied')) throw named('AccessDeniedException', 'not allowed');
    const chunks = Number(/~chunks(\d+)/.exec(item.name)?.[1] ?? 1);
    const chunk = (item.cursor?.chunk ?? 0) + 1;
    const done = chunk >= chunks;
    return { ...item, cursor: done ? undefined : { chunk }, done, status: done ? 'ok' : 'running' };
  };
  const handlers: Record<string, LocalHandler> = {
    discover: async (event) => {
      const input = event as DiscoverInput;
      const items: WorkItem[] = names(input.region).map((name) => ({
        runId: input.runId,
        store: input.store,
        region: input.region,
        kind,
        name,
      }));
      return saveWorkList(input, items);
    },
    [`backup-${kind}`]: backup,
    recordFailure: async (event) => {
      const { error, ...item } = event as WorkItem & { error: unknown };
      record.failures.push(item.name);
      return { ...item, done: true, status: 'failed' };
    },
    verify: async () => ({ done: true, attempt: 'synthetic', checks: 0, damaged: 0, chunk: 1 }),
    finalize: async (event) => {
      const { runId, store } = event as { runId: string; store: string };
      return { runId, store, status: 'succeeded', totals: { items: 0, failed: 0, artifacts: 0, bytes: 0 } };
    },
    publish: async () => ({ published: false, deadLettered: 0, settled: 0 }),
  };
  return { handlers, record };
}
