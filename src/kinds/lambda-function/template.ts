import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { ItemResult } from '../../../schemas/work-item.js';
import type { PolicyStatement } from '../../aws/lambda-policy.js';
import { InputValidationError } from '../../errors.js';
import { type Expression, getAtt, ref, type TemplateBuilder } from '../../reconcile/template.js';
import type { TriggerRecord } from '../../triggers/types.js';
import type { TemplateContext } from '../types.js';
import { type FunctionSnapshot, readSnapshot, StoredCode } from './format.js';

/**
 * IaC export of a function: AWS::Lambda::Function with its code from the stored blobs (the
 * `CodeBucket`/`CodeKeyPrefix` parameters), configuration, tags and reserved concurrency; a
 * AWS::Lambda::Version per recorded version, in order, each staged so that it is published from the
 * code and settings that version had (see reconcile/template.ts); aliases with their weights and
 * provisioned concurrency; URLs, asynchronous invoke configs, the layer versions it uses (owned by the
 * account) and the resource-policy statements its triggers do not bring themselves.
 *
 * What must differ is a parameter: the execution role, VPC subnets and security groups, keys,
 * dead-letter and destination targets, file systems, foreign layers; names get `NameSuffix`.
 */

type Code = FunctionSnapshot['code'];

const byNumber = (a: { version: string }, b: { version: string }) => Number(a.version) - Number(b.version);
const layerNameOf = (arn: string) => arn.split(':')[6] ?? 'layer';

/** The layer versions of the snapshot the account owns: one AWS::Lambda::LayerVersion each (shared). */
function layerRefs(snapshot: FunctionSnapshot, builder: TemplateBuilder): Map<string, Expression> {
  const refs = new Map<string, Expression>();
  for (const layer of snapshot.layers) {
    if (layer.arn.split(':')[4] !== builder.options.sourceAccount) continue;
    const id = builder.once(`layer ${layer.arn}`, () => {
      const created = builder.logicalId('layer', layerNameOf(layer.arn), layer.arn.split(':')[7] ?? '');
      return builder.resource(created, {
        Type: 'AWS::Lambda::LayerVersion',
        Properties: {
          LayerName: builder.name(layerNameOf(layer.arn)),
          Content: builder.code(layer.code.sha256),
          Description: layer.description,
          CompatibleRuntimes: layer.compatibleRuntimes,
          CompatibleArchitectures: layer.compatibleArchitectures,
          LicenseInfo: layer.licenseInfo,
        },
      });
    });
    // Ref of a layer version is its ARN.
    refs.set(layer.arn, ref(id));
  }
  return refs;
}

/** The Code property of a stored package or image; a run that kept no code cannot be exported. */
function codeOf(code: Code, name: string, builder: TemplateBuilder) {
  const stored = StoredCode.safeParse(code);
  if (stored.success) return builder.code(stored.data.sha256);
  if ('imageUri' in code || 'resolvedImageUri' in code) {
    const image = code as { imageUri?: string; resolvedImageUri?: string };
    return {
      ImageUri: builder.source(
        image.resolvedImageUri ?? image.imageUri ?? '',
        `Container image of ${name}`,
        `${name} image`,
      ),
    };
  }
  throw new InputValidationError(
    `function ${name}: the run did not store its code (policy), so it cannot be exported`,
  );
}

