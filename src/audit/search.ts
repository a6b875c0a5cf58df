import type { Manifest } from '../../schemas/manifest.js';
import type { IndexedPart, RunIndex } from '../../schemas/run-index.js';
import type { ItemResult } from '../../schemas/work-item.js';
import { globToRegExp, matchesAny } from '../glob.js';
import { RunCatalog } from '../store/catalog.js';
import type { BackupStore } from '../store/store.js';
import { runIndexOf } from './run-index.js';
import {
  type DataHit,
  emptyTally,
  itemHits,
  keyAttributes,
  literalPrefix,
  objectHits,
  partsForPrefix,
  type ReadTally,
} from './search-data.js';

/**
 * `triggervault find`: which runs hold a function, a trigger, an object key or an item key, and when it
 * changed. Functions and triggers come from each run's index (one small document per run; a run
 * without one is indexed from its snapshots), object keys from the objects-index parts that can hold
 * the pattern's literal prefix, item keys from the data parts of the tables searched. The pattern is a
 * glob (`*`, `?`) matched against the whole name: a function's name; a trigger's id, source ARN, the
 * last part of that ARN, or `type id`; an object's key; an item's partition key or `partition|sort`.
 */

export const SEARCHABLE = ['function', 'trigger', 'object', 'item'] as const;
export type Searchable = (typeof SEARCHABLE)[number];

export interface SearchOptions {
  pattern: string;
  what: readonly Searchable[];
  /** Globs on the resource searched in (function of a trigger, bucket, table); default every one. */
  within?: string[];
  regions?: string[];
}

/** One run that holds what was found, with what identifies its version there. */
export interface Holding {
  runId: string;
  startedAt: string;
  version: string;
}

export interface Change {
  runId: string;
  startedAt: string;
  change: 'added' | 'changed' | 'removed';
  version?: string;
}

export interface Found {
  what: Searchable;
  region: string;
  /** What it is in: the function (itself, or the one a trigger invokes), the bucket, the table. */
  resource: string;
  key: string;
  runs: Holding[];
  changes: Change[];
}

export interface SearchReport {
  pattern: string;
  runs: number;
  found: Found[];
  read: {
    indexes: { stored: number; built: number; bytes: number };
    objectParts: ReadTally;
    itemParts: ReadTally;
  };
}

interface RunView {
  manifest: Manifest;
  index: RunIndex;
}

/**
 * Per entry, its version in each run. A run that covered the entry's region and kind without it no
 * longer had it (removed), unless its resource failed there or kept no data (unknown, passed over).
 */
class Findings {
  readonly entries = new Map<string, { what: Searchable; region: string; resource: string; key: string }>();
  readonly versions = new Map<string, Map<string, string>>();
  private readonly covered = new Set<string>();
  private readonly unknown = new Set<string>();

  /** The run searched every resource of `what` in the region. */
  cover(what: Searchable, region: string, runId: string): void {
    this.covered.add(`${what}|${region}|${runId}`);
  }

  /** The run says nothing about this resource (failed, or its data was not kept). */
  passOver(what: Searchable, region: string, resource: string, runId: string): void {
    this.unknown.add(`${what}|${region}|${resource}|${runId}`);
  }

  add(what: Searchable, region: string, resource: string, hit: DataHit, runId: string): void {
    const id = `${what}|${region}|${resource}|${hit.key}`;
    this.entries.set(id, { what, region, resource, key: hit.key });
    this.versions.set(id, (this.versions.get(id) ?? new Map()).set(runId, hit.version));
  }

  report(runs: Manifest[]): Found[] {
    return [...this.entries]
      .map(([id, entry]) => {
        const versions = this.versions.get(id) as Map<string, string>;
        const held: Holding[] = [];
        const changes: Change[] = [];
        let last: string | undefined;
        for (const run of runs) {
          const { what, region, resource } = entry;
          if (!this.covered.has(`${what}|${region}|${run.runId}`)) continue;
          if (this.unknown.has(`${what}|${region}|${resource}|${run.runId}`)) continue;
          const version = versions.get(run.runId);
          const at = { runId: run.runId, startedAt: run.startedAt };
          if (version !== undefined) held.push({ ...at, version });
          if (version !== undefined && last === undefined) changes.push({ ...at, change: 'added', version });
          else if (version !== undefined && version !== last)
            changes.push({ ...at, change: 'changed', version });
          else if (version === undefined && last !== undefined) changes.push({ ...at, change: 'removed' });
          last = version;
        }
        return { ...entry, runs: held, changes };
      })
      .sort((a, b) =>
        `${a.what} ${a.region} ${a.resource} ${a.key}`.localeCompare(
          `${b.what} ${b.region} ${b.resource} ${b.key}`,
        ),
      );
  }
}

/** The regions of the run the search covers for a kind (those asked for, of those the run covered). */
const regionsOf = (manifest: Manifest, kind: string, options: SearchOptions): string[] =>
  manifest.include.includes(kind as Manifest['include'][number])
    ? manifest.regions.filter((region) => !options.regions || options.regions.includes(region))
    : [];

const lastPart = (arn: string) => arn.split(/[:/]/).pop() ?? arn;

