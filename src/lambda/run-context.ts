import type { MiddlewareObj } from '@middy/core';
import { logger } from '../log.js';

/** The run (and item) a task event is about, for every log line of that invocation. */
export function runKeys(event: unknown): Record<string, string> {
  if (!event || typeof event !== 'object') return {};
  const record = event as Record<string, unknown>;
  const summary = record.summary as Record<string, unknown> | undefined;
  const keys: Record<string, string> = {};
  const runId = record.runId ?? summary?.runId;
  if (typeof runId === 'string') keys.runId = runId;
  for (const key of ['region', 'kind', 'name'] as const)
    if (typeof record[key] === 'string') keys[key] = record[key] as string;
  return keys;
}

/** Structured logs carry the run id: set before each invocation, cleared after. */
export const runContextLogging = (): MiddlewareObj<unknown> => ({
  before: (request) => {
    logger.resetKeys();
    logger.appendKeys(runKeys(request.event));
  },
  after: () => logger.resetKeys(),
});
