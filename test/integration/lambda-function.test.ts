import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddLayerVersionPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import { IntegrityError } from '../../src/errors.js';
import { snapshotFunction, storeCode } from '../../src/kinds/lambda-function/capture.js';
import { readLayerPermissions } from '../../src/kinds/lambda-function/layer-permissions.js';
import { restoreLayers, type StoredLayer } from '../../src/kinds/lambda-function/layers.js';
import { zipFiles } from '../../src/local/zip.js';
import type { RestoreContext } from '../../src/reconcile/context.js';
import { mapperFor } from '../../src/restore/mapper.js';
import { openStore } from '../../src/store/open.js';
import { lambdaRole, unique } from '../helpers/aws.js';

const REGION = 'eu-north-1';
const lambda = client(LambdaClient, REGION);
const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-fn-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('lambda-function snapshot', () => {
  it('keeps each published version with its own code, the weighted alias, the layer and concurrency', async () => {
    // Prepare
    const name = unique('versions');
    const v1 = zipFiles({ 'index.js': 'exports.handler = async () => 1;' });
    const v2 = zipFiles({ 'index.js': 'exports.handler = async () => 2;' });
    const layerZip = zipFiles({ 'nodejs/lib.js': 'module.exports = 7;' });
    const layer = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: unique('lib'), Content: { ZipFile: layerZip } }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: await lambdaRole(),
        Code: { ZipFile: v1 },
        Layers: [layer.LayerVersionArn as string],
        Environment: { Variables: { MODE: 'test' } },
      }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: v2 }));
    await lambda.send(new PublishVersionCommand({ FunctionName: name }));
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: name,
        Name: 'live',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: { '1': 0.25 } },
      }),
    );
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 5 }),
    );
    // Act
    const snapshot = await snapshotFunction(openStore(`file://${directory}`), REGION, name);
    // Assess
    const stored = async (path: string) => new Uint8Array(await readFile(join(directory, path)));
    expect(snapshot.versions.map((version) => version.version)).toEqual(['1', '2']);
    const [first, second] = snapshot.versions.map((version) => ({
      ...version,
      path: (version.code as { path: string }).path,
    }));
    expect(Buffer.from(await stored(first?.path ?? '')).equals(Buffer.from(v1))).toBe(true);
    expect(Buffer.from(await stored(second?.path ?? '')).equals(Buffer.from(v2))).toBe(true);
    expect(first?.configuration.CodeSha256).toBe(sha256Base64(v1));
    expect(snapshot.configuration.CodeSha256).toBe(sha256Base64(v2));
    expect(snapshot.configuration.Environment).toEqual({ Variables: { MODE: 'test' } });
    expect(
      snapshot.aliases.map(({ Name, FunctionVersion, RoutingConfig }) => ({
        Name,
        FunctionVersion,
        RoutingConfig,
      })),
    ).toEqual([
      { Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '1': 0.25 } } },
    ]);
    expect(snapshot.layers).toHaveLength(1);
    expect(
      Buffer.from(await stored(snapshot.layers[0]?.code.path as string)).equals(Buffer.from(layerZip)),
    ).toBe(true);
    expect(snapshot.concurrency.reserved).toBe(5);
  });

  it('fails the item with IntegrityError when the downloaded code does not match CodeSha256', async () => {
    // Prepare: a code location that serves other bytes than the ones Lambda describes
    const served = zipFiles({ 'index.js': 'tampered' });
    const server: Server = createServer((_request, response) => response.end(Buffer.from(served)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const expected = sha256Base64(zipFiles({ 'index.js': 'original' }));
    try {
      // Act
      const attempt = storeCode(
        openStore(`file://${directory}`),
        `http://127.0.0.1:${port}/code.zip`,
        expected,
        'function x',
      );
      // Assess
      await expect(attempt).rejects.toThrow(IntegrityError);
      await expect(
        storeCode(
          openStore(`file://${directory}`),
          `http://127.0.0.1:${port}/code.zip`,
          expected,
          'function x',
        ),
      ).rejects.toThrow(/CodeSha256/);
    } finally {
      server.close();
    }
  });
});

