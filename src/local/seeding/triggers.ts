import {
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  AddPermissionCommand,
  CreateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import {
  type LambdaFunctionConfiguration,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../../aws/clients.js';

/**
 * Seeding primitives that wire triggers to functions, shared by the demo (src/local), the bench and
 * the tests: the invoke permission a service needs, an event source mapping, S3 notifications, an
 * SNS subscription, an EventBridge rule; and the queues and topics they start from.
 */

export interface InvokeGrant {
  /** Function name or ARN. */
  functionName: string;
  sid: string;
  /** The service principal, e.g. `s3.amazonaws.com`. */
  service: string;
  sourceArn?: string;
  qualifier?: string;
}

/** Adds the resource-policy statement AWS needs before `service` may invoke the function. */
export async function allowInvoke(region: string, grant: InvokeGrant): Promise<void> {
  await client(LambdaClient, region).send(
    new AddPermissionCommand({
      FunctionName: grant.functionName,
      Qualifier: grant.qualifier,
      StatementId: grant.sid,
      Action: 'lambda:InvokeFunction',
      Principal: grant.service,
      SourceArn: grant.sourceArn,
    }),
  );
}

/** A queue; returns its ARN. */
export async function createQueue(region: string, name: string): Promise<string> {
  const sqs = client(SQSClient, region);
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return attributes.Attributes?.QueueArn as string;
}

/** A topic; returns its ARN. */
export async function createTopic(region: string, name: string): Promise<string> {
  return (await client(SNSClient, region).send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
}

/** An event source mapping from a queue or stream to the function; returns its UUID. */
export async function mapEventSource(
  region: string,
  mapping: CreateEventSourceMappingCommandInput,
): Promise<string> {
  const created = await client(LambdaClient, region).send(new CreateEventSourceMappingCommand(mapping));
  return created.UUID as string;
}

/**
 * The bucket's notification configuration, naming each function it invokes (replacing what the
 * bucket had), with the permission S3 needs on each function (statement id `sid`).
 */
export async function notifyFunctions(
  region: string,
  bucket: string,
  configurations: LambdaFunctionConfiguration[],
  sid: string,
): Promise<void> {
  for (const configuration of configurations)
    await allowInvoke(region, {
      functionName: configuration.LambdaFunctionArn as string,
      sid,
      service: 's3.amazonaws.com',
      sourceArn: `arn:aws:s3:::${bucket}`,
    });
  await client(S3Client, region).send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { LambdaFunctionConfigurations: configurations },
    }),
  );
}

/** Subscribes the function to the topic, with the permission SNS needs (statement id `sid`). */
export async function subscribeFunction(
  region: string,
  topicArn: string,
  functionArn: string,
  sid: string,
): Promise<void> {
  await client(SNSClient, region).send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn }),
  );
  await allowInvoke(region, {
    functionName: functionArn,
    sid,
    service: 'sns.amazonaws.com',
    sourceArn: topicArn,
  });
}

/**
 * An EventBridge rule on a schedule targeting the function (target `target`, e.g. with an input
 * transformer), with the permission EventBridge needs (statement id `sid`); returns the rule's ARN.
 */
export async function scheduleFunction(
  region: string,
  rule: { name: string; schedule: string; description?: string },
  target: Target,
  sid: string,
): Promise<string> {
  const events = client(EventBridgeClient, region);
  const created = await events.send(
    new PutRuleCommand({ Name: rule.name, ScheduleExpression: rule.schedule, Description: rule.description }),
  );
  await events.send(new PutTargetsCommand({ Rule: rule.name, Targets: [target] }));
  await allowInvoke(region, {
    functionName: target.Arn as string,
    sid,
    service: 'events.amazonaws.com',
    sourceArn: created.RuleArn,
  });
  return created.RuleArn as string;
}
