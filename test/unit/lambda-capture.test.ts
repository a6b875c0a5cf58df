import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetLayerVersionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionEventInvokeConfigsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { snapshotFunction } from '../../src/kinds/lambda-function/capture.js';
import { suiteFileStore } from '../helpers/kinds.js';

// How many requests a capture makes is not observable through moto's answers alone: counted here
// against aws-sdk-client-mock.

const REGION = 'eu-central-2';
const files = suiteFileStore();
const sha256Base64 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

describe('lambda-function capture', () => {
  it('describes a layer version shared by many functions once', async () => {
    // Prepare: two functions on one layer version, their code already in the store (nothing to download).
    const code = Buffer.from('function code');
    const layerCode = Buffer.from('layer code');
    for (const bytes of [code, layerCode]) await files.store.putBlob(async () => Readable.from([bytes]));
    const layerArn = `arn:aws:lambda:${REGION}:123456789012:layer:shared:3`;
    const lambda = mockClient(LambdaClient);
    const missing = new ResourceNotFoundException({ message: 'none', $metadata: {} });
    lambda.on(GetFunctionCommand).callsFake((input: { FunctionName: string }) => ({
      Configuration: {
        FunctionName: input.FunctionName,
        FunctionArn: `arn:aws:lambda:${REGION}:123456789012:function:${input.FunctionName}`,
        CodeSha256: sha256Base64(code),
        Layers: [{ Arn: layerArn }],
      },
      Code: { Location: 'http://127.0.0.1:9/never-fetched' },
    }));
    lambda.on(ListVersionsByFunctionCommand).resolves({ Versions: [] });
    lambda.on(ListAliasesCommand).resolves({ Aliases: [] });
    lambda.on(ListFunctionEventInvokeConfigsCommand).resolves({ FunctionEventInvokeConfigs: [] });
    lambda.on(ListProvisionedConcurrencyConfigsCommand).resolves({ ProvisionedConcurrencyConfigs: [] });
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    lambda.on(GetFunctionCodeSigningConfigCommand).resolves({});
    lambda.on(GetPolicyCommand).rejects(missing);
    lambda.on(GetFunctionUrlConfigCommand).rejects(missing);
    lambda.on(GetLayerVersionCommand).resolves({
      LayerVersionArn: layerArn,
      Content: { Location: 'http://127.0.0.1:9/never-fetched', CodeSha256: sha256Base64(layerCode) },
    });
    try {
      // Act
      const snapshots = await Promise.all(
        ['first', 'second', 'third'].map((name) =>
          snapshotFunction(files.store, REGION, name, { code: true, triggers: false }),
        ),
      );
      // Assess
      expect(lambda.commandCalls(GetLayerVersionCommand)).toHaveLength(1);
      expect(snapshots.map((snapshot) => snapshot.layers.map((layer) => layer.arn))).toEqual([
        [layerArn],
        [layerArn],
        [layerArn],
      ]);
      expect(new Set(snapshots.map((snapshot) => snapshot.layers[0]?.code.sha256)).size).toBe(1);
    } finally {
      lambda.restore();
    }
  });
});
