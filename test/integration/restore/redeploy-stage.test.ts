import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  DeleteResourceCommand,
  GetDeploymentsCommand,
  GetResourcesCommand,
  GetStagesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { runStateMachineLocally } from '../../../src/local/runner.js';
import type { RestoreReport } from '../../../src/restore/report.js';
import { openStore } from '../../../src/store/open.js';
import { ACCOUNT_ID, createTestFunction, unique } from '../../helpers/aws.js';
import { runRestore } from '../../helpers/restore.js';
import { allowInvoke } from '../../helpers/triggers.js';

// --redeploy-stage on the emulator: a REST API whose method a restore re-creates has its stages
// deployed again only when asked. A region of this file's own (test/helpers/region-claims.ts).
const REGION = 'tv-redeploy-1';
const gateway = client(APIGatewayClient, REGION);

let directory: string;
let storeUrl: string;
let runId: string;
let fn: { name: string; arn: string };
let restApiId: string;

const stagesOf = async () =>
  Object.fromEntries(
    ((await gateway.send(new GetStagesCommand({ restApiId }))).item ?? []).map((stage) => [
      stage.stageName,
      stage.deploymentId,
    ]),
  );

/** Deletes the API's /orders resource with its method and integration, as an accident would. */
async function removeOrders() {
  const resources = (await gateway.send(new GetResourcesCommand({ restApiId }))).items ?? [];
  const orders = resources.find((resource) => resource.path === '/orders');
  await gateway.send(new DeleteResourceCommand({ restApiId, resourceId: orders?.id }));
}

const stageChanges = (report: RestoreReport) =>
  report.items.flatMap((item) => item.changes).filter((change) => change.resource.startsWith('rest stage '));

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-redeploy-'));
  storeUrl = `file://${directory}`;
  fn = await createTestFunction(REGION, unique('tv-rest-fn'));
  restApiId = (await gateway.send(new CreateRestApiCommand({ name: unique('tv-redeploy') }))).id as string;
  const root = (await gateway.send(new GetResourcesCommand({ restApiId }))).items?.[0]?.id;
  const resource = await gateway.send(
    new CreateResourceCommand({ restApiId, parentId: root, pathPart: 'orders' }),
  );
  await gateway.send(
    new PutMethodCommand({
      restApiId,
      resourceId: resource.id,
      httpMethod: 'POST',
      authorizationType: 'NONE',
    }),
  );
  await gateway.send(
    new PutIntegrationCommand({
      restApiId,
      resourceId: resource.id,
      httpMethod: 'POST',
      type: 'AWS_PROXY',
      integrationHttpMethod: 'POST',
      uri: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fn.arn}/invocations`,
    }),
  );
  await allowInvoke(REGION, {
    functionName: fn.name,
    sid: 'orders-api',
    service: 'apigateway.amazonaws.com',
    sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${restApiId}/*/POST/orders`,
  });
  for (const stageName of ['prod', 'test'])
    await gateway.send(new CreateDeploymentCommand({ restApiId, stageName }));
  const { summary } = await runStateMachineLocally('backup.asl.yaml', {
    store: storeUrl,
    regions: [REGION],
    include: ['lambda-function'],
  });
  expect(summary.status).toBe('succeeded');
  runId = summary.runId;
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('restore --redeploy-stage', () => {
  it('without the flag re-creates the method, deploys nothing and says the stages wait for a deployment', async () => {
    // Prepare
    await removeOrders();
    const before = await stagesOf();
    // Act
    const summary = await runRestore({ store: storeUrl, run: runId, only: [`lambda-function:${fn.name}`] });
    // Assess
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    expect(summary.status).toBe('restored');
    expect(await stagesOf()).toEqual(before);
    expect(stageChanges(report)).toEqual([]);
    const triggers = report.items.find((item) => item.kind === 'triggers');
    expect(triggers?.changes).toContainEqual(
      expect.objectContaining({ resource: expect.stringMatching(/^rest method /), action: 'create' }),
    );
    expect(triggers?.notes.join(' ')).toMatch(new RegExp(`REST API ${restApiId}: .*--redeploy-stage`));
  });

  it('with the flag deploys every stage of the API again, once, and reports each', async () => {
    // Prepare
    await removeOrders();
    const before = await stagesOf();
    const deployments = (await gateway.send(new GetDeploymentsCommand({ restApiId }))).items?.length ?? 0;
    // Act
    const summary = await runRestore({
      store: storeUrl,
      run: runId,
      only: [`lambda-function:${fn.name}`],
      redeployStage: true,
    });
    // Assess
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    const after = await stagesOf();
    expect(summary.status).toBe('restored');
    expect(Object.keys(after).sort()).toEqual(['prod', 'test']);
    for (const stage of ['prod', 'test']) expect(after[stage]).not.toBe(before[stage]);
    expect((await gateway.send(new GetDeploymentsCommand({ restApiId }))).items).toHaveLength(
      deployments + 2,
    );
    expect(stageChanges(report).map((change) => [change.resource, change.action])).toEqual([
      [`rest stage ${restApiId} prod`, 'update'],
      [`rest stage ${restApiId} test`, 'update'],
    ]);
  });

  it('with the flag deploys nothing when no method had to be re-created', async () => {
    // Prepare
    const before = await stagesOf();
    // Act
    const summary = await runRestore({
      store: storeUrl,
      run: runId,
      only: [`lambda-function:${fn.name}`],
      redeployStage: true,
    });
    // Assess
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    expect(summary.status).toBe('restored');
    expect(stageChanges(report)).toEqual([]);
    expect(await stagesOf()).toEqual(before);
  });

  it('a dry run with the flag lists the stages it would deploy and deploys none', async () => {
    // Prepare
    await removeOrders();
    const before = await stagesOf();
    // Act
    const summary = await runRestore({
      store: storeUrl,
      run: runId,
      only: [`lambda-function:${fn.name}`],
      redeployStage: true,
      dryRun: true,
    });
    // Assess
    const report = (await openStore(storeUrl).getJson(summary.report)) as RestoreReport;
    expect(await stagesOf()).toEqual(before);
    expect(stageChanges(report).map((change) => change.note)).toEqual([
      'would be deployed again (--redeploy-stage)',
      'would be deployed again (--redeploy-stage)',
    ]);
  });
});
