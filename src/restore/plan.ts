import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseOrThrow } from '../../schemas/common.js';
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
import { decideRecoveryPoint } from '../policy/aws-backup-restore.js';
import { RunCatalog } from '../store/catalog.js';
import { openStore } from '../store/open.js';
import type { BackupStore } from '../store/store.js';
import { trustedView } from '../store/trusted.js';
import { TRIGGER_TYPES } from '../triggers/index.js';
import type { TriggerRecord } from '../triggers/types.js';
import { drillOptions, isDrillInput } from './drill.js';
import { restorePlanKey } from './layout.js';
import { mapperFor } from './mapper.js';
import { pointInTimeOf, type SourcedItem, sourcedItems } from './sources.js';

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

function selectItems(items: SourcedItem[], only: RestoreOptions['only']) {
  if (!only?.length) return items;
  return items.filter(({ item }) =>
    only.some((selector) => selector.kind === item.kind && matchesAny(item.name, [selector.name])),
  );
}

/** Why an item cannot be restored: failed in its run, or (a point in time) in every run that listed it. */
const blockedReason = (item: SourcedItem, pointInTime: boolean) =>
  pointInTime
    ? `${item.item.status} in the newest run listing it, and no earlier run at or before the time holds it: nothing to restore from`
    : `${item.item.status} in the backup run: nothing to restore from`;

async function planRegion(
  store: BackupStore,
  items: SourcedItem[],
  options: RestoreOptions,
  source: string,
  targetAccount: string,
): Promise<RegionPlan> {
  const target = options.targetRegion ?? source;
  const skipped: RegionPlan['skipped'] = [];
  const resources: RegionPlan['resources'] = [];
  const pointInTime = options.asOf !== undefined;
  for (const sourced of selectItems(items, options.only)) {
    const { item } = sourced;
    if (item.status !== 'ok' || sourced.run === undefined)
      skipped.push({
        kind: item.kind,
        name: item.name,
        reason: blockedReason(sourced, pointInTime),
        action: 'blocked',
      });
    else if (!KINDS[item.kind]?.restore)
      skipped.push({
        kind: item.kind,
        name: item.name,
        reason: `restoring ${item.kind} is not available yet`,
        action: 'skipped',
      });
    else {
      // Tables and buckets may come from an AWS Backup recovery point instead of the run's export.
      const point = await decideRecoveryPoint(store, sourced.run as string, item, {
        asked: options.fromRecoveryPoints,
        targetRegion: target,
      });
      if (point && 'blocked' in point)
        skipped.push({ kind: item.kind, name: item.name, reason: point.blocked, action: 'blocked' });
      else
        resources.push({
          kind: item.kind,
          name: item.name,
          ...(pointInTime ? { run: sourced.run } : {}),
          ...(point ? { recoveryPoint: point.use } : {}),
        });
    }
  }
  const runOf = (name: string) =>
    items.find(({ item }) => item.kind === 'lambda-function' && item.name === name)?.run as string;
  // A function whose snapshot is not the one the manifest records is refused here, alone: it is
  // blocked with the reason, and nothing of it (code, triggers, layers) is restored.
  const loaded = await mapLimit(
    resources.filter((resource) => resource.kind === 'lambda-function').map((resource) => resource.name),
    8,
    async (name) => {
      try {
        return await loadFunctionSnapshot(store, runOf(name), source, name);
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
      ...Object.fromEntries(
        Object.values(KINDS)
          .filter((kind) => kind.kind !== 'lambda-function')
          .map((kind) => [kind.nameKind, namesOf(kind.kind)]),
      ),
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

/** What a restore restores: one run, or a point in time (per resource, the newest run holding it). */
async function restoreSource(store: BackupStore, options: RestoreOptions) {
  const trust = { allowUnsigned: options.allowUnsigned };
  const catalog = new RunCatalog(store, trust);
  if (options.asOf) {
    const picture = await pointInTimeOf(
      store,
      new Date(options.asOf),
      'invalid restore input: asOf',
      options.regions,
      trust,
    );
    const runs = [...new Set(picture.resources.flatMap((resource) => resource.runId ?? []))];
    return {
      run: picture.latest.runId,
      manifests: await mapLimit(runs, 4, (runId) => catalog.completeManifest(runId)),
      what: `the runs at or before ${options.asOf}`,
      regions: picture.regions,
      items: (region: string) => sourcedItems(picture, region),
    };
  }
  const manifest = await catalog.completeManifest(options.run as string);
  return {
    run: manifest.runId,
    manifests: [manifest],
    what: `run ${manifest.runId}`,
    regions: manifest.regions,
    items: (region: string): SourcedItem[] =>
      manifest.items.filter((item) => item.region === region).map((item) => ({ item, run: manifest.runId })),
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
  const source = await restoreSource(store, options);
  const regions = options.regions ?? source.regions;
  const unknown = regions.filter((region) => !source.regions.includes(region));
  if (unknown.length)
    throw new InputValidationError(
      `invalid restore input: regions: ${source.what} did not back up ${unknown.join(', ')}`,
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
    run: source.run,
    ...(options.asOf ? { asOf: new Date(options.asOf).toISOString() } : {}),
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
      ...(options.fromRecoveryPoints ? { fromRecoveryPoints: true } : {}),
      ...(options.redeployStage ? { redeployStage: true } : {}),
      ...(options.maxBandwidth ? { maxBandwidth: options.maxBandwidth } : {}),
    },
    // Snapshots are read through the trusted view: each checked against the manifest first.
    regions: await Promise.all(
      regions.map((region) =>
        planRegion(
          trustedView(store, source.manifests),
          source.items(region),
          options,
          region,
          targetAccount,
        ),
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
