import { type Expression, join, PSEUDO, ref, type TemplateBuilder } from '../reconcile/template.js';
import type { TriggerRecord } from './types.js';

/**
 * IaC export of the triggers whose source the template does not create (it is a parameter): event
 * source mappings, SNS subscriptions and S3 notifications. See reconcile/template.ts.
 */

/** The function (version, alias) a record invokes: this template's, else a parameter. */
export const invoked = (record: TriggerRecord, builder: TemplateBuilder): Expression =>
  builder.target(record.target, `Function a ${record.type} invokes`, `${record.type} target`);

/** The invoke permissions a record brings, with the source it allows as `sourceArn`; their logical ids. */
export function permissionsOf(
  record: TriggerRecord,
  builder: TemplateBuilder,
  sourceArn?: Expression,
): string[] {
  return record.permissions.map((statement) => {
    const resource = [statement.Resource].flat()[0] as string;
    return builder.permission(statement, builder.functionRef(resource) ?? invoked(record, builder), {
      sourceArn,
    });
  });
}

/** A short name for a source ARN's parameter: `queue order-jobs`, `stream clickstream`, `table orders stream`. */
function sourceHint(arn: string): string {
  const [, , service = '', , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  if (service === 'sqs') return `queue ${resource}`;
  if (service === 'kinesis') return `stream ${resource.split('/')[1] ?? resource}`;
  if (service === 'dynamodb') return `table ${resource.split('/')[1] ?? resource} stream`;
  if (service === 'kafka') return `cluster ${resource.split('/')[1] ?? resource}`;
  return `${service} source`;
}

const MAPPING_SETTINGS = [
  'Enabled',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'FilterCriteria',
  'BisectBatchOnFunctionError',
  'ParallelizationFactor',
  'TumblingWindowInSeconds',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'FunctionResponseTypes',
  'ScalingConfig',
] as const;

/**
 * AWS::Lambda::EventSourceMapping per mapping. A stream mapping starts where `StreamStartingPosition`
 * says (LATEST unless changed, as restores do: a new mapping at TRIM_HORIZON would process every
 * retained record again); a DynamoDB stream's ARN changes when its table is re-created, hence a parameter.
 */
export function templateMappings(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as Record<string, unknown> & {
      EventSourceArn: string;
      StartingPosition?: string;
      DestinationConfig?: { OnFailure?: { Destination?: string } };
    };
    const settings = Object.fromEntries(MAPPING_SETTINGS.map((key) => [key, config[key]]));
    const stream = config.StartingPosition !== undefined;
    const failure = config.DestinationConfig?.OnFailure?.Destination;
    builder.resource(
      builder.logicalId('mapping', sourceHint(config.EventSourceArn), String(record.target.split(':')[6])),
      {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: invoked(record, builder),
          EventSourceArn: builder.source(
            config.EventSourceArn,
            `Event source of a mapping (recorded: ${config.EventSourceArn})`,
            sourceHint(config.EventSourceArn),
          ),
          StartingPosition: stream
            ? builder.parameter('StreamStartingPosition', {
                Type: 'String',
                Default: 'LATEST',
                AllowedValues: ['LATEST', 'TRIM_HORIZON'],
                Description:
                  'Where new stream mappings start reading (TRIM_HORIZON processes every retained record again)',
              })
            : undefined,
          ...settings,
          DestinationConfig: failure
            ? {
                OnFailure: {
                  Destination: builder.target(
                    failure,
                    'On-failure destination of a mapping',
                    'mapping failures',
                  ),
                },
              }
            : undefined,
        },
      },
      { finalOnly: true },
    );
  }
}

const parsed = (text: unknown) => (typeof text === 'string' && text ? JSON.parse(text) : undefined);

/** AWS::SNS::Subscription per subscription, and the permission that lets the topic invoke. */
export function templateSubscriptions(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as Record<string, string>;
    const topic = builder.source(
      config.TopicArn as string,
      `SNS topic (recorded: ${config.TopicArn})`,
      `topic ${config.TopicArn?.split(':')[5]}`,
    );
    builder.resource(
      builder.logicalId(
        'subscription',
        String(config.TopicArn?.split(':')[5]),
        String(record.target.split(':')[6]),
      ),
      {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          TopicArn: topic,
          Protocol: 'lambda',
          Endpoint: invoked(record, builder),
          FilterPolicy: parsed(config.FilterPolicy),
          FilterPolicyScope: config.FilterPolicyScope,
          RedrivePolicy: parsed(config.RedrivePolicy),
        },
      },
      { finalOnly: true },
    );
    permissionsOf(record, builder, topic);
  }
}

