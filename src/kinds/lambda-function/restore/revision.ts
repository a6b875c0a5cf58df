import type { FunctionCode, FunctionConfiguration } from '@aws-sdk/client-lambda';
import { IntegrityError } from '../../../errors.js';
import type { ArnMapper } from '../../../reconcile/arn-map.js';
import type { RestoreContext } from '../../../reconcile/context.js';
import { diffFields, pick } from '../../../reconcile/diff.js';
import { readBlob, storedCodeLocation } from '../../../reconcile/store-code.js';
import { sha256Hex } from '../../../store/hashing.js';
import type { FunctionSnapshot, StoredCode } from '../format.js';

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
export interface Revision {
  settings: Record<string, unknown>;
  /** CodeSha256 as Lambda reports it. */
  codeSha256: string;
  code: FunctionSnapshot['code'];
  architectures?: string[];
}

export const revisionOf = (
  configuration: FunctionConfiguration,
  code: Revision['code'],
  mapper: ArnMapper,
): Revision => ({
  settings: mapper.mapDeep(functionSettings(configuration)),
  codeSha256: configuration.CodeSha256 ?? '',
  code,
  architectures: configuration.Architectures,
});

export const sameRevision = (current: FunctionConfiguration, wanted: Revision) =>
  current.CodeSha256 === wanted.codeSha256 &&
  diffFields(functionSettings(current), wanted.settings).length === 0;

/** ZipFile bytes from the store, or the object in place when the store is an S3 bucket of the target region. */
export async function codeInput(context: RestoreContext, code: StoredCode): Promise<FunctionCode> {
  const inPlace = await storedCodeLocation(context.store, code, context.targetRegion);
  if (inPlace) return inPlace;
  const bytes = await readBlob(context.store, code.path);
  if (bytes.length !== code.bytes || sha256Hex(bytes) !== code.sha256)
    throw new IntegrityError(`${code.path}: stored bytes are not the code the backup recorded: refused`);
  return { ZipFile: bytes };
}
