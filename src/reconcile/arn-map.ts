import type { KindName } from '../../schemas/common.js';
import type { ArnMapSpec } from '../../schemas/restore.js';

/**
 * The kinds of names a restore may rename with the suffix: each resource kind's names (a function's
 * is `function`), layers, and the rules and schedules triggers own.
 */
export type NameKind = Exclude<KindName, 'lambda-function'> | 'function' | 'layer' | 'rule' | 'schedule';

/**
 * How a resource kind's names appear in ARNs of `service`: `resource` matches the resource part (after
 * the account) up to and including the name, its first group. Kinds declare theirs; the mapper knows
 * no kind by name.
 */
export interface ArnNamePattern {
  nameKind: NameKind;
  service: string;
  resource: RegExp;
  /** An ending the name must keep when renamed (`.fifo` of a FIFO queue or topic): the suffix goes before it. */
  keepEnding?: RegExp;
}

/**
 * `mapped` (the name with the restore's suffix appended) with `ending` kept last: `jobs.fifo` under
 * `-drill-1` is `jobs-drill-1.fifo`. Unchanged when the name was not renamed or has no such ending.
 */
export function keepingEnding(name: string, mapped: string, ending: RegExp | undefined): string {
  const found = ending?.exec(name);
  if (!found || mapped === name || !mapped.startsWith(name)) return mapped;
  const base = name.slice(0, found.index);
  return `${base}${mapped.slice(name.length)}${name.slice(found.index)}`;
}

export interface ArnMapper {
  readonly spec: ArnMapSpec;
  /** The name a restored resource gets in the target (the suffix when it is restored), else the name itself. */
  mapName(kind: NameKind, name: string): string;
  /** True when this restore re-creates the resource of that kind and name. */
  isRestored(kind: NameKind, name: string): boolean;
  /** Rewrites region, account and restored names (and API ids, layer and function versions) of one ARN. */
  mapArn(arn: string): string;
  mapArn(arn: string | undefined): string | undefined;
  /**
   * An ECR image URI (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG|@DIGEST`) in the target:
   * account and region mapped, the repository renamed when this restore re-creates an image of it
   * (ecr-image names are `REPOSITORY@DIGEST`). Anything else is returned as it is.
   */
  mapImageUri(uri: string): string;
  mapImageUri(uri: string | undefined): string | undefined;
  /** A copy with every string that is an ARN (or a Lambda integration URI) mapped. */
  mapDeep<T>(value: T): T;
  /** The version number a stored version of a function got when it was republished. */
  mapVersion(functionName: string, version: string): string;
  /** The same mapper with parts of its spec replaced (a function's republished version numbers). */
  derive(patch: Partial<ArnMapSpec>): ArnMapper;
}

const IMAGE_URI = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)\/([^:@]+)(.*)$/;
const LAMBDA_PATH = /^(arn:[^:]+:apigateway:)([^:]*)(:lambda:path\/[^/]+\/functions\/)(.+)(\/invocations)$/;

