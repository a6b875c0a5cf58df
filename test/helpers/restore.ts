import { APIGatewayClient, DeleteResourceCommand } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import { DeleteRuleCommand, EventBridgeClient, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { client } from '../../src/aws/clients.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import type { RestoreSummary } from '../../src/restore/report.js';
import { clearListingMemos, listTriggers, loadFunctionRef } from '../../src/triggers/index.js';
import type { TriggerRecord } from '../../src/triggers/types.js';

/** Runs the restore state machine in-process, as the CLI does. */
export async function runRestore(input: Record<string, unknown>): Promise<RestoreSummary> {
  return (await runStateMachineLocally('restore.asl.yaml', input)).summary as unknown as RestoreSummary;
}

/** Removes one trigger the way an accident (or a teardown) would, leaving its source in place. */
async function removeTrigger(region: string, record: TriggerRecord): Promise<void> {
  const config = record.config as Record<string, string> & { Target?: { Id: string } };
  switch (record.type) {
    case 'event-source-mapping':
      await client(LambdaClient, region).send(new DeleteEventSourceMappingCommand({ UUID: record.id }));
      return;
    case 's3-notification': {
      const s3 = client(S3Client, region);
      const { $metadata: _ignored, ...existing } = await s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: config.Bucket }),
      );
      const LambdaFunctionConfigurations = (existing.LambdaFunctionConfigurations ?? []).filter(
        (entry) => entry.Id !== config.Id,
      );
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: config.Bucket,
          NotificationConfiguration: { ...existing, LambdaFunctionConfigurations },
        }),
      );
      return;
    }
    case 'eventbridge-rule': {
      const events = client(EventBridgeClient, region);
      await events.send(
        new RemoveTargetsCommand({
          Rule: config.Name,
          EventBusName: config.EventBusName,
          Ids: [config.Target?.Id as string],
        }),
      );
      await events.send(new DeleteRuleCommand({ Name: config.Name, EventBusName: config.EventBusName }));
      return;
    }
    case 'eventbridge-schedule':
      await client(SchedulerClient, region).send(
        new DeleteScheduleCommand({ Name: config.Name, GroupName: config.GroupName }),
      );
      return;
    case 'sns-subscription':
      await client(SNSClient, region).send(new UnsubscribeCommand({ SubscriptionArn: record.id }));
      return;
    case 'apigateway-rest':
      // The whole resource path goes: restore must re-create it, its method and the integration.
      await client(APIGatewayClient, region).send(
        new DeleteResourceCommand({ restApiId: config.restApiId, resourceId: config.resourceId }),
      );
      return;
    case 'apigateway-http': {
      const gateway = client(ApiGatewayV2Client, region);
      const routes = (await gateway.send(new GetRoutesCommand({ ApiId: config.ApiId }))).Items ?? [];
      for (const route of routes.filter(
        (candidate) => candidate.Target === `integrations/${config.IntegrationId}`,
      ))
        await gateway.send(new DeleteRouteCommand({ ApiId: config.ApiId, RouteId: route.RouteId }));
      await gateway.send(
        new DeleteIntegrationCommand({ ApiId: config.ApiId, IntegrationId: config.IntegrationId }),
      );
      return;
    }
    default:
      throw new Error(`no teardown for ${record.type}`);
  }
}

/** Deletes the functions with every trigger wired to them and the layer versions they use; sources stay. */
export async function wipeFunctions(region: string, names: string[]): Promise<void> {
  clearListingMemos();
  const lambda = client(LambdaClient, region);
  const layers = new Set<string>();
  for (const name of names) {
    for (const record of await listTriggers(await loadFunctionRef(region, name)))
      await removeTrigger(region, record);
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    for (const layer of Configuration?.Layers ?? []) layers.add(layer.Arn as string);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  }
  for (const arn of layers) {
    const [, , , , , , LayerName, version] = arn.split(':');
    await lambda.send(new DeleteLayerVersionCommand({ LayerName, VersionNumber: Number(version) }));
  }
  clearListingMemos();
}

/** Empties and deletes a bucket (to re-create it in another region: bucket names are global). */
export async function deleteBucket(region: string, bucket: string): Promise<void> {
  const s3 = client(S3Client, region);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  for (const object of listed.Contents ?? [])
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
