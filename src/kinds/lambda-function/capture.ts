import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionCommand,
  type GetLayerVersionCommandOutput,
  GetPolicyCommand,
  LambdaClient,
  paginateListAliases,
  paginateListFunctionEventInvokeConfigs,
  paginateListProvisionedConcurrencyConfigs,
  paginateListVersionsByFunction,
} from '@aws-sdk/client-lambda';
import type { Artifact } from '../../../schemas/work-item.js';
import { client, endpointUrl, resolveCodeLocation } from '../../aws/clients.js';
import { errorName, httpStatus, ifExists } from '../../aws/errors.js';
import type { PolicyStatement } from '../../aws/lambda-policy.js';
import { retryTransient } from '../../aws/retry.js';
import { mapLimit } from '../../concurrency.js';
import { IntegrityError, TransientAwsError } from '../../errors.js';
import { base64ToHex } from '../../store/hashing.js';
import type { BackupStore } from '../../store/store.js';
import { listTriggers } from '../../triggers/index.js';
import type { FunctionRef } from '../../triggers/types.js';
import type { FunctionSnapshot, StoredCode } from './format.js';
import { readLayerPermissions } from './layer-permissions.js';

const lambda = (region: string) => client(LambdaClient, region);

/** Calls an API whose "nothing configured" answer is ResourceNotFoundException. */
const optional = ifExists;

/** What a snapshot captures beyond configuration (a policy's critical attributes). */
export interface CaptureOptions {
  code: boolean;
  triggers: boolean;
}