describe('layer version permissions', () => {
  const grants = [
    { StatementId: 'partner', Action: 'lambda:GetLayerVersion', Principal: '210987654321' },
    { StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*', OrganizationId: 'o-a1b2c3d4e5' },
  ];
  const expected = [
    { statementId: 'org', action: 'lambda:GetLayerVersion', principal: '*', organizationId: 'o-a1b2c3d4e5' },
    { statementId: 'partner', action: 'lambda:GetLayerVersion', principal: '210987654321' },
  ];

  async function publishLayer(name = unique('shared-lib')) {
    const zip = zipFiles({ 'nodejs/shared.js': `module.exports = '${name}';` });
    const published = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip } }),
    );
    return { name, arn: published.LayerVersionArn as string, version: published.Version as number };
  }

  function restoreContext(overrides: Partial<RestoreContext> = {}): RestoreContext {
    return {
      store: openStore(`file://${directory}`),
      runId: 'run',
      restoreId: 'restore',
      sourceRegion: REGION,
      targetRegion: REGION,
      mapper: mapperFor({
        sourceRegion: REGION,
        targetRegion: REGION,
        sourceAccount: '123456789012',
        targetAccount: '123456789012',
        restored: {},
        roles: {},
        apiIds: {},
        layerVersions: {},
        functionVersions: {},
      }),
      apply: true,
      force: false,
      options: { edge: false, startingPosition: 'LATEST' },
      deadline: Date.now() + 60_000,
      ...overrides,
    };
  }

  /** A function using a layer whose version grants `grants`, snapshotted: its stored layer. */
  async function snapshotWithLayer(): Promise<{ layer: StoredLayer; name: string; version: number }> {
    const layer = await publishLayer();
    for (const grant of grants)
      await lambda.send(
        new AddLayerVersionPermissionCommand({
          LayerName: layer.name,
          VersionNumber: layer.version,
          ...grant,
        }),
      );
    const fn = unique('tv-layered');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: await lambdaRole(),
        Code: { ZipFile: zipFiles({ 'index.js': 'exports.handler = async () => 1;' }) },
        Layers: [layer.arn],
      }),
    );
    const snapshot = await snapshotFunction(openStore(`file://${directory}`), REGION, fn);
    return { layer: snapshot.layers[0] as StoredLayer, name: layer.name, version: layer.version };
  }

  it('are captured with the layer, as the AddLayerVersionPermission inputs that re-create them', async () => {
    // Act
    const { layer } = await snapshotWithLayer();
    // Assess
    expect(layer.permissions).toEqual(expected);
  });

  it('are restored with a layer version published again, and compared first on a version that exists', async () => {
    // Prepare: the version is gone; the restore publishes the stored zip again.
    const { layer, name, version } = await snapshotWithLayer();
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version }));
    // Act
    const planned = await restoreLayers([layer], restoreContext({ apply: false }));
    const restored = await restoreLayers([layer], restoreContext());
    const again = await restoreLayers([layer], restoreContext());
    // Assess
    const permissionChanges = (changes: { resource: string; action: string }[]) =>
      changes
        .filter((change) => change.resource.startsWith('layer permission '))
        .map((change) => change.action);
    expect(permissionChanges(planned.changes)).toEqual(['create', 'create']);
    expect(planned.layerVersions).toEqual({});
    const republished = restored.layerVersions[layer.arn] as string;
    expect(republished).not.toBe(layer.arn);
    expect(permissionChanges(restored.changes)).toEqual(['create', 'create']);
    expect(await readLayerPermissions(REGION, republished)).toEqual(expected);
    expect(again.layerVersions[layer.arn]).toBe(republished);
    expect(permissionChanges(again.changes)).toEqual(['unchanged', 'unchanged']);
  });

  it('reports a statement the backup does not have as differing, and removes it only with force', async () => {
    // Prepare
    const { layer, name, version } = await snapshotWithLayer();
    await lambda.send(
      new AddLayerVersionPermissionCommand({
        LayerName: name,
        VersionNumber: version,
        StatementId: 'everyone',
        Action: 'lambda:GetLayerVersion',
        Principal: '*',
      }),
    );
    // Act
    const refused = await restoreLayers([layer], restoreContext());
    const afterRefusal = await readLayerPermissions(REGION, layer.arn);
    const forced = await restoreLayers([layer], restoreContext({ force: true }));
    // Assess
    expect(refused.changes).toContainEqual(
      expect.objectContaining({
        resource: `layer permission ${name}:${version} everyone`,
        action: 'differs',
      }),
    );
    expect(afterRefusal?.map((permission) => permission.statementId)).toEqual(['everyone', 'org', 'partner']);
    expect(forced.changes).toContainEqual(
      expect.objectContaining({ resource: `layer permission ${name}:${version} everyone`, action: 'update' }),
    );
    const policy = await lambda.send(
      new GetLayerVersionPolicyCommand({ LayerName: name, VersionNumber: version }),
    );
    expect(
      JSON.parse(policy.Policy as string)
        .Statement.map((s: { Sid: string }) => s.Sid)
        .sort(),
    ).toEqual(['org', 'partner']);
  });
});
