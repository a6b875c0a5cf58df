import type { Action, Change } from '../../schemas/restore.js';
import type { BackupStore } from '../store/store.js';
import type { ArnMapper } from './arn-map.js';
import type { ApplyMode } from './diff.js';

/** What every `restore` (of a kind or of a trigger type) is given. */
export interface RestoreContext extends ApplyMode {
  store: BackupStore;
  runId: string;
  restoreId: string;
  sourceRegion: string;
  targetRegion: string;
  mapper: ArnMapper;
  options: {
    edge: boolean;
    startingPosition: 'LATEST' | 'RECORDED';
    nameSuffix?: string;
    /** Deploy again the stages of REST APIs whose methods the restore re-created (CreateDeployment). */
    redeployStage?: boolean;
  };
  /** Epoch ms after which a long restore should return `done: false` with a cursor. */
  deadline: number;
  /** Where a long restore (data kinds) continues; undefined on the first call. */
  cursor?: unknown;
}

/** What a `restore` returns: every compared resource with its action, and notes for the report. */
export interface RestoreResult {
  /** Defaults to the most significant action of `changes`. */
  action?: Action;
  changes: Change[];
  notes: string[];
  /** False asks the state machine to call again with `cursor` (long data restores). */
  done?: boolean;
  cursor?: unknown;
  details?: Record<string, unknown>;
  /**
   * Ids AWS generated for what this restore re-created, recorded id → id in the target (a REST or
   * HTTP API): later tiers, the triggers and comparisons map ARNs with them.
   */
  ids?: Record<string, string>;
}
