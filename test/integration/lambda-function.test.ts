import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
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
import { zipFiles } from '../../src/local/zip.js';
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
