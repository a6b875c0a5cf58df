import { GetPolicyCommand, LambdaClient, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import type { KindName } from '../../schemas/common.js';
import type { RunPlan } from '../../schemas/run-input.js';
import type { WorkItem } from '../../schemas/work-item.js';
import { client } from '../aws/clients.js';
import { isNotFound } from '../aws/errors.js';
import { mapLimit } from '../concurrency.js';
import { kindModule } from '../kinds/index.js';
import { selectForRun } from '../policy/select.js';
import { RunCatalog } from '../store/catalog.js';
import { workKey } from '../store/layout.js';
import { openStore } from '../store/open.js';

export type DiscoverInput = Pick<
  RunPlan,
  'runId' | 'store' | 'include' | 'tables' | 'buckets' | 'streams'
> & { region: string; mode?: RunPlan['mode'] };

/** Event sources wired to functions: tables and streams from mappings, buckets from invoke permissions. */
export async function eventSourcesOfFunctions(region: string, functionNames: string[]) {
  const lambda = client(LambdaClient, region);
  const tables = new Set<string>();
  const streams = new Set<string>();
  const buckets = new Set<string>();
  for await (const page of paginateListEventSourceMappings({ client: lambda }, {})) {
    for (const mapping of page.EventSourceMappings ?? []) {
      const source = mapping.EventSourceArn ?? '';
      const [, , service, sourceRegion, , resource = ''] = source.split(':');
      if (sourceRegion !== region) continue;
      if (service === 'dynamodb') tables.add(resource.split('/')[1] ?? '');
      if (service === 'kinesis') streams.add(resource.replace(/^stream\//, ''));
    }
  }
  await mapLimit(functionNames, 16, async (name) => {
    try {
      const response = await lambda.send(new GetPolicyCommand({ FunctionName: name }));
      const statements =
        (
          JSON.parse(response.Policy ?? '{}') as {
            Statement?: { Condition?: Record<string, Record<string, string>> }[];
          }
        ).Statement ?? [];
      for (const statement of statements) {
        const sourceArn =
          statement.Condition?.ArnLike?.['AWS:SourceArn'] ??
          statement.Condition?.ArnEquals?.['AWS:SourceArn'];
        if (sourceArn?.startsWith('arn:aws:s3:::')) buckets.add(sourceArn.slice('arn:aws:s3:::'.length));
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  });
  tables.delete('');
  streams.delete('');
  return { tables: [...tables], streams: [...streams], buckets: [...buckets] };
}

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
  // Event sources are only looked up when their data is part of the run (saves a call per function).
  const dataWanted = include.some((kind) => kind !== 'lambda-function');
  const wired = dataWanted
    ? await eventSourcesOfFunctions(region, include.includes('s3-bucket') ? functions : [])
    : { tables: [], streams: [], buckets: [] };
  const dataKinds: [KindName, string[], string[]][] = [
    ['dynamodb-table', input.tables, wired.tables],
    ['s3-bucket', input.buckets, wired.buckets],
    ['kinesis-stream', input.streams, wired.streams],
  ];
  for (const [kind, patterns, fromTriggers] of dataKinds) {
    if (!include.includes(kind)) continue;
    const all = [...patterns, ...fromTriggers];
    add(kind, all.length ? await kindModule(kind).discover(region, { patterns: all }) : []);
  }
  return items;
}

/**
 * Lists the work of one region: every function, and the tables, buckets and streams that either
 * the run input names (globs) or the functions' triggers use. Writes the list to the store too.
 */
export async function discoverRegion(input: DiscoverInput): Promise<WorkItem[]> {
  if (input.mode === 'redrive') return failedItems(input);
  const items = await listRegionItems(input);
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