function searchFunctions(view: RunView, test: RegExp, options: SearchOptions, findings: Findings): void {
  const { runId } = view.manifest;
  const regions = regionsOf(view.manifest, 'lambda-function', options);
  for (const region of regions)
    for (const what of ['function', 'trigger'] as const) findings.cover(what, region, runId);
  const indexed = new Set(view.index.functions.map((fn) => `${fn.region}|${fn.name}`));
  for (const item of view.manifest.items)
    if (item.kind === 'lambda-function' && !indexed.has(`${item.region}|${item.name}`))
      for (const what of ['function', 'trigger'] as const)
        findings.passOver(what, item.region, item.name, runId);
  for (const fn of view.index.functions) {
    if (!regions.includes(fn.region)) continue;
    if (options.what.includes('function') && test.test(fn.name))
      findings.add(
        'function',
        fn.region,
        fn.name,
        { key: fn.name, version: `code ${fn.codeSha256 ?? '-'}, modified ${fn.lastModified ?? '-'}` },
        runId,
      );
    if (!fn.triggersCaptured) findings.passOver('trigger', fn.region, fn.name, runId);
    if (!options.what.includes('trigger') || (options.within && !matchesAny(fn.name, options.within)))
      continue;
    for (const trigger of fn.triggers) {
      const names = [trigger.id, trigger.source, lastPart(trigger.source), `${trigger.type} ${trigger.id}`];
      if (names.some((name) => test.test(name)))
        findings.add(
          'trigger',
          fn.region,
          fn.name,
          { key: `${trigger.type} ${trigger.id}`, version: `source ${trigger.source}` },
          runId,
        );
    }
  }
}

/** Runs `read` once per distinct part (sha256); every run holding the part gets its hits. */
class PartCache {
  private readonly results = new Map<string, Promise<DataHit[]>>();
  constructor(private readonly tally: ReadTally) {}

  hits(sha256: string, read: () => Promise<DataHit[]>): Promise<DataHit[]> {
    let result = this.results.get(sha256);
    if (result) this.tally.shared += 1;
    else {
      result = read();
      this.results.set(sha256, result);
    }
    return result;
  }
}

/**
 * The resources of a data kind the run holds data of, in the regions searched (those matching
 * `within`); the others of the kind are passed over (failed, or configuration only).
 */
function dataItems(
  view: RunView,
  what: Searchable,
  kind: string,
  role: string,
  options: SearchOptions,
  findings: Findings,
): ItemResult[] {
  const regions = regionsOf(view.manifest, kind, options);
  for (const region of regions) findings.cover(what, region, view.manifest.runId);
  return view.manifest.items.filter((item) => {
    if (item.kind !== kind || !regions.includes(item.region)) return false;
    const held = item.status === 'ok' && item.artifacts.some((artifact) => artifact.role === role);
    if (!held) findings.passOver(what, item.region, item.name, view.manifest.runId);
    return held && (!options.within || matchesAny(item.name, options.within));
  });
}

async function searchObjects(
  store: BackupStore,
  view: RunView,
  test: RegExp,
  options: SearchOptions,
  findings: Findings,
  cache: PartCache,
  tally: ReadTally,
): Promise<void> {
  const prefix = literalPrefix(options.pattern);
  for (const item of dataItems(view, 'object', 's3-bucket', 'objects-index', options, findings)) {
    const stored = item.artifacts.filter((artifact) => artifact.role === 'objects-index');
    const indexed = view.index.sortedParts.filter(
      (part) => part.region === item.region && part.name === item.name,
    );
    // Every part indexed: read only those that can hold the prefix; otherwise all of them.
    const parts: Pick<IndexedPart, 'path' | 'sha256'>[] =
      indexed.length === stored.length ? partsForPrefix(indexed, prefix) : stored;
    tally.considered += stored.length;
    for (const part of parts) {
      const hits = await cache.hits(part.sha256, () => objectHits(store, part.path, test, prefix, tally));
      for (const hit of hits) findings.add('object', item.region, item.name, hit, view.manifest.runId);
    }
  }
}

async function searchItems(
  store: BackupStore,
  view: RunView,
  test: RegExp,
  options: SearchOptions,
  findings: Findings,
  cache: PartCache,
  tally: ReadTally,
): Promise<void> {
  for (const item of dataItems(view, 'item', 'dynamodb-table', 'data', options, findings)) {
    const parts = item.artifacts.filter((artifact) => artifact.role === 'data');
    const attributes = await keyAttributes(store, item);
    tally.considered += parts.length;
    for (const part of parts) {
      const hits = await cache.hits(`${part.sha256}|${attributes.join(',')}`, () =>
        itemHits(store, part.path, attributes, test, tally),
      );
      for (const hit of hits) findings.add('item', item.region, item.name, hit, view.manifest.runId);
    }
  }
}

/** Searches every complete run of the store (see the module comment). */
export async function search(store: BackupStore, options: SearchOptions): Promise<SearchReport> {
  const test = globToRegExp(options.pattern);
  const manifests: Manifest[] = [];
  for await (const manifest of new RunCatalog(store).completeRuns()) manifests.unshift(manifest);
  const findings = new Findings();
  const read: SearchReport['read'] = {
    indexes: { stored: 0, built: 0, bytes: 0 },
    objectParts: emptyTally(),
    itemParts: emptyTally(),
  };
  const objectCache = new PartCache(read.objectParts);
  const itemCache = new PartCache(read.itemParts);
  for (const manifest of manifests) {
    let index: RunIndex = {
      format: 1,
      runId: manifest.runId,
      functions: [],
      sortedParts: [],
      unreadable: [],
    };
    if (options.what.some((what) => what !== 'item')) {
      const loaded = await runIndexOf(store, manifest);
      index = loaded.index;
      read.indexes[loaded.source] += 1;
      read.indexes.bytes += loaded.bytes;
    }
    const view = { manifest, index };
    searchFunctions(view, test, options, findings);
    if (options.what.includes('object'))
      await searchObjects(store, view, test, options, findings, objectCache, read.objectParts);
    if (options.what.includes('item'))
      await searchItems(store, view, test, options, findings, itemCache, read.itemParts);
  }
  return { pattern: options.pattern, runs: manifests.length, found: findings.report(manifests), read };
}
