import {
  type FunctionConfiguration,
  GetFunctionCommand,
  LambdaClient,
  paginateListEventSourceMappings,
  paginateListFunctions,
  paginateListVersionsByFunction,
} from '@aws-sdk/client-lambda';
import type { KindName } from '../../schemas/common.js';
import type { RunPlan } from '../../schemas/run-input.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { client } from '../aws/clients.js';
import { ifExists } from '../aws/errors.js';
import { policyStatements, sourceArnOf } from '../aws/lambda-policy.js';
import { mapLimit } from '../concurrency.js';
import { KINDS, kindModule } from '../kinds/index.js';
import type { ResourceKind, Wiring } from '../kinds/types.js';
import { selectForRun } from '../policy/select.js';
import { RunCatalog } from '../store/catalog.js';
import { redriveWorkKey, workKey } from '../store/layout.js';
import { openStore } from '../store/open.js';
import { type WorkListRef, workListRef } from '../store/work-list.js';

export type DiscoverInput = Pick<RunPlan, 'runId' | 'store' | 'include'> & {
  region: string;
  mode?: RunPlan['mode'];
  /** Name globs per kind (RunPlan.names). */
  names?: RunPlan['names'];
  /** Bytes per second (null: no cap); each work item carries it to its backup handler. */
  maxBandwidth?: RunPlan['maxBandwidth'];
};

/** The images one image-packaged function runs: $LATEST and each published version, as Lambda resolved them. */
async function imagesOf(region: string, name: string): Promise<string[]> {
  const lambda = client(LambdaClient, region);
  const qualifiers: (string | undefined)[] = [undefined];
  for await (const page of paginateListVersionsByFunction({ client: lambda }, { FunctionName: name }))
    for (const version of page.Versions ?? [])
      if (version.Version && version.Version !== '$LATEST') qualifiers.push(version.Version);
  const images = await mapLimit(qualifiers, 4, async (Qualifier) => {
    const found = await ifExists(() =>
      lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier })),
    );
    return found?.Code?.ResolvedImageUri ?? found?.Code?.ImageUri;
  });
  return images.filter((image): image is string => Boolean(image));
}

/** What Discover knows about how the region's functions are wired: each read once, only when a kind asks. */
export function wiringOf(region: string, functionNames: string[]): Wiring {
  const once = <T>(load: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => {
      value ??= load();
      return value;
    };
  };
  const functions = once(async () => {
    const configurations: FunctionConfiguration[] = [];
    for await (const page of paginateListFunctions({ client: client(LambdaClient, region) }, {}))
      configurations.push(...(page.Functions ?? []));
    return configurations.filter((fn) => functionNames.includes(fn.FunctionName ?? ''));
  });
  return {
    region,
    mappingSources: once(async () => {
      const sources: string[] = [];
      for await (const page of paginateListEventSourceMappings({ client: client(LambdaClient, region) }, {}))
        for (const mapping of page.EventSourceMappings ?? [])
          if (mapping.EventSourceArn) sources.push(mapping.EventSourceArn);
      return sources;
    }),
    invokerSources: once(async () => {
      const statements = await mapLimit(functionNames, 16, (name) => policyStatements(region, name));
      return statements.flat().flatMap((statement) => sourceArnOf(statement) ?? []);
    }),
    functions,
    functionImages: once(async () => {
      const images = (await functions()).filter((fn) => fn.PackageType === 'Image');
      const found = await mapLimit(images, 8, (fn) => imagesOf(region, fn.FunctionName as string));
      return [...new Set(found.flat())];
    }),
  };
}

/** The items of one region the run input selects (functions, and data by globs or triggers), unsaved. */
export async function listRegionItems(input: Omit<DiscoverInput, 'mode'>): Promise<WorkItem[]> {
  const { region, include } = input;
  const items: WorkItem[] = [];
  const add = async (kind: KindName, names: string[]) => {
    const unique = [...new Set(names)].sort();
    const fingerprints = (await kindModule(kind).fingerprints?.(region, unique)) ?? {};
    for (const name of unique)
      items.push({
        runId: input.runId,
        store: input.store,
        region,
        kind,
        name,
        fingerprint: fingerprints[name],
      });
  };
  const functions = include.includes('lambda-function')
    ? await kindModule('lambda-function').discover(region, { patterns: ['*'] })
    : [];
  await add('lambda-function', functions);
  // The sources of the functions' triggers are read only for the kinds the run includes.
  const wiring = wiringOf(region, functions);
  for (const [kind, module] of Object.entries(KINDS) as [KindName, ResourceKind][]) {
    if (kind === 'lambda-function' || !include.includes(kind)) continue;
    const patterns = [...(input.names?.[kind] ?? []), ...((await module.wiredTo?.(wiring)) ?? [])];
    await add(kind, patterns.length ? await module.discover(region, { patterns }) : []);
  }
  return items;
}

/** What Discover answers: how many items, and where their list is (the Distributed Map reads it). */
export interface DiscoveredRegion {
  region: string;
  items: number;
  work: WorkListRef;
}

/** The work of one region, listed and selected (see discoverRegion), not yet saved. */
export async function regionWork(input: DiscoverInput): Promise<WorkItem[]> {
  // Each item carries the run's bandwidth cap to its backup handler (which has only the item).
  const cap = input.maxBandwidth;
  const capped = (items: WorkItem[]) => (cap ? items.map((item) => ({ ...item, maxBandwidth: cap })) : items);
  if (input.mode === 'redrive') return capped(await failedItems(input));
  const items = capped(await listRegionItems(input));
  const store = openStore(input.store);
  const backupBucket = store.url.startsWith('s3://') ? store.url.slice(5).split('/')[0] : undefined;
  return selectForRun(
    store,
    input.runId,
    items.filter((item) => !(item.kind === 's3-bucket' && item.name === backupBucket)),
  );
}

/** Writes a region's work list to the store and answers the reference the Distributed Map reads. */
export async function saveWorkList(input: DiscoverInput, items: WorkItem[]): Promise<DiscoveredRegion> {
  const store = openStore(input.store);
  const key =
    input.mode === 'redrive' ? redriveWorkKey(input.runId, input.region) : workKey(input.runId, input.region);
  await store.putJson(key, items);
  return {
    region: input.region,
    items: items.length,
    work: workListRef(store, key, input.runId, input.region),
  };
}

/**
 * Lists the work of one region: every function, and the resources of the other kinds that either the
 * run input names (globs per kind) or the functions use (triggers, roles, images, dead letters); a
 * redrive, the run's failed items.
 * The list goes to the store (a redrive's next to the run's own), never into the state: the state
 * carries only its reference, whatever the size of the account.
 */
export async function discoverRegion(input: DiscoverInput): Promise<DiscoveredRegion> {
  return saveWorkList(input, await regionWork(input));
}

/** A redrive re-processes exactly the items of the run that did not finish well in this region. */
async function failedItems(input: DiscoverInput): Promise<WorkItem[]> {
  const results = await new RunCatalog(openStore(input.store)).itemResults(input.runId);
  return results
    .filter((result) => result.region === input.region && result.status !== 'ok')
    .map((result) => ({
      runId: input.runId,
      store: input.store,
      region: input.region,
      kind: result.kind,
      name: result.name,
    }));
}