/** The properties of AWS::Lambda::Function for one configuration (a version's, or $LATEST's). */
function functionProperties(
  snapshot: FunctionSnapshot,
  configuration: FunctionConfiguration,
  code: Code,
  layers: Map<string, Expression>,
  builder: TemplateBuilder,
): Record<string, unknown> {
  const { name } = snapshot;
  const c = configuration;
  const vpc = c.VpcConfig?.SubnetIds?.length ? c.VpcConfig : undefined;
  const list = (id: string, values: string[], what: string) =>
    builder.parameter(
      builder.once(`list ${id} ${values.join(',')}`, () => builder.logicalId(name, id)),
      {
        Type: 'CommaDelimitedList',
        Default: values.join(','),
        Description: `${what} of ${name} (recorded)`,
      },
    );
  return {
    FunctionName: builder.name(name),
    Description: c.Description || undefined,
    Role: builder.role(c.Role as string),
    PackageType: c.PackageType === 'Image' ? 'Image' : undefined,
    Runtime: c.Runtime,
    Handler: c.Handler,
    Code: codeOf(code, name, builder),
    ImageConfig: c.ImageConfigResponse?.ImageConfig,
    MemorySize: c.MemorySize,
    Timeout: c.Timeout,
    Architectures: c.Architectures,
    EphemeralStorage: c.EphemeralStorage,
    Environment: c.Environment?.Variables ? { Variables: c.Environment.Variables } : undefined,
    Layers: c.Layers?.length
      ? c.Layers.map(
          (layer) =>
            layers.get(layer.Arn as string) ??
            builder.source(
              layer.Arn as string,
              `Layer of ${name} from another account`,
              `layer ${layerNameOf(layer.Arn as string)}`,
            ),
        )
      : undefined,
    TracingConfig: c.TracingConfig?.Mode ? { Mode: c.TracingConfig.Mode } : undefined,
    VpcConfig: vpc && {
      SubnetIds: list('subnets', vpc.SubnetIds ?? [], 'VPC subnets'),
      SecurityGroupIds: list('security groups', vpc.SecurityGroupIds ?? [], 'VPC security groups'),
      Ipv6AllowedForDualStack: vpc.Ipv6AllowedForDualStack || undefined,
    },
    DeadLetterConfig: c.DeadLetterConfig?.TargetArn
      ? {
          TargetArn: builder.target(
            c.DeadLetterConfig.TargetArn,
            `Dead-letter target of ${name}`,
            `${name} dead letters`,
          ),
        }
      : undefined,
    KmsKeyArn: c.KMSKeyArn
      ? builder.source(c.KMSKeyArn, `KMS key of ${name}'s environment`, `${name} key`)
      : undefined,
    FileSystemConfigs: c.FileSystemConfigs?.length
      ? c.FileSystemConfigs.map((fs) => ({
          Arn: builder.source(fs.Arn as string, `EFS access point of ${name}`, `${name} file system`),
          LocalMountPath: fs.LocalMountPath,
        }))
      : undefined,
    LoggingConfig: c.LoggingConfig && {
      LogFormat: c.LoggingConfig.LogFormat,
      ApplicationLogLevel: c.LoggingConfig.ApplicationLogLevel,
      SystemLogLevel: c.LoggingConfig.SystemLogLevel,
      LogGroup: c.LoggingConfig.LogGroup === `/aws/lambda/${name}` ? undefined : c.LoggingConfig.LogGroup,
    },
    SnapStart:
      c.SnapStart?.ApplyOn && c.SnapStart.ApplyOn !== 'None' ? { ApplyOn: c.SnapStart.ApplyOn } : undefined,
    ReservedConcurrentExecutions: snapshot.concurrency.reserved,
    CodeSigningConfigArn: snapshot.codeSigningConfigArn
      ? builder.source(
          snapshot.codeSigningConfigArn,
          `Code signing config of ${name}`,
          `${name} code signing`,
        )
      : undefined,
    // Tags under aws: are AWS's own; CloudFormation adds its own.
    Tags: Object.entries(snapshot.tags)
      .filter(([key]) => !key.startsWith('aws:'))
      .map(([Key, Value]) => ({ Key, Value })),
  };
}

/** Each property staged: version k's value in stage k, $LATEST's in the final template. */
function stagedProperties(
  perStage: Record<string, unknown>[],
  final: Record<string, unknown>,
  builder: TemplateBuilder,
): Record<string, unknown> {
  const keys = [...new Set([...perStage.flatMap(Object.keys), ...Object.keys(final)])];
  return Object.fromEntries(
    keys.map((key) => [
      key,
      builder.staged(
        perStage.map((properties) => properties[key]),
        final[key],
      ),
    ]),
  );
}

const qualifierOf = (arn: string | undefined) => arn?.split(':')[7];

/** Statements of the function's policy that none of its triggers brings (those come with the trigger). */
function ownStatements(snapshot: FunctionSnapshot): { qualifier?: string; statement: PolicyStatement }[] {
  const brought = new Set(
    snapshot.triggers.flatMap((trigger) =>
      trigger.permissions.map((statement) => `${JSON.stringify(statement.Resource)}|${statement.Sid}`),
    ),
  );
  return snapshot.policy.flatMap((entry) =>
    entry.statements
      .filter((statement) => !brought.has(`${JSON.stringify(statement.Resource)}|${statement.Sid}`))
      .map((statement) => ({ qualifier: entry.qualifier, statement })),
  );
}

