import { z } from 'zod';
import { ChangeReport, DeletionReport, RecoveryPoint } from './audit.js';
import { KindName, RegionName, RunId } from './common.js';
import { RunIndexRef } from './run-index.js';
import { ItemResult } from './work-item.js';

export const MANIFEST_FORMAT = 1;

/** runs/<runId>/manifest.json, written last: a run without it is incomplete. */
export const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT, {
    message: `must be ${MANIFEST_FORMAT}: written by a newer triggervault?`,
  }),
  runId: RunId,
  status: z.enum(['succeeded', 'partial']),
  startedAt: z.string(),
  finishedAt: z.string(),
  regions: z.array(RegionName),
  include: z.array(KindName),
  verified: z.object({
    artifacts: z.number().int(),
    /** Object copies (the S3 kind's blobs/s3/…) checked by Verify. */
    copies: z.number().int().optional(),
    damaged: z.array(z.string()),
  }),
  totals: z.object({
    items: z.number().int(),
    failed: z.number().int(),
    artifacts: z.number().int(),
    bytes: z.number().int(),
  }),
  items: z.array(ItemResult),
  /** The policy the run followed; absent for a run made without one. */
  policy: z.object({ name: z.string() }).optional(),
  /** Per function, what changed since the previous run (and who, where CloudTrail tells). */
  changes: ChangeReport.optional(),
  /** AWS Backup recovery points the run made. */
  recoveryPoints: z.array(RecoveryPoint).optional(),
  /** What disappeared since the previous complete run: functions, triggers, objects, items, records. */
  deletions: DeletionReport.optional(),
  /** The run's search index (runs/<runId>/index.json). */
  index: RunIndexRef.optional(),
});
export type Manifest = z.infer<typeof Manifest>;
