import { KIND_NAMES, type KindName, parseOrThrow, RunId } from '../../schemas/common.js';
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
  /** What a complete run holds: its regions and kinds, counted. */
  holds?: RunHoldings;
  /** Why an invalid run's manifest was rejected. */
  problem?: string;
}

/** The units of data the kinds count in their artifacts (`counts`). */
export const DATA_UNITS = ['objects', 'items', 'records'] as const;
export type DataUnit = (typeof DATA_UNITS)[number];

/** What one run holds in one region for one kind. */
export interface Holding {
  region: string;
  kind: string;
  resources: number;
  failed: number;
  /** Objects, items, records stored (summed from the artifacts' counts), where the kind counts them. */
  units: Partial<Record<DataUnit, number>>;
}

/** What a run holds: the regions and kinds it covered, and per region and kind what it stored. */
export interface RunHoldings {
  regions: string[];
  kinds: string[];
  holdings: Holding[];
}

export interface LatestOptions {
  /** Only runs that started before this run id or time (run ids sort by their start time). */
  before?: string | Date;
  /** Only runs that started at or before this time (a point in time, `--as-of`): inclusive. */
  atOrBefore?: Date;
  /** Only runs made under this policy (`null`: made without one); any run when undefined. */
  policy?: string | null;
}

/** One resource as of a point in time, and the run a restore takes it from. */
export interface HeldResource {
  region: string;
  kind: KindName;
  name: string;
  /** The newest run at or before the time that covered the resource's region and kind (and listed it). */
  listedIn: string;
  /** The newest run at or before the time that holds it `ok`; undefined when none does. */
  runId?: string;
  /** The item as `runId` recorded it, or (no run holds it ok) as `listedIn` recorded it. */
  item: ItemResult;
}

/** What a store held at a point in time, resource by resource. */
export interface PointInTime {
  asOf: Date;
  /** The newest complete run at or before the time (restores of the point in time are kept beside it). */
  latest: { runId: string; startedAt: string };
  /** Every region some run at or before the time covered (of those asked for). */
  regions: string[];
  resources: HeldResource[];
  /** How many manifests were read to decide. */
  manifestsRead: number;
}

/** Manifests read ahead while walking runs newest first. */
const READ_AHEAD = 4;

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

/** Per region and kind, what a manifest lists: resources, failures, and the data units stored. */
export function holdingsOf(manifest: Manifest): RunHoldings {
  const byScope = new Map<string, Holding>();
  for (const item of manifest.items) {
    const key = `${item.region}|${item.kind}`;
    const holding = byScope.get(key) ?? {
      region: item.region,
      kind: item.kind,
      resources: 0,
      failed: 0,
      units: {},
    };
    byScope.set(key, holding);
    holding.resources += 1;
    if (item.status !== 'ok') holding.failed += 1;
    for (const artifact of item.artifacts)
      for (const unit of DATA_UNITS) {
        const count = artifact.counts?.[unit];
        if (count !== undefined) holding.units[unit] = (holding.units[unit] ?? 0) + count;
      }
  }
  return {
    regions: [...manifest.regions],
    kinds: [...manifest.include],
    holdings: [...byScope.values()].sort(
      (a, b) => a.region.localeCompare(b.region) || a.kind.localeCompare(b.kind),
    ),
  };
}

