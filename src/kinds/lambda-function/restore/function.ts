import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  type FunctionCode,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  paginateListVersionsByFunction,
  TagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import type { Change } from '../../../../schemas/restore.js';
import type { ItemResult } from '../../../../schemas/work-item.js';
import { client } from '../../../aws/clients.js';
import { ifExists } from '../../../aws/errors.js';
import { IntegrityError } from '../../../errors.js';
import { type ArnMapper, createArnMapper } from '../../../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../../../reconcile/context.js';
import { diffFields, pick, reconcile } from '../../../reconcile/diff.js';
import { restoreStatements } from '../../../reconcile/permissions.js';
import { readBlob, storedCodeLocation } from '../../../reconcile/store-code.js';
import { loadFunctionSnapshot } from '../../../restore/manifest.js';
import type { StoredCode } from '../capture.js';

/** What restore sets on a function and compares, with the defaults AWS reports made explicit. */
export function functionSettings(config: FunctionConfiguration): Record<string, unknown> {
  const vpc = config.VpcConfig;
  return {
    ...pick(config, ['Runtime', 'Handler', 'Role', 'Timeout', 'MemorySize', 'LoggingConfig', 'KMSKeyArn']),
    Description: config.Description ?? '',
    Environment: { Variables: config.Environment?.Variables ?? {} },
    Layers: (config.Layers ?? []).map((layer) => layer.Arn),
    ...(config.TracingConfig?.Mode ? { TracingConfig: { Mode: config.TracingConfig.Mode } } : {}),
    ...(config.EphemeralStorage?.Size ? { EphemeralStorage: { Size: config.EphemeralStorage.Size } } : {}),
    ...(config.DeadLetterConfig?.TargetArn
      ? { DeadLetterConfig: { TargetArn: config.DeadLetterConfig.TargetArn } }
      : {}),
    ...(vpc?.SubnetIds?.length
      ? { VpcConfig: pick(vpc, ['SubnetIds', 'SecurityGroupIds', 'Ipv6AllowedForDualStack']) }
      : {}),
    ...(config.FileSystemConfigs?.length ? { FileSystemConfigs: config.FileSystemConfigs } : {}),
    ...(config.ImageConfigResponse?.ImageConfig
      ? { ImageConfig: config.ImageConfigResponse.ImageConfig }
      : {}),
    ...(config.SnapStart?.ApplyOn && config.SnapStart.ApplyOn !== 'None'
      ? { SnapStart: { ApplyOn: config.SnapStart.ApplyOn } }
      : {}),
  };
}

/** One state of the function's code and configuration: a version, or $LATEST. */
interface Revision {
  settings: Record<string, unknown>;
  /** CodeSha256 as Lambda reports it. */
  codeSha256: string;
  code: StoredCode | { imageUri?: string };
  architectures?: string[];
}

const revisionOf = (
  configuration: FunctionConfiguration,
  code: Revision['code'],
  mapper: ArnMapper,
): Revision => ({
  settings: mapper.mapDeep(functionSettings(configuration)),
  codeSha256: configuration.CodeSha256 ?? '',
  code,
  architectures: configuration.Architectures,
});

const sameRevision = (current: FunctionConfiguration, wanted: Revision) =>
  current.CodeSha256 === wanted.codeSha256 &&
  diffFields(functionSettings(current), wanted.settings).length === 0;

