import { z } from 'zod';
import { errorName } from '../../aws/errors.js';
import { sha256Hex } from '../../store/hashing.js';
import { artifactKey } from '../../store/layout.js';
import type { BackupStore } from '../../store/store.js';
import type { StepBudget } from '../shared/pacing.js';
import type { LargeCopy } from './format.js';
import type { PartsPacing, PartsProgress } from './server-side-copy.js';

/**
 * Copies of objects above 5 GB (UploadPartCopy) span steps. After every wave of parts the upload id
 * and the parts copied so far (their ETags: up to 10,000, too many for the state payload) are saved
 * in a checkpoint in the store, at a key fixed by the run, the bucket and the object's version; the
 * step's cursor names each copy it left open (`largeCopies`: key, upload id, parts done, checkpoint).
 * The next step, or a retry after a crash, finds the checkpoint and copies only the missing parts.
 */

const Checkpoint = z.object({
  key: z.string(),
  etag: z.string(),
  size: z.number().int().nonnegative(),
  progress: z.object({
    uploadId: z.string().min(1),
    partBytes: z.number().int().positive(),
    parts: z.array(
      z.object({
        PartNumber: z.number().int().positive(),
        ETag: z.string().optional(),
        ChecksumSHA256: z.string().optional(),
      }),
    ),
  }),
});

/** Thrown by a copy in parts that stopped for the deadline: the step ends here and resumes it next time. */
export class CopyPausedError extends Error {
  override name = 'CopyPausedError';
  constructor(readonly copy: LargeCopy) {
    super(`copy of ${copy.key} paused after ${copy.partsDone} parts`);
  }
}

export class LargeCopies {
  constructor(
    private readonly store: BackupStore,
    private readonly item: { runId: string; region: string; name: string },
    private readonly budget: StepBudget,
  ) {}

  private checkpointKey(storedAt: string): string {
    const { runId, region, name } = this.item;
    return artifactKey(
      runId,
      region,
      's3-bucket',
      name,
      `large-copy-${sha256Hex(storedAt).slice(0, 24)}.json`,
    );
  }

  /** The saved progress of this very object version's copy, if a step began it. */
  async resume(storedAt: string, object: { key: string; etag: string; size: number }) {
    const raw = await this.store.getJson(this.checkpointKey(storedAt));
    const saved = Checkpoint.safeParse(raw);
    if (!saved.success) return undefined;
    const { key, etag, size, progress } = saved.data;
    return key === object.key && etag === object.etag && size === object.size ? progress : undefined;
  }

  /** How a copy is paced by the step's budget and where its progress is saved. */
  pacing(
    storedAt: string,
    object: { key: string; etag: string; size: number },
    resume?: PartsProgress,
  ): PartsPacing {
    return {
      resume,
      hasTime: (ms) => this.budget.hasTime(ms),
      checkpoint: async (progress) => {
        await this.store.putJson(this.checkpointKey(storedAt), { ...object, progress });
      },
    };
  }

  /** What the cursor says of a paused copy. */
  paused(storedAt: string, key: string, progress: PartsProgress): CopyPausedError {
    return new CopyPausedError({
      key,
      uploadId: progress.uploadId,
      partsDone: progress.parts.length,
      checkpoint: this.checkpointKey(storedAt),
    });
  }
}

/** The upload a checkpoint names no longer exists (completed or aborted meanwhile): start anew. */
export const isGoneUpload = (error: unknown): boolean => errorName(error) === 'NoSuchUpload';
