import { parseOrThrow, RunId } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { type Artifact, ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError } from '../errors.js';
import { itemResultPrefix, manifestKey } from './layout.js';
import type { BackupStore } from './store.js';

/**
 * The runs of a store, read one way by every caller. A run is **complete** when its manifest.json
 * exists and parses (status `succeeded` or `partial`); a run without one is **incomplete** (still
 * writing, or interrupted); a manifest that does not parse makes the run **invalid**, never complete.
 */

export interface RunListing {
  runId: string;
  status: 'succeeded' | 'partial' | 'incomplete' | 'invalid';
  items?: number;
  failed?: number;
  bytes?: number;
  /** Why an invalid run's manifest was rejected. */
  problem?: string;
}

export interface LatestOptions {
  /** Only runs that started before this run id or time (run ids sort by their start time). */
  before?: string | Date;
  /** Only runs made under this policy (`null`: made without one); any run when undefined. */
  policy?: string | null;
}

/** The run-id prefix of a time: every run started before `time` sorts before it. */
const runIdAt = (time: Date): string =>
  time
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** The artifacts an item recorded in a manifest (none when the run did not back it up). */
export function itemArtifacts(
  manifest: Manifest,
  item: { region: string; kind: string; name: string },
): Artifact[] {
  return (
    manifest.items.find(
      (entry) => entry.region === item.region && entry.kind === item.kind && entry.name === item.name,
    )?.artifacts ?? []
  );
}

export class RunCatalog {
  constructor(readonly store: BackupStore) {}

  /** The ids of every run in the store, oldest first (anything else under runs/ is ignored). */
  async runIds(): Promise<string[]> {
    return (await this.store.children('runs/')).filter((id) => RunId.safeParse(id).success).sort();
  }

  /** A run's manifest, validated; undefined when the run has none. A manifest that does not parse throws. */
  async manifest(runId: string): Promise<Manifest | undefined> {
    const raw = await this.store.getJson(manifestKey(runId));
    return raw === undefined ? undefined : parseOrThrow(Manifest, raw, `manifest of run ${runId}`);
  }

  /** A complete run's manifest; a run without one is bad input, named as such. */
  async completeManifest(runId: string): Promise<Manifest> {
    const manifest = await this.manifest(runId);
    if (!manifest)
      throw new InputValidationError(
        `run ${runId}: no manifest.json in ${this.store.url}; the run is incomplete or does not exist`,
      );
    return manifest;
  }

  /** Every run with its state, oldest first. */
  async list(): Promise<RunListing[]> {
    return mapLimit(await this.runIds(), 8, async (runId): Promise<RunListing> => {
      try {
        const manifest = await this.manifest(runId);
        if (!manifest) return { runId, status: 'incomplete' };
        const { status, totals } = manifest;
        return { runId, status, items: totals.items, failed: totals.failed, bytes: totals.bytes };
      } catch (error) {
        if (error instanceof InputValidationError)
          return { runId, status: 'invalid', problem: error.message };
        throw error;
      }
    });
  }

  /** The newest complete run that matches `options`, or undefined. Invalid manifests are passed over. */
  async latestComplete(options: LatestOptions = {}): Promise<Manifest | undefined> {
    const before = options.before instanceof Date ? runIdAt(options.before) : options.before;
    const candidates = (await this.runIds()).filter((id) => before === undefined || id < before).reverse();
    for (const runId of candidates) {
      const manifest = await this.manifest(runId).catch((error) => {
        if (error instanceof InputValidationError) return undefined;
        throw error;
      });
      if (!manifest) continue;
      if (options.policy !== undefined && (manifest.policy?.name ?? null) !== options.policy) continue;
      return manifest;
    }
    return undefined;
  }

  /** The item results a run has written so far (every item of a finished run), in a stable order. */
  async itemResults(runId: string): Promise<ItemResult[]> {
    const keys: string[] = [];
    for await (const key of this.store.list(itemResultPrefix(runId)))
      if (key.endsWith('.json')) keys.push(key);
    return mapLimit(keys, 16, async (key) => parseOrThrow(ItemResult, await this.store.getJson(key), key));
  }
}
