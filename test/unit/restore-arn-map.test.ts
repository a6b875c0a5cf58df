import { describe, expect, it } from '@jest/globals';
import { diffFields } from '../../src/reconcile/diff.js';
import { mapperFor } from '../../src/restore/mapper.js';

const mapper = mapperFor({
  sourceRegion: 'eu-west-1',
  targetRegion: 'us-west-1',
  sourceAccount: '111111111111',
  targetAccount: '222222222222',
  suffix: '-copy',
  restored: {
    function: ['orders'],
    layer: ['utils'],
    'dynamodb-table': ['orders'],
    's3-bucket': ['uploads'],
  },
  roles: { 'arn:aws:iam::111111111111:role/app': 'arn:aws:iam::222222222222:role/app-dr' },
  apiIds: { abc123: 'xyz789' },
  layerVersions: {
    'arn:aws:lambda:eu-west-1:111111111111:layer:utils:4':
      'arn:aws:lambda:us-west-1:222222222222:layer:utils-copy:1',
  },
  functionVersions: { orders: { '3': '2' } },
});

describe('restore ARN mapper', () => {
  it.each([
    [
      'function, version renumbered',
      'arn:aws:lambda:eu-west-1:111111111111:function:orders:3',
      'arn:aws:lambda:us-west-1:222222222222:function:orders-copy:2',
    ],
    [
      'function alias',
      'arn:aws:lambda:eu-west-1:111111111111:function:orders:live',
      'arn:aws:lambda:us-west-1:222222222222:function:orders-copy:live',
    ],
    [
      'function not restored keeps its name',
      'arn:aws:lambda:eu-west-1:111111111111:function:billing',
      'arn:aws:lambda:us-west-1:222222222222:function:billing',
    ],
    [
      'layer version re-published',
      'arn:aws:lambda:eu-west-1:111111111111:layer:utils:4',
      'arn:aws:lambda:us-west-1:222222222222:layer:utils-copy:1',
    ],
    ['role from the role map', 'arn:aws:iam::111111111111:role/app', 'arn:aws:iam::222222222222:role/app-dr'],
    ['other role: account only', 'arn:aws:iam::111111111111:role/ops', 'arn:aws:iam::222222222222:role/ops'],
    [
      'restored table stream',
      'arn:aws:dynamodb:eu-west-1:111111111111:table/orders/stream/2026-01-01T00:00:00.000',
      'arn:aws:dynamodb:us-west-1:222222222222:table/orders-copy/stream/2026-01-01T00:00:00.000',
    ],
    ['restored bucket', 'arn:aws:s3:::uploads', 'arn:aws:s3:::uploads-copy'],
    ['bucket not restored', 'arn:aws:s3:::shared', 'arn:aws:s3:::shared'],
    [
      'queue: region and account',
      'arn:aws:sqs:eu-west-1:111111111111:jobs',
      'arn:aws:sqs:us-west-1:222222222222:jobs',
    ],
    [
      'execute-api with a re-created API',
      'arn:aws:execute-api:eu-west-1:111111111111:abc123/*/POST/orders',
      'arn:aws:execute-api:us-west-1:222222222222:xyz789/*/POST/orders',
    ],
    [
      'rule gets the suffix',
      'arn:aws:events:eu-west-1:111111111111:rule/nightly',
      'arn:aws:events:us-west-1:222222222222:rule/nightly-copy',
    ],
    [
      'REST integration URI',
      'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111111111111:function:orders:3/invocations',
      'arn:aws:apigateway:us-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-1:222222222222:function:orders-copy:2/invocations',
    ],
    [
      'ARN of another region stays',
      'arn:aws:sns:ap-south-1:111111111111:topic',
      'arn:aws:sns:ap-south-1:222222222222:topic',
    ],
    ['not an ARN', 'orders', 'orders'],
  ])('maps %s', (_what, from, to) => {
    expect(mapper.mapArn(from)).toBe(to);
  });

  it('maps every ARN inside a structure and leaves other strings alone', () => {
    // Act
    const mapped = mapper.mapDeep({
      Role: 'arn:aws:iam::111111111111:role/app',
      Handler: 'index.handler',
      Layers: ['arn:aws:lambda:eu-west-1:111111111111:layer:utils:4'],
    });
    // Assess
    expect(mapped).toEqual({
      Role: 'arn:aws:iam::222222222222:role/app-dr',
      Handler: 'index.handler',
      Layers: ['arn:aws:lambda:us-west-1:222222222222:layer:utils-copy:1'],
    });
  });
});

