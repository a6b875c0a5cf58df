import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseOrThrow } from '../../schemas/common.js';
import type { Manifest } from '../../schemas/manifest.js';
import {
  type ArnMapSpec,
  type RegionPlan,
  RestoreInput,
  type RestoreOptions,
  RestorePlan,
  type TriggerRef,
} from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import { newRunId } from '../backup/plan.js';
import { mapLimit } from '../concurrency.js';
import { InputValidationError, IntegrityError } from '../errors.js';
import { matchesAny } from '../glob.js';
import { KINDS } from '../kinds/index.js';
import type { FunctionSnapshot } from '../kinds/lambda-function/format.js';
import { loadFunctionSnapshot } from '../kinds/lambda-function/format.js';
import { RunCatalog } from '../store/catalog.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { TRIGGER_TYPES } from '../triggers/index.js';
import type { TriggerRecord } from '../triggers/types.js';
import { drillOptions, isDrillInput } from './drill.js';
import { restorePlanKey } from './layout.js';
import { mapperFor } from './mapper.js';

/** What the Plan state hands to the region Map: references only. */
export interface PlannedRestore {
  restoreId: string;
  store: string;
  run: string;
  dryRun: boolean;
  regions: string[];
  /** A drill goes on to compare, clean up and publish (the state machine's drill path). */
  drill: boolean;
}

const MAX_FUNCTION_NAME = 64;

/**
 * Triggers that share a source's configuration run one after the other, in one item: one bucket's
 * notification configuration (read-merge-write), one REST or HTTP API, one distribution.
 */
const groupKey = (record: TriggerRecord, mappedSource: string): string =>
  `${record.type} ${mappedSource.replace(/\/(resources|integrations)\/.*$/, '')}`;

const typeOrder = (type: string): number => TRIGGER_TYPES.findIndex((candidate) => candidate.type === type);

function selectItems(manifest: Manifest, region: string, only: RestoreOptions['only']) {
  const all = manifest.items.filter((item) => item.region === region);
  if (!only?.length) return all;
  return all.filter((item) =>
    only.some((selector) => selector.kind === item.kind && matchesAny(item.name, [selector.name])),
  );
}

async function planRegion(
  store: BackupStore,
  manifest: Manifest,
  options: RestoreOptions,
  source: string,
  targetAccount: string,
): Promise<RegionPlan> {
  const target = options.targetRegion ?? source;
  const skipped: RegionPlan['skipped'] = [];
  const resources: RegionPlan['resources'] = [];
  for (const item of selectItems(manifest, source, options.only)) {
    if (item.status !== 'ok')
      skipped.push({
        kind: item.kind,
        name: item.name,
        reason: `${item.status} in the backup run: nothing to restore from`,
        action: 'blocked',
      });
    else if (!KINDS[item.kind]?.restore)
      skipped.push({
        kind: item.kind,
        name: item.name,
        reason: `restoring ${item.kind} is not available yet`,
        action: 'skipped',
      });
    else resources.push({ kind: item.kind, name: item.name });
  }
  // A function whose snapshot is not the one the manifest records is refused here, alone: it is
  // blocked with the reason, and nothing of it (code, triggers, layers) is restored.
  const loaded = await mapLimit(
    resources.filter((resource) => resource.kind === 'lambda-function').map((resource) => resource.name),
    8,
    async (name) => {
      try {
        return await loadFunctionSnapshot(store, manifest.runId, source, name);
      } catch (error) {
        if (!(error instanceof IntegrityError)) throw error;
        skipped.push({
          kind: 'lambda-function',
          name,
          reason: `refused: ${error.message}`,
          action: 'blocked',
        });
        const at = resources.findIndex(
          (resource) => resource.kind === 'lambda-function' && resource.name === name,
        );
        resources.splice(at, 1);
        return undefined;
      }
    },
  );
  const snapshots = loaded.filter((snapshot): snapshot is FunctionSnapshot => snapshot !== undefined);
  const functions = snapshots.map((snapshot) => snapshot.name);
  if (options.nameSuffix) {
    const tooLong = functions.filter((name) => `${name}${options.nameSuffix}`.length > MAX_FUNCTION_NAME);
    if (tooLong.length)
      throw new InputValidationError(
        `nameSuffix: makes function names longer than ${MAX_FUNCTION_NAME}: ${tooLong.join(', ')}`,
      );
  }
  const namesOf = (kind: string) =>
    resources.filter((resource) => resource.kind === kind).map((resource) => resource.name);
  const records = snapshots.flatMap((snapshot) =>
    snapshot.triggers.map((record) => ({ function: snapshot.name, record })),
  );
  const apiIds: Record<string, string> = {};
  for (const type of TRIGGER_TYPES) {
    const ofType = records.filter(({ record }) => record.type === type.type).map(({ record }) => record);
    if (type.resolveIds && ofType.length) Object.assign(apiIds, await type.resolveIds(ofType, target));
  }
  const mapping: ArnMapSpec = {
    sourceRegion: source,
    targetRegion: target,
    sourceAccount: snapshots[0]?.arn.split(':')[4] ?? targetAccount,
    targetAccount,
    suffix: options.nameSuffix,
    restored: {
      function: functions,
      layer: [
        ...new Set(
          snapshots.flatMap((snapshot) => snapshot.layers.map((layer) => layer.arn.split(':')[6] ?? '')),
        ),
      ],
      'dynamodb-table': namesOf('dynamodb-table'),
      's3-bucket': namesOf('s3-bucket'),
      'kinesis-stream': namesOf('kinesis-stream'),
    },
    roles: options.roleMap ?? {},
    apiIds,
    layerVersions: {},
    functionVersions: {},
  };
  const mapper = mapperFor(mapping);
  const groups = new Map<string, TriggerRef[]>();
  for (const { function: name, record } of records.sort(
    (a, b) => typeOrder(a.record.type) - typeOrder(b.record.type),
  )) {
    const key = groupKey(record, mapper.mapArn(record.source));
    groups.set(key, [...(groups.get(key) ?? []), { function: name, type: record.type, id: record.id }]);
  }
  return {
    source,
    target,
    mapping,
    resources,
    triggerGroups: [...groups.entries()].map(([key, triggers]) => ({ key, triggers })),
    skipped,
  };
}

