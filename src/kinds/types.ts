import type { KindName } from '../../schemas/common.js';
import type { Artifact, ItemResult, WorkItem } from '../../schemas/work-item.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import type { BackupStore } from '../store/store.js';

/** What a kind's backup step produced; `done: false` asks the state machine to call again with `cursor`. */
export interface BackupStep {
  done: boolean;
  cursor?: unknown;
  artifacts: Artifact[];
  summary?: Record<string, unknown>;
}

export interface BackupContext {
  store: BackupStore;
  runId: string;
  /** Epoch ms after which a step should stop and return a cursor (Lambda time limit minus margin). */
  deadline: number;
  /**
   * Optional cap on the items, objects or records one part holds (one DynamoDB segment, one Kinesis
   * shard, or one S3 listing run per step). Unset: steps are bounded by `deadline` only. Lets small
   * Lambdas and tests force short chunks; every step still makes progress.
   */
  chunkItems?: number;
}

/** Every resource kind has this shape; adding a kind is one module implementing it. */
export interface ResourceKind {
  readonly kind: KindName;
  /** Names of the resources of this kind in a region that the run selects. */
  discover(region: string, selection: { patterns: string[] }): Promise<string[]>;
  backup(item: WorkItem, context: BackupContext): Promise<BackupStep>;
  /**
   * Re-creates the resource from what the manifest recorded for it (`item.artifacts`), in
   * `context.targetRegion` under `context.mapper.mapName(…)`. Compares first: reports create /
   * update / unchanged / differs per part, changes nothing when `context.apply` is false, and changes
   * an existing resource that differs only with `context.force`. Kinds without it are reported as
   * not restorable.
   */
  restore?(item: ItemResult, context: RestoreContext): Promise<RestoreResult>;
}
