import type {
  AliasConfiguration,
  FunctionConfiguration,
  FunctionEventInvokeConfig,
  FunctionUrlConfig,
  ProvisionedConcurrencyConfigListItem,
} from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { awsShape, parseOrThrow, Sha256Hex } from '../../../schemas/common.js';
import { PolicyStatement } from '../../aws/lambda-policy.js';
import { artifactKey } from '../../store/layout.js';
import type { BackupStore } from '../../store/store.js';
import { TriggerRecord } from '../../triggers/types.js';
import { LayerPermission } from './layer-permissions.js';

/**
 * function.json, the stored snapshot of one function: everything a restore needs, its code by
 * reference to content-addressed blobs. Read back by parsing with these schemas.
 */

/** What a code or layer package became in the store. */
export const StoredCode = z.strictObject({
  sha256: Sha256Hex,
  bytes: z.number().int().nonnegative(),
  path: z.string().min(1),
});
export type StoredCode = z.infer<typeof StoredCode>;

/** The run's policy did not make code critical: only CodeSha256 (in the configuration) was kept. */
const NotCaptured = z.strictObject({ notCaptured: z.literal('policy') });
/** An image-packaged function's code is its image; the snapshot records where it is. */
const ImageCode = z.strictObject({
  imageUri: z.string().optional(),
  resolvedImageUri: z.string().optional(),
});
/** Tried in this order: a stored package, nothing captured, an image. */
const Code = z.union([StoredCode, NotCaptured, ImageCode]);

const Configuration = awsShape<FunctionConfiguration>({
  FunctionName: z.string(),
  FunctionArn: z.string(),
  CodeSha256: z.string().optional(),
});

export const FunctionSnapshot = z.object({
  format: z.literal(1),
  region: z.string(),
  name: z.string(),
  arn: z.string(),
  configuration: Configuration,
  code: Code,
  tags: z.record(z.string(), z.string()),
  versions: z.array(z.object({ version: z.string(), configuration: Configuration, code: Code })),
  aliases: z.array(awsShape<AliasConfiguration>({ Name: z.string() })),
  policy: z.array(z.object({ qualifier: z.string().optional(), statements: z.array(PolicyStatement) })),
  urlConfigs: z.array(
    awsShape<FunctionUrlConfig & { qualifier?: string }>({ qualifier: z.string().optional() }),
  ),
  eventInvokeConfigs: z.array(awsShape<FunctionEventInvokeConfig>({})),
  concurrency: z.object({
    reserved: z.number().int().optional(),
    provisioned: z.union([
      z.array(awsShape<ProvisionedConcurrencyConfigListItem>({})),
      z.literal('unsupported-by-endpoint'),
    ]),
  }),
  codeSigningConfigArn: z.string().optional(),
  layers: z.array(
    z.object({
      arn: z.string(),
      code: StoredCode,
      description: z.string().optional(),
      compatibleRuntimes: z.array(z.string()).optional(),
      compatibleArchitectures: z.array(z.string()).optional(),
      licenseInfo: z.string().optional(),
      /** Who may use the layer version (its policy); absent: not captured (older snapshot, or not readable). */
      permissions: z.array(LayerPermission).optional(),
    }),
  ),
  triggers: z.array(TriggerRecord),
  /** Parts the run's policy did not make critical, so not captured (layers are then not stored either). */
  notCaptured: z.array(z.enum(['code', 'triggers'])).optional(),
});
export type FunctionSnapshot = z.infer<typeof FunctionSnapshot>;

/** Where a run keeps a function's snapshot. */
export const snapshotKey = (runId: string, region: string, name: string): string =>
  artifactKey(runId, region, 'lambda-function', name, 'function.json');

/** A stored snapshot, validated. */
export const readSnapshot = async (store: BackupStore, key: string): Promise<FunctionSnapshot> =>
  parseOrThrow(FunctionSnapshot, await store.getJson(key), `function snapshot ${key}`);

/** The stored snapshot of a function of a run, validated. */
export const loadFunctionSnapshot = (
  store: BackupStore,
  runId: string,
  region: string,
  name: string,
): Promise<FunctionSnapshot> => readSnapshot(store, snapshotKey(runId, region, name));
