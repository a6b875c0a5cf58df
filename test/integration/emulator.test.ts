import { createHash } from 'node:crypto';
import {
  GetFunctionCommand,
  GetLayerVersionCommand,
  LambdaClient,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from '@jest/globals';
import { client, resolveCodeLocation } from '../../src/aws/clients.js';
import { zipFiles } from '../../src/local/zip.js';
import { createTestFunction, unique } from '../helpers/aws.js';

const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

// The shared home region (test/helpers/region-claims.ts): named functions and layers only, nothing listed.
describe('emulator code bridge', () => {
  it('serves the exact code bytes of a function created by any client', async () => {
    // Prepare
    const fn = await createTestFunction('us-east-1');
    // Act
    const response = await client(LambdaClient, 'us-east-1').send(
      new GetFunctionCommand({ FunctionName: fn.name }),
    );
    const location = response.Code?.Location as string;
    const downloaded = new Uint8Array(await (await fetch(resolveCodeLocation(location))).arrayBuffer());
    // Assess
    expect(location).toMatch(/^https:\/\/awslambda-us-east-1-tasks\.s3\.us-east-1\.amazonaws\.com\//);
    expect(Buffer.from(downloaded).equals(Buffer.from(fn.zip))).toBe(true);
    expect(sha256Base64(downloaded)).toBe(response.Configuration?.CodeSha256);
  });

  it('serves layer bytes at a real Content.Location', async () => {
    // Prepare
    const zip = zipFiles({ 'nodejs/lib.js': 'module.exports = 42;' });
    const lambda = client(LambdaClient, 'us-east-1');
    const published = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: unique('tv-layer'), Content: { ZipFile: zip } }),
    );
    // Act
    const layer = await lambda.send(
      new GetLayerVersionCommand({ LayerName: published.LayerArn, VersionNumber: published.Version }),
    );
    const downloaded = new Uint8Array(
      await (await fetch(resolveCodeLocation(layer.Content?.Location as string))).arrayBuffer(),
    );
    // Assess
    expect(Buffer.from(downloaded).equals(Buffer.from(zip))).toBe(true);
    expect(sha256Base64(downloaded)).toBe(layer.Content?.CodeSha256);
  });
});
