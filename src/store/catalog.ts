import { parseOrThrow, RunId } from '../../schemas/common.js';
import { Manifest } from '../../schemas/manifest.js';
import { type Artifact, ItemResult } from '../../schemas/work-item.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError, UntrustedManifestError } from '../errors.js';
import { logger } from '../log.js';
import { sha256Hex } from './hashing.js';
import { itemResultPrefix, manifestKey, signatureKey } from './layout.js';
import { type SigningKey, signedVersions } from './signature.js';
import { type BackupStore, parseJsonDocument } from './store.js';

/**
 * The runs of a store, read one way by every caller. A run is **complete** when its manifest.json
 * exists, is signed by the trusted key (store/signature.ts) and parses (status `succeeded` or
 * `partial`); a run without one is **incomplete** (still writing, or interrupted); a manifest that
 * does not parse makes the run **invalid**, and one whose signature is missing or wrong makes it
 * **untrusted**: neither is ever complete, and nothing of it is restored, copied or counted.
 */

/** The most a manifest may weigh: larger is not one (it is never read whole). */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface TrustOptions {
  /**
   * Accept a manifest that has no signature at all (`--allow-unsigned`: stores written without KMS).
   * A signature that is there and wrong is refused all the same.
   */
  allowUnsigned?: boolean;
  /** The trusted signing key (default: TRIGGERVAULT_SIGNING_KEY, see store/signature.ts). */
  key?: SigningKey;
}

export interface RunListing {
  runId: string;
  status: 'succeeded' | 'partial' | 'incomplete' | 'invalid' | 'untrusted';
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

/** Reads a manifest's bytes, refusing early what cannot be one (too large, or not a JSON object). */
async function readManifestBytes(store: BackupStore, runId: string, maxBytes: number): Promise<Buffer> {
  const key = manifestKey(runId);
  const body = await store.read(key);
  if (!body) throw new UntrustedManifestError(`run ${runId}: manifest.json vanished while read`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const bytes = Buffer.from(chunk as Buffer);
    const refuse = (why: string) => {
      body.destroy();
      return new InputValidationError(`invalid manifest of run ${runId}: ${why}; not read further`);
    };
    // The first bytes tell garbage from a JSON document: a 50 MB blob of noise is not read whole.
    if (total === 0 && !/^\s*\{/.test(bytes.subarray(0, 64).toString('latin1')))
      throw refuse('manifest.json is not a JSON object');
    total += bytes.length;
    if (total > maxBytes) throw refuse(`manifest.json is larger than ${maxBytes} bytes`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

export class RunCatalog {
  constructor(
    readonly store: BackupStore,
    readonly trust: TrustOptions = {},
  ) {}

  /** The ids of every run in the store, oldest first (anything else under runs/ is ignored). */
  async runIds(): Promise<string[]> {
    return (await this.store.children('runs/')).filter((id) => RunId.safeParse(id).success).sort();
  }

  /**
   * A run's manifest, trusted and validated; undefined when the run has none. The signature is
   * checked first (a tiny file): a manifest whose size differs from the signed one is refused unread,
   * one whose bytes differ after reading is refused. Throws UntrustedManifestError (unsigned, forged)
   * or InputValidationError (does not parse), naming the run and why.
   */
  async manifest(runId: string): Promise<Manifest | undefined> {
    const stored = await this.store.stat(manifestKey(runId));
    if (!stored) return undefined;
    // A signature file that is not even JSON is as good as a wrong one: untrusted, below.
    const signature = await this.store.getJson(signatureKey(runId), 64 * 1024).catch((error) => {
      if (error instanceof InputValidationError) return { unreadable: true };
      throw error;
    });
    let bytes: Buffer;
    if (signature === undefined) {
      if (!this.trust.allowUnsigned)
        throw new UntrustedManifestError(
          `run ${runId}: manifest.json is not signed (untrusted; --allow-unsigned accepts unsigned runs)`,
        );
      logger.warn('accepting an unsigned manifest (--allow-unsigned)', { runId, store: this.store.url });
      if (stored.bytes > MAX_MANIFEST_BYTES)
        throw new InputValidationError(
          `invalid manifest of run ${runId}: ${stored.bytes} bytes, more than a manifest can be; not read`,
        );
      bytes = await readManifestBytes(this.store, runId, MAX_MANIFEST_BYTES);
    } else {
      const signed = await signedVersions(runId, signature, stored.bytes, this.trust.key);
      bytes = await readManifestBytes(this.store, runId, stored.bytes);
      if (!signed.has(sha256Hex(bytes)))
        throw new UntrustedManifestError(`run ${runId}: manifest.json was changed after it was signed`);
    }
    const manifest = parseOrThrow(
      Manifest,
      parseJsonDocument(manifestKey(runId), bytes),
      `manifest of run ${runId}`,
    );
    if (manifest.runId !== runId)
      throw new UntrustedManifestError(`run ${runId}: its manifest.json is run ${manifest.runId}'s`);
    return manifest;
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
        if (error instanceof UntrustedManifestError)
          return { runId, status: 'untrusted', problem: error.message };
        throw error;
      }
    });
  }

  /** The newest complete run that matches `options`, or undefined. Invalid and untrusted ones are passed over. */
  async latestComplete(options: LatestOptions = {}): Promise<Manifest | undefined> {
    const before = options.before instanceof Date ? runIdAt(options.before) : options.before;
    const candidates = (await this.runIds()).filter((id) => before === undefined || id < before).reverse();
    for (const runId of candidates) {
      const manifest = await this.manifest(runId).catch((error) => {
        if (error instanceof InputValidationError || error instanceof UntrustedManifestError)
          return undefined;
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
