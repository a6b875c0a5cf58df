import type { ArnMapper } from '../../reconcile/arn-map.js';
import type { BackupStore } from '../../store/store.js';
import { clearListingMemos, TRIGGER_TYPES } from '../../triggers/index.js';
import type { TriggerRecord } from '../../triggers/types.js';
import { snapshotFunction } from './capture.js';
import type { FunctionSnapshot } from './format.js';

/**
 * A function as a restore must reproduce it: configuration without what AWS generates (timestamps,
 * revision ids, state), code by sha256, versions, aliases, policy, URLs, invoke configs, concurrency,
 * tags, layers by name and code, and triggers without the ids AWS generates. Two pictures are equal
 * when the function was restored faithfully.
 */
export interface FunctionPicture {
  configuration: Record<string, unknown>;
  versions: { version: string; configuration: Record<string, unknown> }[];
  aliases: Record<string, unknown>[];
  policy: unknown[];
  urlConfigs: Record<string, unknown>[];
  eventInvokeConfigs: Record<string, unknown>[];
  concurrency: unknown;
  tags: Record<string, string>;
  layers: { name: string; sha256: string }[];
  triggers: unknown[];
}

const GENERATED = new Set([
  'LastModified',
  'RevisionId',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
  'State',
  'StateReason',
  'StateReasonCode',
  'FunctionUrl',
  'CreationTime',
  'LastModifiedTime',
]);

const without = (value: object, keys: Set<string>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(value).filter(([key, field]) => !keys.has(key) && field !== undefined && field !== null),
  );

const layerName = (arn: string | undefined): string => arn?.split(':')[6] ?? '';

/** Configuration without generated fields; layers by name (a re-published layer has a new version number). */
const configurationOf = (configuration: object): Record<string, unknown> => {
  const rest = without(configuration, GENERATED);
  const layers = rest.Layers as { Arn?: string; CodeSize?: number }[] | undefined;
  return layers
    ? { ...rest, Layers: layers.map((layer) => ({ name: layerName(layer.Arn), CodeSize: layer.CodeSize })) }
    : rest;
};

/** A trigger record with every id AWS generated for it replaced by `<generated>`. */
export function normalizeTrigger(record: TriggerRecord, ids = generatedIdsOf(record)): unknown {
  let text = JSON.stringify(record);
  for (const id of ids.filter((candidate) => candidate.length > 0)) text = text.split(id).join('<generated>');
  return JSON.parse(text);
}

export const generatedIdsOf = (record: TriggerRecord): string[] =>
  TRIGGER_TYPES.find((type) => type.type === record.type)?.generatedIds?.(record) ?? [];

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** The picture of a captured function (a stored snapshot, or one just taken of a live function). */
export function pictureOf(snapshot: FunctionSnapshot): FunctionPicture {
  return {
    configuration: configurationOf(snapshot.configuration),
    versions: snapshot.versions.map((version) => ({
      version: version.version,
      configuration: configurationOf(version.configuration),
    })),
    aliases: snapshot.aliases.map((alias) => without(alias, GENERATED)).sort(byJson),
    policy: snapshot.policy.flatMap((entry) => entry.statements).sort(byJson),
    urlConfigs: snapshot.urlConfigs.map((url) => without(url, GENERATED)).sort(byJson),
    eventInvokeConfigs: snapshot.eventInvokeConfigs.map((config) => without(config, GENERATED)).sort(byJson),
    concurrency: snapshot.concurrency,
    tags: snapshot.tags,
    layers: snapshot.layers.map((layer) => ({ name: layerName(layer.arn), sha256: layer.code.sha256 })),
    triggers: snapshot.triggers.map((record) => normalizeTrigger(record)).sort(byJson),
  };
}

/** Takes the picture of a live function (its code and layers go to `scratch`, content-addressed). */
export async function livePicture(
  scratch: BackupStore,
  region: string,
  name: string,
): Promise<FunctionPicture> {
  clearListingMemos();
  return pictureOf(await snapshotFunction(scratch, region, name));
}

export interface ExpectationOptions {
  /** Where restored stream mappings start (the restore's `startingPosition`): LATEST unless RECORDED. */
  startingPosition?: 'LATEST' | 'RECORDED';
}

/**
 * The picture a faithful restore of `snapshot` must produce in the mapper's target: every ARN
 * mapped (region, account, suffixed names, API ids, republished version numbers), names renamed.
 */
export function expectedPicture(
  snapshot: FunctionSnapshot,
  mapper: ArnMapper,
  options: ExpectationOptions = {},
): FunctionPicture {
  const version = (number: string) => mapper.mapVersion(snapshot.name, number);
  const renamed = (configuration: object) => ({
    ...mapper.mapDeep(configuration),
    FunctionName: mapper.mapName('function', snapshot.name),
  });
  const mapped: FunctionSnapshot = {
    ...snapshot,
    configuration: renamed(snapshot.configuration),
    versions: snapshot.versions.map((entry) => ({
      ...entry,
      version: version(entry.version),
      configuration: { ...renamed(entry.configuration), Version: version(entry.version) },
    })),
    aliases: snapshot.aliases.map((alias) => {
      const weights = alias.RoutingConfig?.AdditionalVersionWeights;
      return {
        ...mapper.mapDeep(alias),
        FunctionVersion: version(alias.FunctionVersion ?? '$LATEST'),
        ...(weights
          ? {
              RoutingConfig: {
                AdditionalVersionWeights: Object.fromEntries(
                  Object.entries(weights).map(([key, weight]) => [version(key), weight]),
                ),
              },
            }
          : {}),
      };
    }),
    policy: mapper.mapDeep(snapshot.policy),
    urlConfigs: mapper.mapDeep(snapshot.urlConfigs),
    eventInvokeConfigs: mapper.mapDeep(snapshot.eventInvokeConfigs),
    layers: snapshot.layers.map((layer) => ({ ...layer, arn: mapper.mapArn(layer.arn) })),
    triggers: [],
  };
  const picture = pictureOf(mapped);
  picture.triggers = snapshot.triggers
    .map((record) => {
      const type = TRIGGER_TYPES.find((candidate) => candidate.type === record.type);
      const restoreOptions = { edge: false, startingPosition: options.startingPosition ?? 'LATEST' } as const;
      const expected = type?.expectedRecord?.(record, mapper, restoreOptions) ?? mapper.mapDeep(record);
      return normalizeTrigger(
        expected,
        generatedIdsOf(record).map((id) => (id.startsWith('arn:') ? mapper.mapArn(id) : id)),
      );
    })
    .sort(byJson);
  return picture;
}
