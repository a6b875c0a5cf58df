import { z } from 'zod';
import { RunId } from '../schemas/common.js';
import { VerifyProgress, verifyStep } from '../src/backup/verify.js';
import { taskHandler } from '../src/lambda/task-handler.js';
import { withBandwidthCap } from '../src/store/bandwidth.js';

const VerifyInput = z.object({
  runId: RunId,
  store: z.string(),
  /** The previous invocation's answer; `{done: false}` alone (the first call) starts a new Verify. */
  previous: z.union([VerifyProgress, z.object({ done: z.literal(false) }).strict()]),
  /** The run's bandwidth cap (bytes per second; null: none). */
  maxBandwidth: z.number().positive().nullable().optional(),
});

/**
 * Verify: one chunk of re-reading the run's artifacts, within the run's bandwidth cap; `done: false`
 * asks to be called again.
 */
export const handler = taskHandler(
  VerifyInput,
  'verify input',
  ({ previous, maxBandwidth, ...ref }, context) =>
    withBandwidthCap(maxBandwidth, () =>
      verifyStep({ ...ref, previous: 'attempt' in previous ? previous : undefined }, context),
    ),
);
