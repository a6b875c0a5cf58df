import {
  APIGatewayClient,
  DeleteIntegrationCommand as DeleteRestIntegrationCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  DeleteIntegrationCommand,
  DeleteRouteCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { client } from '../aws/clients.js';
import { InputValidationError } from '../errors.js';
import type { TriggerRecord } from '../triggers/types.js';

/**
 * Removes one trigger as `list` recorded it, leaving its source in place: the mapping, the bucket's
 * notification entry (the bucket's other entries stay), the rule's target (and the rule once it has
 * no target left), the schedule, the subscription, the API's integration (with an HTTP API's routes
 * to it). Lambda@Edge associations are changed by a distribution deployment: never here.
 */
export async function removeTrigger(region: string, record: TriggerRecord): Promise<void> {
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
      const rule = { Rule: config.Name, EventBusName: config.EventBusName };
      await events.send(new RemoveTargetsCommand({ ...rule, Ids: [config.Target?.Id as string] }));
      const left = (await events.send(new ListTargetsByRuleCommand(rule))).Targets ?? [];
      if (left.length === 0)
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
      await client(APIGatewayClient, region).send(
        new DeleteRestIntegrationCommand({
          restApiId: config.restApiId,
          resourceId: config.resourceId,
          httpMethod: config.httpMethod,
        }),
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
      throw new InputValidationError(`a ${record.type} trigger is removed by hand (${record.id})`);
  }
}
