import { z } from 'zod';
import { KindName, RegionName, ResourceName, RunId } from './common.js';

/** One unit of backup work: a resource in a region. Small on purpose (state payload limit). */
export const WorkItem = z.object({
  runId: RunId,
  store: z.string(),
  region: RegionName,
  kind: KindName,
  name: ResourceName,
  cursor: z.unknown().optional(),
  /**
   * What a cheap region listing showed of the resource when Discover ran (a kind's `fingerprints`,
   * e.g. a function's configuration and versions from ListFunctions): the kind compares it with the
   * previous run's to skip an unchanged resource's full capture.
   */
  fingerprint: z.string().max(128).optional(),
  /** The run's `--max-bandwidth` in bytes per second, when it has one (the item's transfers keep to it). */
  maxBandwidth: z.number().positive().optional(),
});
export type WorkItem = z.infer<typeof WorkItem>;

/** A stored artifact: enough to verify it and to restore from it. */
export const Artifact = z.object({
  role: z.string().min(1),
  path: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type Artifact = z.infer<typeof Artifact>;

/** The outcome of one work item, stored under runs/<runId>/items/ before Finalize reads them all. */
export const ItemResult = z.object({
  region: RegionName,
  kind: KindName,
  name: ResourceName,
  /** `running` while a chunked export is between chunks; `cursor` is where it continues. */
  status: z.enum(['ok', 'failed', 'running']),
  cursor: z.unknown().optional(),
  artifacts: z.array(Artifact),
  summary: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
  /** Time spent in backup steps (all chunks), for reports and metrics. */
  durationMs: z.number().nonnegative().optional(),
});
export type ItemResult = z.infer<typeof ItemResult>;

/** What a task returns to the state machine: the item itself (a reference), never the data. */
export const StepResult = WorkItem.extend({
  done: z.boolean(),
  status: z.enum(['ok', 'failed', 'running']),
});
export type StepResult = z.infer<typeof StepResult>;