/**
 * The Plan state: validates the input, reads the run's manifest and the selected snapshots, decides
 * names, ARN mapping and the order of the work, and stores the plan beside the run.
 */
export async function planRestore(rawInput: unknown): Promise<PlannedRestore> {
  const drill = isDrillInput(rawInput);
  const options = drill
    ? await drillOptions(rawInput)
    : parseOrThrow(RestoreInput, rawInput, 'restore input');
  const store = openStore(options.store);
  const manifest = await new RunCatalog(store, { allowUnsigned: options.allowUnsigned }).completeManifest(
    options.run,
  );
  const regions = options.regions ?? manifest.regions;
  const unknown = regions.filter((region) => !manifest.regions.includes(region));
  if (unknown.length)
    throw new InputValidationError(
      `invalid restore input: regions: run ${options.run} did not back up ${unknown.join(', ')}`,
    );
  if (options.targetRegion && regions.length !== 1)
    throw new InputValidationError(
      'invalid restore input: targetRegion: a cross-region restore takes exactly one source region (regions)',
    );
  const home = options.targetRegion ?? regions[0] ?? 'us-east-1';
  const targetAccount = (await client(STSClient, home).send(new GetCallerIdentityCommand({})))
    .Account as string;
  const plan: RestorePlan = {
    format: 1,
    restoreId: newRunId(),
    run: options.run,
    store: store.url,
    createdAt: new Date().toISOString(),
    options: {
      dryRun: options.dryRun,
      force: options.force,
      edge: options.edge,
      startingPosition: options.startingPosition,
      nameSuffix: options.nameSuffix,
      ...(drill ? { drill } : {}),
      ...(options.allowUnsigned ? { allowUnsigned: true } : {}),
    },
    // Snapshots are read through the trusted view: each checked against the manifest first.
    regions: await Promise.all(
      regions.map((region) =>
        planRegion(trustedView(store, manifest), manifest, options, region, targetAccount),
      ),
    ),
  };
  await store.putJson(
    restorePlanKey(plan.run, plan.restoreId),
    parseOrThrow(RestorePlan, plan, 'restore plan'),
  );
  return {
    restoreId: plan.restoreId,
    store: store.url,
    run: plan.run,
    dryRun: options.dryRun,
    regions,
    drill,
  };
}
