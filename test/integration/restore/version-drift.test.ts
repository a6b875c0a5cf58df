import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { expectedPicture, livePicture } from '../../../src/kinds/lambda-function/compare.js';
import { loadFunctionSnapshot } from '../../../src/kinds/lambda-function/format.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import { zipFiles } from '../../../src/local/zip.js';
import { mapperOfRestore } from '../../../src/restore/mapper.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { openStore } from '../../../src/store/open.js';
import type { BackupStore } from '../../../src/store/store.js';
import { createTestFunction, unique } from '../../helpers/aws.js';
import { runRestore } from '../../helpers/restore.js';
import { allowInvoke } from '../../helpers/triggers.js';

const REGION = 'ap-east-2';
const lambda = client(LambdaClient, REGION);
let directory: string;
let store: BackupStore;
let runId: string;
let name: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-restore-drift-'));
  store = openStore(`file://${directory}/store`);
  // Versions 1 and 3 remain (2 was deleted); alias live sends 75% to 3 and 25% to 1; version 3 has its own permission.
  name = (await createTestFunction(REGION, unique('drift'))).name;
  await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: 'one' }));
  for (const [release, description] of [
    [2, 'two'],
    [3, 'three'],
  ] as const) {
    const ZipFile = zipFiles({ 'index.js': `exports.handler = async () => ${release};` });
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile }));
    await lambda.send(new PublishVersionCommand({ FunctionName: name, Description: description }));
  }
  await lambda.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '2' }));
  await lambda.send(
    new CreateAliasCommand({
      FunctionName: name,
      Name: 'live',
      FunctionVersion: '3',
      RoutingConfig: { AdditionalVersionWeights: { '1': 0.25 } },
    }),
  );
  await allowInvoke(REGION, {
    functionName: name,
    qualifier: '3',
    sid: 'v3-events',
    service: 'events.amazonaws.com',
  });
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: store.url,
    regions: [REGION],
    include: ['lambda-function'],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
  await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
}, 120_000);

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('version numbers that cannot be reproduced', () => {
  it('republishes versions in order, reports the drift and points alias and permissions at the new numbers', async () => {
    // Act
    const summary = await runRestore({ store: store.url, run: runId, only: [`lambda-function:${name}`] });
    // Assess
    expect(summary.status).toBe('restored');
    const report = (await store.getJson(summary.report)) as RestoreReport;
    const restored = report.items.find((item) => item.kind === 'lambda-function');
    expect(restored?.details?.versionMap).toEqual({ '1': '1', '3': '2' });
    expect(restored?.notes).toEqual([`${name}: published as version 2 (was 3): version numbers drifted`]);
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    expect({
      version: alias.FunctionVersion,
      weights: alias.RoutingConfig?.AdditionalVersionWeights,
    }).toEqual({
      version: '2',
      weights: { '1': 0.25 },
    });
    const mapper = await mapperOfRestore(store, runId, summary.restoreId, REGION);
    const picture = await livePicture(openStore(`file://${directory}/scratch`), REGION, name);
    expect(picture).toEqual(expectedPicture(await loadFunctionSnapshot(store, runId, REGION, name), mapper));
    expect(picture.policy).toEqual([
      expect.objectContaining({
        Sid: 'v3-events',
        Resource: `${mapper.mapArn(`arn:aws:lambda:${REGION}:123456789012:function:${name}`)}:2`,
      }),
    ]);
  });

  it('a second restore maps the drifted version to the one already published and changes nothing', async () => {
    // Act
    const summary = await runRestore({ store: store.url, run: runId, only: [`lambda-function:${name}`] });
    // Assess
    const report = (await store.getJson(summary.report)) as RestoreReport;
    const changed = report.items.flatMap((item) =>
      item.changes.filter((change) => change.action !== 'unchanged'),
    );
    expect(changed).toEqual([]);
    expect(report.items.find((item) => item.kind === 'lambda-function')?.details?.versionMap).toEqual({
      '1': '1',
      '3': '2',
    });
  });
});
