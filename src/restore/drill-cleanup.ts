import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  LambdaClient,
  ListLayerVersionsCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  S3Client,
} from '@aws-sdk/client-s3';
import type { RegionPlan, RestoreRef } from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import { ifExists, isNotFound, isTransient } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import { InputValidationError, TransientAwsError } from '../errors.js';
import { createArnMapper } from '../reconcile/arn-map.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { clearListingMemos, listTriggers, loadFunctionRef } from '../triggers/index.js';
import { cleanupKey, DRILL_SUFFIX, readRestorePlan } from './drill.js';
import { removeTrigger } from './teardown.js';

/**
 * DrillCleanup: deletes everything a drill created, in reverse dependency order — the triggers wired
 * to each scratch function, the functions (with their versions, aliases, URLs and permissions), the
 * scratch layer versions, then the streams, buckets (every object version first) and tables. It works
 * from the drill's plan and the scratch names, not from what the restore reported, so it also cleans
 * up after a restore that failed half-way; it refuses any restore that is not a drill. Each deletion
 * is tried on its own: one failure never keeps the others from running, and what could not be deleted
 * is reported as left over (a transient failure retries the whole, idempotent cleanup).
 */

export interface CleanedResource {
  region: string;
  resource: string;
  action: 'deleted' | 'absent' | 'failed';
  note?: string;
  /** A failure worth retrying (throttling, 5xx). */
  transient?: boolean;
}

export interface DrillCleanup {
  resources: CleanedResource[];
}

type Deletion = { resource: string; remove: () => Promise<boolean> };

const failure = (region: string, resource: string, error: unknown): CleanedResource => ({
  region,
  resource,
  action: 'failed',
  note: `${(error as Error).name}: ${(error as Error).message}`,
  ...(isTransient(error) ? { transient: true } : {}),
});

/** Runs the deletions in order, each on its own; `remove` answers false when nothing was there. */
async function runDeletions(region: string, deletions: Deletion[], done: CleanedResource[]): Promise<void> {
  for (const deletion of deletions) {
    try {
      const removed = await deletion.remove();
      done.push({ region, resource: deletion.resource, action: removed ? 'deleted' : 'absent' });
    } catch (error) {
      done.push(
        isNotFound(error)
          ? { region, resource: deletion.resource, action: 'absent' }
          : failure(region, deletion.resource, error),
      );
    }
  }
}

/** The triggers wired to a scratch function, then the function. */
async function functionDeletions(region: string, name: string): Promise<Deletion[]> {
  const lambda = client(LambdaClient, region);
  const found = await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })));
  if (!found) return [{ resource: `function ${name}`, remove: async () => false }];
  clearListingMemos();
  const triggers = await listTriggers(await loadFunctionRef(region, name));
  return [
    ...triggers.map((record) => ({
      resource: `${record.type} ${record.id}`,
      remove: async () => {
        await removeTrigger(region, record);
        return true;
      },
    })),
    {
      resource: `function ${name}`,
      remove: async () => {
        await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
        return true;
      },
    },
  ];
}

/** Every version of a scratch layer. */
async function layerDeletions(region: string, layer: string): Promise<Deletion[]> {
  const lambda = client(LambdaClient, region);
  const versions = await paginate(async (Marker) => {
    const page = await lambda.send(new ListLayerVersionsCommand({ LayerName: layer, Marker }));
    return { items: page.LayerVersions, next: page.NextMarker };
  });
  return versions.map((version) => ({
    resource: `layer version ${layer}:${version.Version}`,
    remove: async () => {
      await lambda.send(new DeleteLayerVersionCommand({ LayerName: layer, VersionNumber: version.Version }));
      return true;
    },
  }));
}