const resourceKey = (item: { region: string; kind: string; name: string }) =>
  `${item.region}|${item.kind}|${item.name}`;

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
        return {
          runId,
          status,
          items: totals.items,
          failed: totals.failed,
          bytes: totals.bytes,
          holds: holdingsOf(manifest),
        };
      } catch (error) {
        if (error instanceof InputValidationError)
          return { runId, status: 'invalid', problem: error.message };
        if (error instanceof UntrustedManifestError)
          return { runId, status: 'untrusted', problem: error.message };
        throw error;
      }
    });
  }

  /**
   * The complete runs that match `options`, newest first (manifests read a few ahead). Invalid and
   * untrusted manifests are passed over. Every question about "which run" goes through here.
   */
  async *completeRuns(options: LatestOptions = {}): AsyncGenerator<Manifest> {
    const before = options.before instanceof Date ? runIdAt(options.before) : options.before;
    const atOrBefore = options.atOrBefore;
    // Run ids hold the start time to the second: the id filters cheaply, startedAt decides exactly.
    const lastSecond = atOrBefore && runIdAt(atOrBefore);
    const candidates = (await this.runIds())
      .filter((id) => before === undefined || id < before)
      .filter((id) => lastSecond === undefined || id.slice(0, lastSecond.length) <= lastSecond)
      .reverse();
    const read = (runId: string) =>
      this.manifest(runId).catch((error) => {
        if (error instanceof InputValidationError || error instanceof UntrustedManifestError)
          return undefined;
        throw error;
      });
    const ahead: Promise<Manifest | undefined>[] = [];
    try {
      for (let index = 0; index < candidates.length; index += 1) {
        while (ahead.length < READ_AHEAD && index + ahead.length < candidates.length)
          ahead.push(read(candidates[index + ahead.length] as string));
        const manifest = await ahead.shift();
        if (!manifest) continue;
        if (options.policy !== undefined && (manifest.policy?.name ?? null) !== options.policy) continue;
        if (atOrBefore && Date.parse(manifest.startedAt) > atOrBefore.getTime()) continue;
        yield manifest;
      }
    } finally {
      // The caller stopped early: reads still under way are not waited for, nor their errors raised.
      for (const pendingRead of ahead) pendingRead.catch(() => undefined);
    }
  }

  /** The newest complete run that matches `options`, or undefined. Invalid and untrusted ones are passed over. */
  async latestComplete(options: LatestOptions = {}): Promise<Manifest | undefined> {
    for await (const manifest of this.completeRuns(options)) return manifest;
    return undefined;
  }

  /**
   * What the store held at `asOf`, per region and resource. For each region and kind, the newest
   * complete run started at or before `asOf` that covered them says which resources existed (a
   * resource an older run holds but that run no longer lists was gone by then); each of those comes
   * from the newest run at or before `asOf` that holds it `ok` (an older one when the newest failed
   * it, or did not cover its region or kind). Undefined when no complete run started by `asOf`.
   * With `regions` (and `kinds`), only those, and the walk stops once each of them is decided.
   */
  async pointInTime(options: {
    asOf: Date;
    policy?: string | null;
    regions?: string[];
    kinds?: readonly string[];
  }): Promise<PointInTime | undefined> {
    const wanted = options.regions && new Set(options.regions);
    const decided = new Set<string>();
    const resources = new Map<string, HeldResource>();
    const pending = new Set<string>();
    const regions = new Set<string>();
    let latest: PointInTime['latest'] | undefined;
    let manifestsRead = 0;
    for await (const manifest of this.completeRuns({ atOrBefore: options.asOf, policy: options.policy })) {
      manifestsRead += 1;
      latest ??= { runId: manifest.runId, startedAt: manifest.startedAt };
      const covered = manifest.regions.filter((region) => !wanted || wanted.has(region));
      for (const region of covered) regions.add(region);
      const fresh = new Set<string>();
      for (const region of covered)
        for (const kind of manifest.include) {
          const scope = `${region}|${kind}`;
          if (decided.has(scope)) continue;
          decided.add(scope);
          fresh.add(scope);
        }
      for (const item of manifest.items) {
        if (options.kinds && !options.kinds.includes(item.kind)) continue;
        const key = resourceKey(item);
        if (fresh.has(`${item.region}|${item.kind}`)) {
          const ok = item.status === 'ok';
          resources.set(key, {
            region: item.region,
            kind: item.kind,
            name: item.name,
            listedIn: manifest.runId,
            runId: ok ? manifest.runId : undefined,
            item,
          });
          if (!ok) pending.add(key);
        } else if (pending.has(key) && item.status === 'ok') {
          Object.assign(resources.get(key) as HeldResource, { runId: manifest.runId, item });
          pending.delete(key);
        }
      }
      const kinds = options.kinds ?? KIND_NAMES;
      const complete =
        options.regions?.every((region) => kinds.every((kind) => decided.has(`${region}|${kind}`))) ?? false;
      if (complete && pending.size === 0) break;
    }
    if (!latest) return undefined;
    return {
      asOf: options.asOf,
      latest,
      regions: [...regions].sort(),
      resources: [...resources.values()].sort((a, b) => resourceKey(a).localeCompare(resourceKey(b))),
      manifestsRead,
    };
  }

  /** The item results a run has written so far (every item of a finished run), in a stable order. */
  async itemResults(runId: string): Promise<ItemResult[]> {
    const keys: string[] = [];
    for await (const key of this.store.list(itemResultPrefix(runId)))
      if (key.endsWith('.json')) keys.push(key);
    return mapLimit(keys, 16, async (key) => parseOrThrow(ItemResult, await this.store.getJson(key), key));
  }
}