describe('restore field diff', () => {
  it('compares only the fields a projection sets at the top, and both ways below it', () => {
    // Act
    const fields = diffFields(
      { MemorySize: 256, Environment: { Variables: { A: '1', EXTRA: 'x' } }, Unrelated: true },
      { MemorySize: 256, Environment: { Variables: { A: '1' } }, Timeout: undefined },
    );
    // Assess
    expect(fields).toEqual([{ field: 'Environment.Variables.EXTRA', current: 'x', desired: undefined }]);
  });
});

describe('restore ARN mapper: the source kinds', () => {
  const sources = mapperFor({
    sourceRegion: 'eu-west-1',
    targetRegion: 'us-west-1',
    sourceAccount: '111111111111',
    targetAccount: '222222222222',
    suffix: '-drill-a1b2c3',
    restored: {
      'sqs-queue': ['jobs', 'ledger.fifo'],
      'sns-topic': ['events.fifo'],
      'eventbridge-bus': ['orders'],
      'iam-role': ['exec'],
      'ecr-image': [`app/api@sha256:${'a'.repeat(64)}`],
    },
    roles: { 'arn:aws:iam::111111111111:role/mapped': 'arn:aws:iam::222222222222:role/other' },
    apiIds: {},
    layerVersions: {},
    functionVersions: {},
  });

  it.each([
    [
      'restored queue',
      'arn:aws:sqs:eu-west-1:111111111111:jobs',
      'arn:aws:sqs:us-west-1:222222222222:jobs-drill-a1b2c3',
    ],
    [
      'FIFO queue keeps .fifo last',
      'arn:aws:sqs:eu-west-1:111111111111:ledger.fifo',
      'arn:aws:sqs:us-west-1:222222222222:ledger-drill-a1b2c3.fifo',
    ],
    [
      'FIFO topic subscription',
      'arn:aws:sns:eu-west-1:111111111111:events.fifo:0f2e',
      'arn:aws:sns:us-west-1:222222222222:events-drill-a1b2c3.fifo:0f2e',
    ],
    [
      'custom bus',
      'arn:aws:events:eu-west-1:111111111111:event-bus/orders',
      'arn:aws:events:us-west-1:222222222222:event-bus/orders-drill-a1b2c3',
    ],
    [
      'rule on a restored bus',
      'arn:aws:events:eu-west-1:111111111111:rule/orders/nightly',
      'arn:aws:events:us-west-1:222222222222:rule/orders-drill-a1b2c3/nightly-drill-a1b2c3',
    ],
    [
      'restored role under a path',
      'arn:aws:iam::111111111111:role/app/exec',
      'arn:aws:iam::222222222222:role/app/exec-drill-a1b2c3',
    ],
    ['--role-map wins', 'arn:aws:iam::111111111111:role/mapped', 'arn:aws:iam::222222222222:role/other'],
  ])('%s', (_label, arn, mapped) => {
    expect(sources.mapArn(arn)).toBe(mapped);
  });

  it('maps an image URI to the target registry, the repository renamed when its image is restored', () => {
    expect(sources.mapImageUri('111111111111.dkr.ecr.eu-west-1.amazonaws.com/app/api:v3')).toBe(
      '222222222222.dkr.ecr.us-west-1.amazonaws.com/app/api-drill-a1b2c3:v3',
    );
    expect(
      sources.mapImageUri(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/other@sha256:${'b'.repeat(64)}`),
    ).toBe(`222222222222.dkr.ecr.us-west-1.amazonaws.com/other@sha256:${'b'.repeat(64)}`);
    expect(sources.mapImageUri('public.ecr.aws/lambda/nodejs:22')).toBe('public.ecr.aws/lambda/nodejs:22');
  });
});