async function download(location: string): Promise<Readable> {
  const response = await fetch(resolveCodeLocation(location), { signal: AbortSignal.timeout(120_000) });
  if (!response.ok || !response.body) {
    const problem = `code download answered HTTP ${response.status}`;
    throw response.status >= 500 || response.status === 429
      ? new TransientAwsError(problem)
      : new Error(problem);
  }
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/**
 * Stores a package fetched from `location` and proves it is the one AWS described: the stored bytes
 * must hash to `codeSha256Base64`. An unchanged package is found by hash and not downloaded again.
 */
/** Packages being stored right now, so versions sharing code are downloaded once, not once each. */
const inFlight = new Map<string, Promise<StoredCode>>();

export function storeCode(
  store: BackupStore,
  location: string,
  codeSha256Base64: string,
  what: string,
): Promise<StoredCode> {
  const key = `${store.url} ${codeSha256Base64}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = downloadAndStore(store, location, codeSha256Base64, what).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function downloadAndStore(
  store: BackupStore,
  location: string,
  codeSha256Base64: string,
  what: string,
): Promise<StoredCode> {
  const expected = base64ToHex(codeSha256Base64);
  // A reset mid-download fails the stream; the whole blob write is retried, never resumed half-way.
  const written = await retryTransient(() => store.putBlob(() => download(location), expected));
  if (written.sha256 !== expected) {
    throw new IntegrityError(
      `${what}: downloaded code hashes to ${written.sha256}, AWS reports CodeSha256 ${expected}`,
    );
  }
  return { sha256: written.sha256, bytes: written.bytes, path: written.key };
}

async function storeFunctionCode(
  store: BackupStore,
  response: GetFunctionCommandOutput,
  what: string,
  capture = true,
) {
  const configuration = response.Configuration ?? {};
  if (!capture) return { notCaptured: 'policy' as const };
  if (configuration.PackageType === 'Image') {
    return { imageUri: response.Code?.ImageUri, resolvedImageUri: response.Code?.ResolvedImageUri };
  }
  if (!response.Code?.Location || !configuration.CodeSha256)
    throw new IntegrityError(`${what}: GetFunction returned no code location`);
  return storeCode(store, response.Code.Location, configuration.CodeSha256, what);
}

const qualifiedArn = (arn: string, qualifier?: string) => (qualifier ? `${arn}:${qualifier}` : arn);

/** A qualifier's own statements name it in Resource; anything else answered for it is not its own. */
async function readPolicy(region: string, arn: string, qualifier?: string): Promise<PolicyStatement[]> {
  const response = await optional(() =>
    lambda(region).send(new GetPolicyCommand({ FunctionName: arn, Qualifier: qualifier })),
  );
  if (!response?.Policy) return [];
  const statements = (JSON.parse(response.Policy) as { Statement?: PolicyStatement[] }).Statement ?? [];
  return statements.filter((statement) => [statement.Resource].flat().includes(qualifiedArn(arn, qualifier)));
}

export async function collect<T, P>(
  pages: AsyncIterable<P>,
  pick: (page: P) => T[] | undefined,
): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(pick(page) ?? []));
  return all;
}

async function provisionedConcurrency(region: string, name: string) {
  try {
    return await collect(
      paginateListProvisionedConcurrencyConfigs({ client: lambda(region) }, { FunctionName: name }),
      (page) => page.ProvisionedConcurrencyConfigs,
    );
  } catch (error) {
    // moto has no provisioned-concurrency API and answers 404 with an HTML page; AWS always has it.
    const unknownRoute = httpStatus(error) === 404 && errorName(error) !== 'ResourceNotFoundException';
    if (endpointUrl() && unknownRoute) return 'unsupported-by-endpoint' as const;
    throw error;
  }
}

/**
 * A layer version is immutable, and the functions of a run share a few: its GetLayerVersion answer
 * is kept for a minute (well inside the ten minutes its code location stays valid), so a layer used
 * by 200 functions is described once, not 200 times. The code is still checked against the store.
 */
const LAYER_ANSWER_MS = 60_000;
const layerAnswers = new Map<string, { at: number; answer: Promise<GetLayerVersionCommandOutput> }>();

function describeLayerVersion(region: string, layerArn: string, version: number) {
  const key = `${region} ${layerArn}:${version}`;
  const cached = layerAnswers.get(key);
  if (cached && Date.now() - cached.at < LAYER_ANSWER_MS) return cached.answer;
  const answer = lambda(region).send(
    new GetLayerVersionCommand({ LayerName: layerArn, VersionNumber: version }),
  );
  layerAnswers.set(key, { at: Date.now(), answer });
  answer.catch(() => layerAnswers.delete(key));
  return answer;
}

async function storeLayer(store: BackupStore, region: string, layerVersionArn: string) {
  // GetLayerVersionByArn answers with an empty body on moto; name + number works on both.
  const [, , , layerRegion = region, , , layerName = '', version = ''] = layerVersionArn.split(':');
  const layerArn = layerVersionArn.slice(0, layerVersionArn.lastIndexOf(':'));
  const layer = await describeLayerVersion(layerRegion, layerArn, Number(version));
  if (!layer.Content?.Location || !layer.Content.CodeSha256)
    throw new IntegrityError(`layer ${layerName}:${version}: no content location`);
  return {
    arn: layerVersionArn,
    code: await storeCode(
      store,
      layer.Content.Location,
      layer.Content.CodeSha256,
      `layer ${layerName}:${version}`,
    ),
    description: layer.Description || undefined,
    compatibleRuntimes: layer.CompatibleRuntimes,
    compatibleArchitectures: layer.CompatibleArchitectures,
    licenseInfo: layer.LicenseInfo || undefined,
    permissions: await readLayerPermissions(layerRegion, layerVersionArn),
  };
}

/** Captures one function with everything that makes it run. */
export async function snapshotFunction(
  store: BackupStore,
  region: string,
  name: string,
  capture: CaptureOptions = { code: true, triggers: true },
): Promise<FunctionSnapshot> {
  const client = lambda(region);
  const latest = await client.send(new GetFunctionCommand({ FunctionName: name }));
  const configuration = latest.Configuration ?? {};
  const arn = configuration.FunctionArn ?? '';
  const [versionList, aliases, eventInvokeConfigs, reserved, provisioned, signing] = await Promise.all([
    collect(paginateListVersionsByFunction({ client }, { FunctionName: name }), (page) => page.Versions),
    collect(paginateListAliases({ client }, { FunctionName: name }), (page) => page.Aliases),
    collect(
      paginateListFunctionEventInvokeConfigs({ client }, { FunctionName: name }),
      (page) => page.FunctionEventInvokeConfigs,
    ),
    optional(() => client.send(new GetFunctionConcurrencyCommand({ FunctionName: name }))),
    provisionedConcurrency(region, name),
    optional(() => client.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name }))),
  ]);
  const published = versionList.filter((version) => version.Version && version.Version !== '$LATEST');
  const qualifiers = [undefined, ...aliases.map((alias) => alias.Name)];
  const [code, versions, policies, urlConfigs, layers] = await Promise.all([
    storeFunctionCode(store, latest, `function ${name}`, capture.code),
    mapLimit(published, 4, async (version) => {
      const response = await client.send(
        new GetFunctionCommand({ FunctionName: name, Qualifier: version.Version }),
      );
      return {
        version: version.Version as string,
        configuration: response.Configuration ?? {},
        code: await storeFunctionCode(store, response, `function ${name}:${version.Version}`, capture.code),
      };
    }),
    Promise.all(
      [...qualifiers, ...published.map((version) => version.Version)].map(async (qualifier) => ({
        qualifier,
        statements: await readPolicy(region, arn, qualifier),
      })),
    ),
    Promise.all(
      qualifiers.map(async (qualifier) => {
        const url = await optional(() =>
          client.send(new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: qualifier })),
        );
        // As with policies, a URL config belongs to the qualifier its FunctionArn names.
        if (!url || url.FunctionArn !== qualifiedArn(arn, qualifier)) return undefined;
        const { $metadata: _ignored, ...rest } = url;
        return { ...rest, qualifier };
      }),
    ),
    Promise.all(
      (capture.code ? (configuration.Layers ?? []) : []).map((layer) =>
        storeLayer(store, region, layer.Arn ?? ''),
      ),
    ),
  ]);
  const policy = policies.filter((entry) => entry.statements.length > 0);
  const ref: FunctionRef = {
    region,
    accountId: arn.split(':')[4] ?? '',
    name,
    arn,
    policy: policy.flatMap((entry) => entry.statements),
  };
  return {
    format: 1,
    region,
    name,
    arn,
    configuration,
    code,
    tags: latest.Tags ?? {},
    versions,
    aliases,
    policy,
    urlConfigs: urlConfigs.filter((url) => url !== undefined),
    eventInvokeConfigs,
    concurrency: { reserved: reserved?.ReservedConcurrentExecutions, provisioned },
    codeSigningConfigArn: signing?.CodeSigningConfigArn,
    layers,
    triggers: capture.triggers ? await listTriggers(ref) : [],
    notCaptured: capture.code && capture.triggers ? undefined : notCaptured(capture),
  };
}

const notCaptured = (capture: CaptureOptions) =>
  (['code', 'triggers'] as const).filter((part) => !capture[part]);

const codeArtifact = (role: string, code: StoredCode): Artifact => ({
  role,
  path: code.path,
  sha256: code.sha256,
  bytes: code.bytes,
});

/** The artifacts a snapshot references, each blob once. */
export function snapshotArtifacts(snapshot: FunctionSnapshot): Artifact[] {
  const blobs = new Map<string, Artifact>();
  const add = (role: string, code: unknown) => {
    if (code && typeof code === 'object' && 'path' in code)
      blobs.set((code as StoredCode).path, codeArtifact(role, code as StoredCode));
  };
  add('code', snapshot.code);
  for (const version of snapshot.versions) add('code', version.code);
  for (const layer of snapshot.layers) add('layer', layer.code);
  return [...blobs.values()];
}