interface NotificationConfig {
  Bucket: string;
  Id?: string;
  Events: string[];
  Filter?: { Key?: { FilterRules?: { Name?: string; Value?: string }[] } };
}

/**
 * S3 notifications belong to the bucket's configuration (AWS::S3::Bucket NotificationConfiguration),
 * and a bucket holds data the template must not own. So, per notified bucket: its name is a
 * parameter, the invoke permissions are resources, and `Create<Bucket>` (default false) chooses:
 * false, the bucket exists, and the output `<Bucket>Notifications` is the configuration to put on it
 * (`aws s3api put-bucket-notification-configuration`, merged with what else it has; or
 * `triggervault restore --only lambda-function:NAME`, which merges); true, the stack creates the bucket
 * with the notifications (and retains it when the stack is deleted).
 */
export function templateNotifications(records: TriggerRecord[], builder: TemplateBuilder): void {
  const byBucket = new Map<string, TriggerRecord[]>();
  for (const record of records) {
    const bucket = (record.config as unknown as NotificationConfig).Bucket;
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), record]);
  }
  for (const [bucket, notifications] of byBucket) {
    const name = builder.source(
      bucket,
      `S3 bucket whose notifications invoke the functions (recorded: ${bucket})`,
      `bucket ${bucket}`,
    );
    const bucketArn = join('arn:', PSEUDO.partition, ':s3:::', name);
    const permissionIds = notifications.flatMap((record) => permissionsOf(record, builder, bucketArn));
    const configurations = notifications.flatMap((record) => {
      const config = record.config as unknown as NotificationConfig;
      const rules = config.Filter?.Key?.FilterRules ?? [];
      return config.Events.map((event) => ({
        Event: event,
        Function: invoked(record, builder),
        Filter: rules.length
          ? { S3Key: { Rules: rules.map((rule) => ({ Name: rule.Name, Value: rule.Value })) } }
          : undefined,
      }));
    });
    const create = builder.logicalId('create', bucket);
    const output = builder.logicalId(bucket, 'notifications');
    builder.parameter(create, {
      Type: 'String',
      Default: 'false',
      AllowedValues: ['false', 'true'],
      Description: `true: this stack creates bucket ${bucket} with its notifications; false: the bucket exists, put the output ${output} on it`,
    });
    const condition = builder.condition(`${create}Condition`, { 'Fn::Equals': [ref(create), 'true'] });
    builder.resource(
      builder.logicalId('bucket', bucket),
      {
        Type: 'AWS::S3::Bucket',
        Condition: condition,
        Properties: {
          BucketName: name,
          NotificationConfiguration: {
            LambdaConfigurations: configurations,
          },
        },
        DependsOn: permissionIds,
        DeletionPolicy: 'Retain',
      },
      { finalOnly: true },
    );
    builder.output(
      output,
      notificationJson(notifications, builder),
      `NotificationConfiguration to put on bucket ${bucket} when the stack does not create it`,
    );
  }
}

/** The bucket's notification configuration as PutBucketNotificationConfiguration JSON, ARNs resolved by CloudFormation. */
function notificationJson(records: TriggerRecord[], builder: TemplateBuilder): Expression {
  const parts: Expression[] = ['{"LambdaFunctionConfigurations":['];
  records.forEach((record, index) => {
    const config = record.config as unknown as NotificationConfig;
    parts.push(
      `${index > 0 ? ',' : ''}{"Id":${JSON.stringify(config.Id ?? `notification-${index + 1}`)},"LambdaFunctionArn":"`,
      invoked(record, builder),
      `","Events":${JSON.stringify(config.Events)}${config.Filter ? `,"Filter":${JSON.stringify(config.Filter)}` : ''}}`,
    );
  });
  parts.push(']}');
  return join(...parts);
}

/** Lambda@Edge associations belong to a distribution's cache behaviors: noted, not exported. */
export function templateEdgeAssociations(records: TriggerRecord[], builder: TemplateBuilder): void {
  for (const record of records) {
    const config = record.config as { DistributionId?: string; PathPattern?: string; EventType?: string };
    builder.note(
      `Lambda@Edge: distribution ${config.DistributionId} (${config.PathPattern ?? 'default behavior'}, ${config.EventType}) invokes ${record.target}: associate the new version in the distribution's own template`,
    );
  }
}
