import {
  GetFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { wiringOf } from '../../src/backup/discover.js';
import { KINDS } from '../../src/kinds/index.js';

// Unit test with aws-sdk-client-mock: moto's Lambda resolves an image function's ImageUri to a digest
// of its own making (not the image's), so the images functions run are read from mocked answers.
const REGION = 'eu-west-3';
const ACCOUNT = '123456789012';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const digest = (letter: string) => `sha256:${letter.repeat(64)}`;
const registry = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

beforeAll(() => {
  lambda.on(ListFunctionsCommand).resolves({
    Functions: [
      {
        FunctionName: 'worker',
        FunctionArn: arn('lambda', 'function:worker'),
        Role: `arn:aws:iam::${ACCOUNT}:role/app/worker-exec`,
        DeadLetterConfig: { TargetArn: arn('sqs', 'worker-dead-letters') },
      },
      {
        FunctionName: 'api',
        FunctionArn: arn('lambda', 'function:api'),
        PackageType: 'Image',
        Role: `arn:aws:iam::${ACCOUNT}:role/api-exec`,
        DeadLetterConfig: { TargetArn: arn('sns', 'api-failures') },
      },
      // Another account's role is not this account's to restore.
      {
        FunctionName: 'shared',
        FunctionArn: arn('lambda', 'function:shared'),
        Role: 'arn:aws:iam::999999999999:role/central',
      },
    ],
  });
  lambda.on(ListEventSourceMappingsCommand).resolves({
    EventSourceMappings: [
      { EventSourceArn: arn('sqs', 'jobs') },
      { EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:elsewhere' },
    ],
  });
  const statement = (SourceArn: string) => ({
    Effect: 'Allow',
    Condition: { ArnLike: { 'AWS:SourceArn': SourceArn } },
  });
  lambda.on(GetPolicyCommand, { FunctionName: 'worker' }).resolves({
    Policy: JSON.stringify({
      Statement: [statement(arn('sns', 'orders')), statement(arn('events', 'rule/orders-bus/nightly'))],
    }),
  });
  lambda.on(GetPolicyCommand, { FunctionName: 'api' }).resolves({
    Policy: JSON.stringify({
      Statement: [
        statement(arn('execute-api', 'a1b2c3/*/GET/orders')),
        statement(arn('events', 'rule/default-rule')),
      ],
    }),
  });
  lambda
    .on(GetPolicyCommand, { FunctionName: 'shared' })
    .rejects(Object.assign(new Error('none'), { name: 'ResourceNotFoundException' }));
  lambda.on(ListVersionsByFunctionCommand, { FunctionName: 'api' }).resolves({
    Versions: [{ Version: '$LATEST' }, { Version: '1' }],
  });
  lambda.on(GetFunctionCommand, { FunctionName: 'api', Qualifier: undefined }).resolves({
    Code: { ImageUri: `${registry}/api:latest`, ResolvedImageUri: `${registry}/api@${digest('b')}` },
  });
  lambda.on(GetFunctionCommand, { FunctionName: 'api', Qualifier: '1' }).resolves({
    Code: { ImageUri: `${registry}/api:v1`, ResolvedImageUri: `${registry}/api@${digest('a')}` },
  });
  // jobs dead-letters into jobs-dlq; the others have no redrive policy.
  sqs
    .on(GetQueueUrlCommand)
    .callsFake(async ({ QueueName }) => ({ QueueUrl: `https://sqs/${ACCOUNT}/${QueueName}` }));
  sqs.on(GetQueueAttributesCommand).callsFake(async ({ QueueUrl }) => ({
    Attributes: QueueUrl.endsWith('/jobs')
      ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('sqs', 'jobs-dlq'), maxReceiveCount: 3 }) }
      : {},
  }));
});

afterAll(() => {
  lambda.restore();
  sqs.restore();
});

describe("Discover: what the region's functions are wired to or use", () => {
  const wiring = () => wiringOf(REGION, ['worker', 'api', 'shared']);

  it('queues: mapped, dead-letter targets, and their own dead-letter queues (this region only)', async () => {
    expect((await KINDS['sqs-queue'].wiredTo?.(wiring()))?.sort()).toEqual([
      'jobs',
      'jobs-dlq',
      'worker-dead-letters',
    ]);
  });

  it('topics: invoking a function or receiving its dead letters', async () => {
    expect((await KINDS['sns-topic'].wiredTo?.(wiring()))?.sort()).toEqual(['api-failures', 'orders']);
  });

  it("roles: the functions' execution roles of this account", async () => {
    expect((await KINDS['iam-role'].wiredTo?.(wiring()))?.sort()).toEqual(['api-exec', 'worker-exec']);
  });

  it('buses: the custom bus of a rule that invokes a function (not the default bus)', async () => {
    expect(await KINDS['eventbridge-bus'].wiredTo?.(wiring())).toEqual(['orders-bus']);
  });

  it('images: what an image function runs, $LATEST and each version, by digest', async () => {
    expect((await KINDS['ecr-image'].wiredTo?.(wiring()))?.sort()).toEqual([
      `api@${digest('a')}`,
      `api@${digest('b')}`,
    ]);
  });
});