/** Restores one function: code, configuration, versions, aliases, URLs, concurrency, invoke configs, policy. */
export async function restoreFunction(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const snapshot = await loadFunctionSnapshot(context.store, context.runId, item.region, item.name);
  const name = context.mapper.mapName('function', snapshot.name);
  const region = context.targetRegion;
  const packages = [snapshot.code, ...snapshot.versions.map((version) => version.code)];
  if (packages.some((code) => !('path' in code) && !('imageUri' in code && code.imageUri)))
    return {
      changes: [
        {
          resource: `function ${name}`,
          action: 'blocked',
          note: `run ${context.runId} did not capture its code`,
        },
      ],
      notes: [],
    };
  const lambda = client(LambdaClient, region);
  const notes: string[] = [];
  const changes: Change[] = [];
  const waitOptions = { client: lambda, maxWaitTime: 300, minDelay: 1, maxDelay: 5 };
  const codeFor = async (code: Revision['code']): Promise<FunctionCode> =>
    'path' in code ? await codeInput(context, code) : { ImageUri: code.imageUri };

  const found = await ifExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })));
  const latest = revisionOf(snapshot.configuration, snapshot.code, context.mapper);
  const firstVersion = snapshot.versions[0];
  const initial = firstVersion
    ? revisionOf(firstVersion.configuration, firstVersion.code, context.mapper)
    : latest;
  let state: Revision | undefined = found?.Configuration && {
    settings: functionSettings(found.Configuration),
    codeSha256: found.Configuration.CodeSha256 ?? '',
    code: {},
  };
  const bringLatestTo = async (wanted: Revision) => {
    if (!state) return;
    if (state.codeSha256 !== wanted.codeSha256) {
      const code = await codeFor(wanted.code);
      await lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: name,
          ...code,
          Architectures: wanted.architectures as never,
        }),
      );
      await waitUntilFunctionUpdatedV2(waitOptions, { FunctionName: name });
    }
    if (diffFields(state.settings, wanted.settings).length > 0) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, ...(wanted.settings as object) }),
      );
      await waitUntilFunctionUpdatedV2(waitOptions, { FunctionName: name });
    }
    state = wanted;
  };

  // $LATEST of an existing function is compared first: it decides whether versions may be published.
  let latestDiffers = false;
  if (found?.Configuration) {
    const current = { ...functionSettings(found.Configuration), CodeSha256: found.Configuration.CodeSha256 };
    const change = await reconcile(
      { apply: false, force: context.force },
      {
        resource: `function ${name}`,
        current,
        desired: { ...latest.settings, CodeSha256: latest.codeSha256 },
        create: async () => undefined,
        update: async () => undefined,
      },
    );
    latestDiffers = change.action === 'differs' || change.action === 'update';
    changes.push(change);
  } else {
    changes.push({ resource: `function ${name}`, action: 'create' });
    if (context.apply) {
      await lambda.send(
        new CreateFunctionCommand({
          ...(initial.settings as { Role: string }),
          FunctionName: name,
          Code: await codeFor(initial.code),
          PackageType: snapshot.configuration.PackageType,
          Architectures: initial.architectures as never,
          Tags: snapshot.tags,
          CodeSigningConfigArn: context.mapper.mapArn(snapshot.codeSigningConfigArn),
        }),
      );
      await waitUntilFunctionActiveV2(waitOptions, { FunctionName: name });
      state = initial;
    }
  }
  const exists = Boolean(found) || context.apply;

  // Versions, in order, each with its own code and configuration.
  const published: FunctionConfiguration[] = [];
  if (found) {
    for await (const page of paginateListVersionsByFunction({ client: lambda }, { FunctionName: name }))
      published.push(...(page.Versions ?? []).filter((version) => version.Version !== '$LATEST'));
  }
  const versionMap: Record<string, string> = {};
  let last = published.at(-1);
  let lastRevision: Revision | undefined = last && {
    settings: functionSettings(last),
    codeSha256: last.CodeSha256 ?? '',
    code: {},
  };
  let next = Math.max(0, ...published.map((version) => Number(version.Version))) + 1;
  let publishedAny = false;
  for (const stored of snapshot.versions) {
    const wanted = revisionOf(stored.configuration, stored.code, context.mapper);
    const resource = `version ${stored.version} of ${name}`;
    const same = published.find((version) => version.Version === stored.version);
    const equal =
      same && sameRevision(same, wanted) ? same : published.find((version) => sameRevision(version, wanted));
    if (equal?.Version) {
      versionMap[stored.version] = equal.Version;
      const drift =
        equal.Version !== stored.version ? `already published as version ${equal.Version}` : undefined;
      changes.push({ resource, action: 'unchanged', ...(drift ? { note: drift } : {}) });
      continue;
    }
    if (same && !context.force) {
      const fields = diffFields(
        { ...functionSettings(same), CodeSha256: same.CodeSha256 },
        { ...wanted.settings, CodeSha256: wanted.codeSha256 },
      );
      changes.push({
        resource,
        action: 'differs',
        fields,
        note: 'versions cannot change: --force publishes a new version',
      });
      continue;
    }
    if (latestDiffers && !context.force) {
      changes.push({
        resource,
        action: 'differs',
        note: 'publishing it changes $LATEST, which differs from the backup: use --force',
      });
      continue;
    }
    let number: string;
    if (context.apply) {
      await bringLatestTo(wanted);
      const description = stored.configuration.Description;
      const response = await lambda.send(
        new PublishVersionCommand({
          FunctionName: name,
          Description: description,
          CodeSha256: wanted.codeSha256,
        }),
      );
      number = response.Version as string;
      await waitUntilFunctionActiveV2(waitOptions, { FunctionName: name, Qualifier: number }).catch(
        () => undefined,
      );
    } else {
      const repeats =
        lastRevision &&
        lastRevision.codeSha256 === wanted.codeSha256 &&
        diffFields(lastRevision.settings, wanted.settings).length === 0;
      number = repeats && last?.Version ? last.Version : String(next++);
    }
    const repeated = last?.Version === number;
    const note = repeated
      ? `same code and configuration as version ${number}: Lambda does not publish it twice, so version ${stored.version} is version ${number}`
      : number !== stored.version
        ? `published as version ${number} (was ${stored.version}): version numbers drifted`
        : undefined;
    if (note) notes.push(`${name}: ${note}`);
    versionMap[stored.version] = number;
    last = { Version: number };
    lastRevision = wanted;
    publishedAny = true;
    changes.push({ resource, action: 'create', ...(note ? { note } : {}) });
  }
  // $LATEST last: the function's own code and configuration.
  if (context.apply && (!found || publishedAny || (latestDiffers && context.force)))
    await bringLatestTo(latest);

  const mapper = createArnMapper({
    ...context.mapper.spec,
    functionVersions: { ...context.mapper.spec.functionVersions, [snapshot.name]: versionMap },
  });
  const local: RestoreContext = { ...context, mapper };
  const arn = mapper.mapArn(snapshot.arn);
  const qualified = (qualifier?: string) => (qualifier ? `${arn}:${qualifier}` : arn);
  const read = <T>(call: () => Promise<T>) => (exists && found ? ifExists(call) : Promise.resolve(undefined));

  // Tags (set on create).
  const tags = found ? (found.Tags ?? {}) : snapshot.tags;
  changes.push(
    await reconcile(local, {
      resource: `tags of ${name}`,
      current: tags,
      desired: snapshot.tags,
      create: async () => undefined,
      update: async () => {
        await lambda.send(new TagResourceCommand({ Resource: arn, Tags: snapshot.tags }));
      },
    }),
  );

  for (const alias of snapshot.aliases) {
    const weights = alias.RoutingConfig?.AdditionalVersionWeights;
    const desired = {
      FunctionVersion: mapper.mapVersion(snapshot.name, alias.FunctionVersion ?? '$LATEST'),
      Description: alias.Description ?? '',
      ...(weights && Object.keys(weights).length
        ? {
            RoutingConfig: {
              AdditionalVersionWeights: Object.fromEntries(
                Object.entries(weights).map(([version, weight]) => [
                  mapper.mapVersion(snapshot.name, version),
                  weight,
                ]),
              ),
            },
          }
        : {}),
    };
    const current = await read(() =>
      lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias.Name })),
    );
    changes.push(
      await reconcile(local, {
        resource: `alias ${alias.Name} of ${name}`,
        current:
          current &&
          ({
            ...pick(current, ['FunctionVersion', 'RoutingConfig']),
            Description: current.Description ?? '',
          } as typeof desired),
        desired,
        create: async () => {
          await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias.Name, ...desired }));
        },
        update: async () => {
          await lambda.send(new UpdateAliasCommand({ FunctionName: name, Name: alias.Name, ...desired }));
        },
      }),
    );
  }

  for (const url of snapshot.urlConfigs) {
    const desired = pick(url, ['AuthType', 'Cors', 'InvokeMode']);
    const input = { FunctionName: name, Qualifier: url.qualifier, ...desired };
    const found = await read(() =>
      lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: url.qualifier })),
    );
    const current = found?.FunctionArn === qualified(url.qualifier) ? found : undefined;
    changes.push(
      await reconcile(local, {
        resource: `function URL of ${url.qualifier ? `${name}:${url.qualifier}` : name}`,
        current: current && pick(current, ['AuthType', 'Cors', 'InvokeMode']),
        desired,
        create: async () => {
          await lambda.send(new CreateFunctionUrlConfigCommand(input as never));
        },
        update: async () => {
          await lambda.send(new UpdateFunctionUrlConfigCommand(input as never));
        },
      }),
    );
  }

  const reserved = snapshot.concurrency.reserved;
  if (reserved !== undefined) {
    const current = await read(() => lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })));
    const put = async () => {
      await lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: reserved }),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `reserved concurrency of ${name}`,
        current:
          current?.ReservedConcurrentExecutions === undefined
            ? undefined
            : { reserved: current.ReservedConcurrentExecutions },
        desired: { reserved },
        create: put,
        update: put,
      }),
    );
  }

  const provisioned = snapshot.concurrency.provisioned;
  for (const config of Array.isArray(provisioned) ? provisioned : []) {
    const qualifier = mapper.mapArn(config.FunctionArn ?? '').split(':')[7] ?? '';
    const desired = {
      RequestedProvisionedConcurrentExecutions: config.RequestedProvisionedConcurrentExecutions,
    };
    const current = await read(() =>
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: qualifier })),
    );
    const put = async () => {
      await lambda.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: name,
          Qualifier: qualifier,
          ...desired,
        } as never),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `provisioned concurrency of ${name}:${qualifier}`,
        current: current && pick(current, ['RequestedProvisionedConcurrentExecutions']),
        desired,
        create: put,
        update: put,
      }),
    );
  }

  for (const config of snapshot.eventInvokeConfigs) {
    const qualifier = mapper.mapArn(config.FunctionArn ?? '').split(':')[7] ?? '$LATEST';
    const desired = mapper.mapDeep(
      pick(config, ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']),
    );
    const current = await read(() =>
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier })),
    );
    const put = async () => {
      await lambda.send(
        new PutFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: qualifier, ...desired }),
      );
    };
    changes.push(
      await reconcile(local, {
        resource: `event invoke config of ${name}:${qualifier}`,
        current:
          current && pick(current, ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig']),
        desired,
        create: put,
        update: put,
      }),
    );
  }

  if (snapshot.codeSigningConfigArn) {
    const desired = { CodeSigningConfigArn: mapper.mapArn(snapshot.codeSigningConfigArn) };
    const current = await read(() =>
      lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name })),
    );
    const put = async () => {
      await lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: name, ...desired }));
    };
    changes.push(
      await reconcile(local, {
        resource: `code signing config of ${name}`,
        current: current?.CodeSigningConfigArn ? pick(current, ['CodeSigningConfigArn']) : undefined,
        desired,
        create: put,
        update: put,
      }),
    );
  }

  if (exists || !context.apply)
    changes.push(
      ...(await restoreStatements(
        local,
        snapshot.policy.flatMap((entry) => entry.statements),
      )),
    );
  if (context.targetRegion !== context.sourceRegion && latest.settings.VpcConfig)
    notes.push(`${name}: subnets and security groups are regional; map them before invoking it in ${region}`);
  return { changes, notes, details: { targetName: name, versionMap } };
}

/** ZipFile bytes from the store, or the object in place when the store is an S3 bucket of the target region. */
async function codeInput(context: RestoreContext, code: StoredCode): Promise<FunctionCode> {
  const inPlace = storedCodeLocation(context.store, code.path, context.targetRegion);
  if (inPlace) return inPlace;
  const bytes = await readBlob(context.store, code.path);
  if (bytes.length !== code.bytes)
    throw new IntegrityError(`${code.path}: stored ${bytes.length} bytes, expected ${code.bytes}`);
  return { ZipFile: bytes };
}