export function createArnMapper(spec: ArnMapSpec, patterns: readonly ArnNamePattern[] = []): ArnMapper {
  const restored = new Map(Object.entries(spec.restored).map(([kind, names]) => [kind, new Set(names)]));
  // Rules and schedules belong to their trigger: a restore always re-creates its own.
  const isRestored = (kind: NameKind, name: string) =>
    kind === 'rule' || kind === 'schedule' || (restored.get(kind)?.has(name) ?? false);
  const mapName = (kind: NameKind, name: string) =>
    spec.suffix && isRestored(kind, name) ? `${name}${spec.suffix}` : name;
  const region = (value: string) => (value === spec.sourceRegion ? spec.targetRegion : value);
  const account = (value: string) => (value === spec.sourceAccount ? spec.targetAccount : value);
  const mapVersion = (functionName: string, version: string) =>
    spec.functionVersions[functionName]?.[version] ?? version;
  const apiId = (id: string) => spec.apiIds[id] ?? id;

  /** The resource part of an ARN (everything after the account), rewritten per service. */
  const resource = (service: string, rest: string): string => {
    const parts = rest.split(/([:/])/);
    const at = (index: number) => parts[index] ?? '';
    switch (service) {
      case 'lambda': {
        // function:NAME[:QUALIFIER] | layer:NAME[:VERSION]
        const [type = '', name = '', qualifier] = rest.split(':');
        if (type === 'function') {
          const mapped = mapName('function', name);
          if (qualifier === undefined) return `function:${mapped}`;
          return `function:${mapped}:${/^\d+$/.test(qualifier) ? mapVersion(name, qualifier) : qualifier}`;
        }
        if (type === 'layer')
          return [type, mapName('layer', name), ...(qualifier ? [qualifier] : [])].join(':');
        return rest;
      }
      case 'execute-api':
        return [apiId(at(0)), ...parts.slice(1)].join('');
      case 'apigateway':
        // /restapis/ID/… or /apis/ID/…
        return rest.replace(
          /^\/(restapis|apis)\/([^/]+)/,
          (_all, kind: string, id: string) => `/${kind}/${apiId(id)}`,
        );
      case 'events':
        // event-bus/NAME, rule/NAME or rule/BUS/NAME (a custom bus a restore re-creates is renamed too)
        if (at(0) === 'event-bus') return `event-bus/${mapName('eventbridge-bus', at(2))}`;
        if (at(0) !== 'rule') return rest;
        if (parts.length > 3) parts[2] = mapName('eventbridge-bus', at(2));
        parts[parts.length - 1] = mapName('rule', parts[parts.length - 1] ?? '');
        return parts.join('');
      case 'scheduler':
        // schedule/GROUP/NAME
        if (at(0) !== 'schedule') return rest;
        parts[parts.length - 1] = mapName('schedule', parts[parts.length - 1] ?? '');
        return parts.join('');
      default: {
        for (const pattern of patterns) {
          if (pattern.service !== service) continue;
          const match = pattern.resource.exec(rest);
          const name = match?.[1];
          if (match && name !== undefined) {
            const end = match.index + match[0].length;
            const mapped = keepingEnding(name, mapName(pattern.nameKind, name), pattern.keepEnding);
            return `${rest.slice(0, end - name.length)}${mapped}${rest.slice(end)}`;
          }
        }
        return rest;
      }
    }
  };

  function mapArn(arn: string): string;
  function mapArn(arn: string | undefined): string | undefined;
  function mapArn(arn: string | undefined): string | undefined {
    if (arn === undefined || !arn.startsWith('arn:')) return arn;
    const role = spec.roles[arn];
    if (role) return role;
    const layer = spec.layerVersions[arn];
    if (layer) return layer;
    const path = LAMBDA_PATH.exec(arn);
    if (path) return `${path[1]}${region(path[2] ?? '')}${path[3]}${mapArn(path[4] ?? '')}${path[5]}`;
    const [, partition = 'aws', service = '', arnRegion = '', arnAccount = '', ...rest] = arn.split(':');
    return [
      'arn',
      partition,
      service,
      region(arnRegion),
      account(arnAccount),
      resource(service, rest.join(':')),
    ].join(':');
  }

  const mapDeep = <T>(value: T): T => {
    if (typeof value === 'string') return mapArn(value) as T;
    if (Array.isArray(value)) return value.map(mapDeep) as T;
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, mapDeep(field)])) as T;
  };

  const imageRepositories = new Set(
    [...(restored.get('ecr-image') ?? [])].map((name) => name.split('@')[0] ?? ''),
  );
  function mapImageUri(uri: string): string;
  function mapImageUri(uri: string | undefined): string | undefined;
  function mapImageUri(uri: string | undefined): string | undefined {
    const found = uri === undefined ? null : IMAGE_URI.exec(uri);
    if (!found) return uri;
    const [, registry = '', imageRegion = '', domain = '', repository = '', reference = ''] = found;
    const renamed =
      spec.suffix && imageRepositories.has(repository) ? `${repository}${spec.suffix}` : repository;
    return `${account(registry)}.dkr.ecr.${region(imageRegion)}.${domain}/${renamed}${reference}`;
  }

  const derive = (patch: Partial<ArnMapSpec>) => createArnMapper({ ...spec, ...patch }, patterns);
  return { spec, mapName, isRestored, mapArn, mapImageUri, mapDeep, mapVersion, derive };
}