/** Empties a bucket (every version and delete marker) and deletes it. */
async function deleteBucket(region: string, Bucket: string): Promise<boolean> {
  const s3 = client(S3Client, region);
  try {
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let more = true; more; ) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket, ...marker }));
      const Objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(
        (version) => ({ Key: version.Key, VersionId: version.VersionId ?? undefined }),
      );
      const deleted = Objects.length
        ? await s3.send(
            new DeleteObjectsCommand({ Bucket, Delete: { Objects }, BypassGovernanceRetention: true }),
          )
        : undefined;
      const refused = deleted?.Errors?.[0];
      if (refused) throw new Error(`${Bucket}/${refused.Key}: ${refused.Code} ${refused.Message}`);
      marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      more = Boolean(page.IsTruncated);
    }
    await s3.send(new DeleteBucketCommand({ Bucket }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NoSuchBucket') return false;
    throw error;
  }
}

/** Deletes a table, turning its deletion protection off first. */
async function deleteTable(region: string, TableName: string): Promise<boolean> {
  const dynamo = client(DynamoDBClient, region);
  const found = await ifExists(() => dynamo.send(new DescribeTableCommand({ TableName })));
  if (!found) return false;
  if (found.Table?.DeletionProtectionEnabled)
    await dynamo.send(new UpdateTableCommand({ TableName, DeletionProtectionEnabled: false }));
  await dynamo.send(new DeleteTableCommand({ TableName }));
  return true;
}

async function cleanRegion(store: BackupStore, region: RegionPlan, suffix: string, done: CleanedResource[]) {
  const mapper = createArnMapper(region.mapping);
  const target = region.target;
  const scratch = (kind: Parameters<typeof mapper.mapName>[0], name: string) => {
    const copy = mapper.mapName(kind, name);
    // Never anything but a scratch copy: a name without the drill's suffix is not the drill's.
    if (!copy.endsWith(suffix)) throw new InputValidationError(`${copy} is not a scratch name of this drill`);
    return copy;
  };
  const of = (kind: string) =>
    region.resources.filter((resource) => resource.kind === kind).map((resource) => resource.name);
  const storeBucket = store.s3?.bucket;
  const deletions: Deletion[] = [];
  for (const name of of('lambda-function'))
    deletions.push(...(await functionDeletions(target, scratch('function', name))));
  for (const layer of region.mapping.restored.layer ?? [])
    deletions.push(...(await layerDeletions(target, scratch('layer', layer))));
  for (const name of of('kinesis-stream')) {
    const StreamName = scratch('kinesis-stream', name);
    deletions.push({
      resource: `stream ${StreamName}`,
      remove: async () => {
        await client(KinesisClient, target).send(
          new DeleteStreamCommand({ StreamName, EnforceConsumerDeletion: true }),
        );
        return true;
      },
    });
  }
  for (const name of of('s3-bucket')) {
    const bucket = scratch('s3-bucket', name);
    if (bucket !== storeBucket)
      deletions.push({ resource: `bucket ${bucket}`, remove: () => deleteBucket(target, bucket) });
  }
  for (const name of of('dynamodb-table')) {
    const table = scratch('dynamodb-table', name);
    deletions.push({ resource: `table ${table}`, remove: () => deleteTable(target, table) });
  }
  await runDeletions(target, deletions, done);
}

/** DrillCleanup (see the module comment). Writes drill/cleanup.json; returns how much is left over. */
export async function cleanupDrill(ref: RestoreRef) {
  const store = openStore(ref.store);
  const plan = await readRestorePlan(store, ref);
  const suffix = plan.options.nameSuffix ?? '';
  if (!plan.options.drill || !DRILL_SUFFIX.test(suffix))
    throw new InputValidationError(
      `restore ${ref.restoreId} is not a drill: it has nothing scratch to clean up`,
    );
  const resources: CleanedResource[] = [];
  for (const region of plan.regions) {
    try {
      await cleanRegion(store, region, suffix, resources);
    } catch (error) {
      resources.push(failure(region.target, `region ${region.target}`, error));
    }
  }
  const cleanup: DrillCleanup = { resources };
  await store.putJson(cleanupKey(ref), cleanup);
  const failed = resources.filter((resource) => resource.action === 'failed');
  if (failed.some((resource) => resource.transient))
    throw new TransientAwsError(`drill cleanup: ${failed.length} deletions failed transiently; retrying`);
  return {
    deleted: resources.filter((resource) => resource.action === 'deleted').length,
    leftovers: failed.length,
  };
}
