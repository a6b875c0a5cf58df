import { APIGatewayClient, CreateDeploymentCommand, GetStagesCommand } from '@aws-sdk/client-api-gateway';
import type { Change } from '../../schemas/restore.js';
import { client } from '../aws/clients.js';
import type { RestoreContext, RestoreResult } from '../reconcile/context.js';
import type { TriggerRecord } from './types.js';

/**
 * A REST API serves a method or integration a restore re-created only after a stage is deployed
 * again. With `--redeploy-stage` (context.options.redeployStage) the restore does it, once per API
 * after all its methods: CreateDeployment on every stage of the API, each reported as an update.
 * Without it, the report says which API waits for a deployment.
 */

const REST_PARTS = /^rest (resource|method|integration) /;

/** Changes that re-created or changed a method of the API (what a stage must be deployed for). */
const changedMethods = (changes: Change[]) =>
  changes.filter(
    (change) =>
      REST_PARTS.test(change.resource) && (change.action === 'create' || change.action === 'update'),
  );

export async function redeployStages(
  records: TriggerRecord[],
  changes: Change[],
  context: RestoreContext,
): Promise<RestoreResult> {
  const apiIds = [
    ...new Set(
      records
        .map((record) => context.mapper.spec.apiIds[String(record.config.restApiId)])
        .filter((id): id is string => id !== undefined),
    ),
  ];
  const touched = apiIds.filter((id) =>
    changedMethods(changes).some((change) => change.resource.includes(` ${id} `)),
  );
  if (!touched.length) return { changes: [], notes: [] };
  if (!context.options.redeployStage)
    return {
      changes: [],
      notes: touched.map(
        (id) =>
          `REST API ${id}: its stages serve the restored methods once deployed again (--redeploy-stage does it)`,
      ),
    };
  const gateway = client(APIGatewayClient, context.targetRegion);
  const result: RestoreResult = { changes: [], notes: [] };
  for (const restApiId of touched) {
    const stages = (await gateway.send(new GetStagesCommand({ restApiId }))).item ?? [];
    if (!stages.length)
      result.notes.push(
        `REST API ${restApiId} has no stage to deploy: create one to serve the restored methods`,
      );
    for (const stage of stages) {
      const resource = `rest stage ${restApiId} ${stage.stageName}`;
      if (!context.apply) {
        result.changes.push({
          resource,
          action: 'update',
          note: 'would be deployed again (--redeploy-stage)',
        });
        continue;
      }
      const deployment = await gateway.send(
        new CreateDeploymentCommand({
          restApiId,
          stageName: stage.stageName,
          description: `triggervault restore ${context.restoreId}: methods re-created`,
        }),
      );
      result.changes.push({
        resource,
        action: 'update',
        fields: [{ field: 'deploymentId', current: stage.deploymentId, desired: deployment.id }],
        note: `deployed again (deployment ${deployment.id})`,
      });
    }
  }
  return result;
}
