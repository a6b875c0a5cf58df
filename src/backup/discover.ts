import { LambdaClient, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import type { KindName } from '../../schemas/common.js';
import type { RunPlan } from '../../schemas/run-input.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { client } from '../aws/clients.js';
import { policyStatements, sourceArnOf } from '../aws/lambda-policy.js';
import { mapLimit } from '../concurrency.js';
import { KINDS, kindModule } from '../kinds/index.js';
import type { ResourceKind, Wiring } from '../kinds/types.js';
import { selectForRun } from '../policy/select.js';
import { RunCatalog } from '../store/catalog.js';
import { workKey } from '../store/layout.js';
import { openStore } from '../store/open.js';

export type DiscoverInput = Pick<
  RunPlan,
  'runId' | 'store' | 'include' | 'tables' | 'buckets' | 'streams'
> & { region: string; mode?: RunPlan['mode']; maxBandwidth?: RunPlan['maxBandwidth'] };

/** What Discover knows about how the region's functions are wired: each read once, only when a kind asks. */
export function wiringOf(region: string, functionNames: string[]): Wiring {
  const once = <T>(load: () => Promise<T>) => {
    let value: Promise<T> | undefined;
    return () => {
      value ??= load();
      return value;
    };
  };
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
  };
}

/** Which run-input field holds a data kind's name globs. */
const NAME_FIELDS: Partial<Record<KindName, 'tables' | 'buckets' | 'streams'>> = {
  'dynamodb-table': 'tables',
  's3-bucket': 'buckets',
  'kinesis-stream': 'streams',
};

/** The items of one region the run input selects (functions, and data by globs or triggers), unsaved. */
export async function listRegionItems(input: Omit<DiscoverInput, 'mode'>): Promise<WorkItem[]> {
  const { region, include } = input;
  const items: WorkItem[] = [];
  const add = (kind: KindName, names: string[]) => {
    for (const name of [...new Set(names)].sort())
      items.push({ runId: input.runId, store: input.store, region, kind, name });
  };
  const functions = include.includes('lambda-function')
    ? await kindModule('lambda-function').discover(region, { patterns: ['*'] })
    : [];
  add('lambda-function', functions);
  // The sources of the functions' triggers are read only for the kinds the run includes.
  const wiring = wiringOf(region, functions);
  for (const [kind, module] of Object.entries(KINDS) as [KindName, ResourceKind][]) {
    if (kind === 'lambda-function' || !include.includes(kind)) continue;
    const field = NAME_FIELDS[kind];
    const patterns = [...(field ? input[field] : []), ...((await module.wiredTo?.(wiring)) ?? [])];
    add(kind, patterns.length ? await module.discover(region, { patterns }) : []);
  }
  return items;
}

/**
 * Lists the work of one region: every function, and the tables, buckets and streams that either
 * the run input names (globs) or the functions' triggers use. Writes the list to the store too.
 */
export async function discoverRegion(input: DiscoverInput): Promise<WorkItem[]> {
  // Each item carries the run's bandwidth cap to its backup handler (which has only the item).
  const cap = input.maxBandwidth;
  const capped = (items: WorkItem[]) => (cap ? items.map((item) => ({ ...item, maxBandwidth: cap })) : items);
  if (input.mode === 'redrive') return capped(await failedItems(input));
  const items = capped(await listRegionItems(input));
  const store = openStore(input.store);
  const backupBucket = store.url.startsWith('s3://') ? store.url.slice(5).split('/')[0] : undefined;
  const selected = await selectForRun(
    store,
    input.runId,
    items.filter((item) => !(item.kind === 's3-bucket' && item.name === backupBucket)),
  );
  await store.putJson(workKey(input.runId, input.region), selected);
  return selected;
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
