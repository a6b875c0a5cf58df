import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The AWS call log: with TRIGGERVAULT_CALL_LOG=<directory>, every SDK call made while a handler runs
 * is appended to `<directory>/calls-<pid>.jsonl` as one line: the handler (deploy/handlers.ts name),
 * the deployment values it ran with, the client, operation, region, HTTP method and path, and the
 * request fields that NAME what it acts on. The test suite replays that log against the packaged
 * stack's IAM policies (test/helpers/iam/). Off unless the variable is set.
 *
 * Only naming fields are written (bucket and key, function, table, queue, topic, role, KMS key…):
 * never bodies, items, records, messages, environment variables or policies, so a log holds no data
 * and no secret. A field missing from NAMING_FIELDS shows up as an unnamed resource in the replay.
 */

export const CALL_LOG_VARIABLE = 'TRIGGERVAULT_CALL_LOG';

/** Who is calling: the handler, and the stack-bound values it was given (store URL, topic ARN, …). */
export interface CallScope {
  handler: string;
  /** Deployment values by name (TRIGGERVAULT_STORE, TRIGGERVAULT_TOPIC_ARN, `store` of the event). */
  bindings: Record<string, string>;
}

export interface RecordedCall extends CallScope {
  client: string;
  command: string;
  region: string;
  method?: string;
  path?: string;
  input: Record<string, unknown>;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `act` as `handler`: the AWS calls it makes (and those of whatever it starts) are attributed to it. */
export const withCallScope = <T>(callScope: CallScope, act: () => Promise<T>): Promise<T> =>
  scope.run(callScope, act);

const NAMING_FIELDS = new Set([
  // generic
  'Arn',
  'ResourceArn',
  'ResourceARN',
  'Resource',
  'Name',
  'Id',
  'Ids',
  'RoleArn',
  'RoleName',
  'KeyId',
  'SigningAlgorithm',
  // S3
  'Bucket',
  'Key',
  'VersionId',
  'CopySource',
  'TaggingDirective',
  'Prefix',
  'ServerSideEncryption',
  'SSEKMSKeyId',
  'Objects',
  // Conditional writes (bucket policies require them for manifests and blobs)
  'IfNoneMatch',
  'IfMatch',
  // Lambda
  'FunctionName',
  'Qualifier',
  'Role',
  'Layers',
  'LayerName',
  'VersionNumber',
  'UUID',
  'EventSourceArn',
  'KMSKeyArn',
  'LambdaFunctionARN',
  // DynamoDB
  'TableName',
  'TableArn',
  'ExportArn',
  'ImportArn',
  'S3Bucket',
  'S3Prefix',
  'S3KeyPrefix',
  'S3BucketOwner',
  'KMSMasterKeyId',
  'SSEType',
  // Kinesis
  'StreamName',
  'StreamARN',
  'ConsumerARN',
  'ConsumerName',
  'EncryptionType',
  // SQS, SNS
  'QueueUrl',
  'QueueName',
  'TopicArn',
  'SubscriptionArn',
  // EventBridge, Scheduler
  'Rule',
  'EventBusName',
  'TargetArn',
  'GroupName',
  // API Gateway
  'restApiId',
  'resourceId',
  'httpMethod',
  'ApiId',
  'IntegrationId',
  'RouteId',
  'credentials',
  'CredentialsArn',
  // AWS Backup
  'BackupVaultName',
  'IamRoleArn',
  'RecoveryPointArn',
  'SourceBackupVaultName',
  'DestinationBackupVaultArn',
  'EncryptionKeyArn',
  'BackupJobId',
  'CopyJobId',
  // Step Functions, CloudFormation
  'stateMachineArn',
  'executionArn',
  'StackName',
]);

/** Request parts that hold data, never names: not even descended into. */
const OPAQUE_FIELDS = new Set([
  'Body',
  'Environment',
  'Variables',
  'Item',
  'Items',
  'ExpressionAttributeValues',
  'ExclusiveStartKey',
  'Payload',
  'Message',
  'MessageBody',
  'MessageAttributes',
  'Records',
  'Data',
  'ZipFile',
  'Content',
  'Policy',
  'Input',
  'Entries',
  'Tags',
  'Tagging',
  'Metadata',
]);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

/** The naming fields of a request (nested where they sit); `RequestItems` keeps its table names only. */
export function namingFields(input: unknown): Record<string, unknown> {
  const pick = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const items = value.map(pick).filter((item) => item !== undefined);
      return items.length ? items : undefined;
    }
    if (!isPlainObject(value)) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (OPAQUE_FIELDS.has(key)) continue;
      if (key === 'RequestItems' && isPlainObject(item)) kept.RequestItems = Object.keys(item);
      else if (NAMING_FIELDS.has(key) && ['string', 'number', 'boolean'].includes(typeof item))
        kept[key] = item;
      else if (NAMING_FIELDS.has(key) && Array.isArray(item) && item.every((x) => typeof x === 'string'))
        kept[key] = item;
      else {
        const nested = pick(item);
        if (nested !== undefined) kept[key] = nested;
      }
    }
    return Object.keys(kept).length ? kept : undefined;
  };
  return (pick(input) as Record<string, unknown> | undefined) ?? {};
}

const written = new Set<string>();

function append(call: RecordedCall) {
  const directory = process.env[CALL_LOG_VARIABLE];
  if (!directory) return;
  const line = JSON.stringify(call);
  if (written.has(line)) return;
  written.add(line);
  appendFileSync(join(directory, `calls-${process.pid}.jsonl`), `${line}\n`);
}

interface Recordable {
  config: { region: string | (() => Promise<string>) };
  middlewareStack: {
    add(middleware: unknown, options: { step: 'build'; name: string; override?: boolean }): void;
  };
}

/**
 * Adds the recorder to an SDK client (once per client; it does nothing without TRIGGERVAULT_CALL_LOG
 * or outside a handler). The build step sees the request once per send(), before any retry.
 */
export function recordCalls<C>(client: C): C {
  const recordable = client as unknown as Recordable;
  recordable.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) =>
      async (args: { input?: unknown; request?: { method?: string; path?: string } }) => {
        const current = scope.getStore();
        if (current && process.env[CALL_LOG_VARIABLE]) {
          const region = recordable.config.region;
          append({
            ...current,
            client: context.clientName ?? 'unknown',
            command: context.commandName ?? 'unknown',
            region: typeof region === 'function' ? await region() : region,
            method: args.request?.method,
            path: args.request?.path,
            input: namingFields(args.input),
          });
        }
        return next(args);
      },
    { step: 'build', name: 'triggervaultCallLog', override: true },
  );
  return client;
}