/** Adds the function of `item` (see the module comment) and returns its triggers. */
export async function templateFunction(
  item: ItemResult,
  { store, builder }: TemplateContext,
): Promise<{ triggers: TriggerRecord[] }> {
  const path = item.artifacts.find((artifact) => artifact.role === 'config')?.path;
  if (!path) throw new InputValidationError(`function ${item.name}: the run stored no snapshot`);
  const snapshot = await readSnapshot(store, path);
  const { name } = snapshot;
  const layers = layerRefs(snapshot, builder);
  const versions = [...snapshot.versions].sort(byNumber);
  const fn = builder.logicalId('function', name);
  const refs = {
    function: fn,
    versions: {} as Record<string, string>,
    aliases: {} as Record<string, string>,
  };
  for (const version of versions)
    refs.versions[version.version] = builder.logicalId(name, 'version', version.version);
  for (const alias of snapshot.aliases)
    refs.aliases[alias.Name as string] = builder.logicalId(name, 'alias', alias.Name as string);
  builder.registerFunction(snapshot.arn, refs);
  if (versions.length > builder.options.stages)
    throw new InputValidationError(
      `function ${name}: ${versions.length} versions, but the export planned ${builder.options.stages} stages`,
    );

  builder.resource(fn, {
    Type: 'AWS::Lambda::Function',
    Properties: stagedProperties(
      versions.map((version) =>
        functionProperties(snapshot, version.configuration, version.code, layers, builder),
      ),
      functionProperties(snapshot, snapshot.configuration, snapshot.code, layers, builder),
      builder,
    ),
  });
  builder.output(builder.logicalId(name, 'arn'), getAtt(fn, 'Arn'), `ARN of ${name}`);
  const provisioned = Array.isArray(snapshot.concurrency.provisioned) ? snapshot.concurrency.provisioned : [];
  const provisionedFor = (qualifier: string) => {
    const config = provisioned.find((entry) => qualifierOf(entry.FunctionArn) === qualifier);
    return config?.RequestedProvisionedConcurrentExecutions
      ? { ProvisionedConcurrentExecutions: config.RequestedProvisionedConcurrentExecutions }
      : undefined;
  };

  // Versions in order: version k appears in stage k, after version k-1, with the code it had.
  versions.forEach((version, index) => {
    builder.resource(
      refs.versions[version.version] as string,
      {
        Type: 'AWS::Lambda::Version',
        Properties: {
          FunctionName: ref(fn),
          Description: version.configuration.Description || undefined,
          // Publishing fails rather than publish other code (a final template deployed alone).
          CodeSha256: version.configuration.CodeSha256,
          ProvisionedConcurrencyConfig: provisionedFor(version.version),
        },
        DependsOn: index > 0 ? [refs.versions[versions[index - 1]?.version as string] as string] : undefined,
      },
      { from: index + 1 },
    );
  });
  if (versions.some((version) => Number(version.version) !== versions.indexOf(version) + 1))
    builder.note(
      `${name}: versions ${versions.map((v) => v.version).join(', ')} are published again as 1…${versions.length}; aliases follow them`,
    );

  const versionRef = (version: string | undefined) =>
    version === undefined || version === '$LATEST'
      ? '$LATEST'
      : getAtt(refs.versions[version] ?? fn, 'Version');
  for (const alias of snapshot.aliases) {
    const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
    builder.resource(
      refs.aliases[alias.Name as string] as string,
      {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: ref(fn),
          Name: alias.Name,
          Description: alias.Description || undefined,
          FunctionVersion: versionRef(alias.FunctionVersion),
          RoutingConfig: Object.keys(weights).length
            ? {
                AdditionalVersionWeights: Object.entries(weights).map(([version, weight]) => ({
                  FunctionVersion: versionRef(version),
                  FunctionWeight: weight,
                })),
              }
            : undefined,
          ProvisionedConcurrencyConfig: provisionedFor(alias.Name as string),
        },
      },
      { finalOnly: true },
    );
  }
  const on = (qualifier: string | undefined) =>
    qualifier && qualifier !== '$LATEST'
      ? (builder.functionRef(`${snapshot.arn}:${qualifier}`) ?? ref(fn))
      : ref(fn);

  for (const url of snapshot.urlConfigs) {
    const qualifier = url.qualifier ?? qualifierOf(url.FunctionArn);
    builder.resource(
      builder.logicalId(name, 'url', qualifier ?? ''),
      {
        Type: 'AWS::Lambda::Url',
        Properties: {
          TargetFunctionArn: ref(fn),
          Qualifier: qualifier && qualifier !== '$LATEST' ? qualifier : undefined,
          AuthType: url.AuthType,
          Cors: url.Cors,
          InvokeMode: url.InvokeMode,
        },
        DependsOn: qualifier && refs.aliases[qualifier] ? [refs.aliases[qualifier] as string] : undefined,
      },
      { finalOnly: true },
    );
  }
  for (const config of snapshot.eventInvokeConfigs) {
    const qualifier = qualifierOf(config.FunctionArn) ?? '$LATEST';
    const destination = (arn: string | undefined, what: string) =>
      arn
        ? { Destination: builder.target(arn, `${what} destination of ${name}`, `${name} ${what}`) }
        : undefined;
    builder.resource(
      builder.logicalId(name, 'invoke config', qualifier),
      {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: ref(fn),
          Qualifier: qualifier,
          MaximumRetryAttempts: config.MaximumRetryAttempts,
          MaximumEventAgeInSeconds: config.MaximumEventAgeInSeconds,
          DestinationConfig:
            config.DestinationConfig?.OnSuccess?.Destination ||
            config.DestinationConfig?.OnFailure?.Destination
              ? {
                  OnSuccess: destination(config.DestinationConfig.OnSuccess?.Destination, 'on-success'),
                  OnFailure: destination(config.DestinationConfig.OnFailure?.Destination, 'on-failure'),
                }
              : undefined,
        },
        DependsOn: refs.aliases[qualifier] ? [refs.aliases[qualifier] as string] : undefined,
      },
      { finalOnly: true },
    );
  }
  for (const { qualifier, statement } of ownStatements(snapshot))
    builder.permission(statement, on(qualifier ?? qualifierOf([statement.Resource].flat()[0])));
  if (snapshot.notCaptured?.includes('triggers'))
    builder.note(`${name}: the run did not record its triggers (policy): none exported`);
  return { triggers: snapshot.triggers };
}
