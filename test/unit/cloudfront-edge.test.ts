import {
  CloudFrontClient,
  type DistributionSummary,
  ListDistributionsCommand,
} from '@aws-sdk/client-cloudfront';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudFrontEdgeTrigger } from '../../src/triggers/cloudfront-edge.js';
import { clearListingMemos } from '../../src/triggers/shared.js';
import type { FunctionRef } from '../../src/triggers/types.js';

// moto's CloudFront drops LambdaFunctionAssociations (see ARCHITECTURE.md, "moto gaps"), so this
// module is tested against aws-sdk-client-mock instead of the emulator: only ListDistributions is mocked.

const ACCOUNT = '123456789012';
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:tv-edge`;
const fn: FunctionRef = { region: 'us-east-1', accountId: ACCOUNT, name: 'tv-edge', arn: FN_ARN, policy: [] };

const associations = (
  ...items: { arn: string; event: 'viewer-request' | 'origin-response'; body?: boolean }[]
) => ({
  Quantity: items.length,
  Items: items.map(({ arn, event, body }) => ({
    LambdaFunctionARN: arn,
    EventType: event,
    IncludeBody: body,
  })),
});

/** The parts of a DistributionSummary the module reads; the rest is irrelevant to Lambda@Edge. */
const distribution = (id: string, behaviors: Partial<DistributionSummary>) =>
  ({ Id: id, ARN: `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`, ...behaviors }) as DistributionSummary;

describe('cloudfront-edge trigger', () => {
  const cloudFront = mockClient(CloudFrontClient);
  beforeEach(() => {
    cloudFront.reset();
    clearListingMemos();
  });
  afterAll(() => {
    cloudFront.restore();
  });

  it('captures version-qualified associations of default and ordered cache behaviors across pages', async () => {
    // Prepare
    const first = distribution('E1FIRST', {
      DefaultCacheBehavior: {
        TargetOriginId: 'origin',
        ViewerProtocolPolicy: 'allow-all',
        LambdaFunctionAssociations: associations({ arn: `${FN_ARN}:3`, event: 'viewer-request' }),
      },
      CacheBehaviors: {
        Quantity: 2,
        Items: [
          {
            PathPattern: '/api/*',
            TargetOriginId: 'origin',
            ViewerProtocolPolicy: 'https-only',
            LambdaFunctionAssociations: associations(
              { arn: `${FN_ARN}:4`, event: 'origin-response', body: true },
              { arn: `${FN_ARN}-other:1`, event: 'viewer-request' },
            ),
          },
          { PathPattern: '/static/*', TargetOriginId: 'origin', ViewerProtocolPolicy: 'allow-all' },
        ],
      },
    });
    const second = distribution('E2SECOND', {
      DefaultCacheBehavior: {
        TargetOriginId: 'origin',
        ViewerProtocolPolicy: 'allow-all',
        LambdaFunctionAssociations: associations({
          arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:someone:1`,
          event: 'viewer-request',
        }),
      },
    });
    const third = distribution('E3THIRD', {
      DefaultCacheBehavior: {
        TargetOriginId: 'origin',
        ViewerProtocolPolicy: 'allow-all',
        LambdaFunctionAssociations: associations({
          arn: `${FN_ARN}:5`,
          event: 'viewer-request',
          body: false,
        }),
      },
    });
    cloudFront
      .on(ListDistributionsCommand, { Marker: undefined })
      .resolves({
        DistributionList: {
          Marker: '',
          NextMarker: 'page-2',
          IsTruncated: true,
          MaxItems: 2,
          Quantity: 2,
          Items: [first, second],
        },
      })
      .on(ListDistributionsCommand, { Marker: 'page-2' })
      .resolves({
        DistributionList: { Marker: 'page-2', IsTruncated: false, MaxItems: 2, Quantity: 1, Items: [third] },
      });
    // Act
    const records = await cloudFrontEdgeTrigger.list(fn);
    // Assess
    const source = (id: string) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`;
    expect(records).toEqual([
      {
        type: 'cloudfront-edge',
        id: 'E1FIRST/default/viewer-request',
        source: source('E1FIRST'),
        target: `${FN_ARN}:3`,
        config: { DistributionId: 'E1FIRST', DefaultCacheBehavior: true, EventType: 'viewer-request' },
        permissions: [],
      },
      {
        type: 'cloudfront-edge',
        id: 'E1FIRST//api/*/origin-response',
        source: source('E1FIRST'),
        target: `${FN_ARN}:4`,
        config: {
          DistributionId: 'E1FIRST',
          DefaultCacheBehavior: false,
          PathPattern: '/api/*',
          EventType: 'origin-response',
          IncludeBody: true,
        },
        permissions: [],
      },
      {
        type: 'cloudfront-edge',
        id: 'E3THIRD/default/viewer-request',
        source: source('E3THIRD'),
        target: `${FN_ARN}:5`,
        config: {
          DistributionId: 'E3THIRD',
          DefaultCacheBehavior: true,
          EventType: 'viewer-request',
          IncludeBody: false,
        },
        permissions: [],
      },
    ]);
    expect(cloudFront.commandCalls(ListDistributionsCommand)).toHaveLength(2);
  });

  it('does not look at CloudFront for a function outside us-east-1', async () => {
    // Prepare
    const elsewhere: FunctionRef = {
      ...fn,
      region: 'eu-west-1',
      arn: FN_ARN.replace('us-east-1', 'eu-west-1'),
    };
    // Act
    const records = await cloudFrontEdgeTrigger.list(elsewhere);
    // Assess
    expect(records).toEqual([]);
    expect(cloudFront.commandCalls(ListDistributionsCommand)).toHaveLength(0);
  });
});
