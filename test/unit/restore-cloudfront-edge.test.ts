import {
  CloudFrontClient,
  type DistributionConfig,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { RestoreContext } from '../../src/reconcile/context.js';
import { mapperFor } from '../../src/restore/mapper.js';
import type { BackupStore } from '../../src/store/store.js';
import { cloudFrontEdgeTrigger } from '../../src/triggers/cloudfront-edge.js';
import type { TriggerRecord } from '../../src/triggers/types.js';

// moto's CloudFront drops LambdaFunctionAssociations (ARCHITECTURE.md, "moto gaps"): restoring
// Lambda@Edge is tested against aws-sdk-client-mock, GetDistributionConfig and UpdateDistribution only.

const ACCOUNT = '123456789012';
const FN_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:tv-edge`;
const OTHER = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:other-edge:7`;

const record: TriggerRecord = {
  type: 'cloudfront-edge',
  id: 'E1EDGE/default/viewer-request',
  source: `arn:aws:cloudfront::${ACCOUNT}:distribution/E1EDGE`,
  target: `${FN_ARN}:3`,
  config: {
    DistributionId: 'E1EDGE',
    DefaultCacheBehavior: true,
    EventType: 'viewer-request',
    IncludeBody: true,
  },
  permissions: [],
};

/** Version 3 of tv-edge was republished as version 2. */
const context = (overrides: Partial<RestoreContext> = {}, edge = true): RestoreContext => ({
  store: {} as BackupStore,
  runId: '20261125T120000Z-abcdef',
  restoreId: '20261125T130000Z-fedcba',
  sourceRegion: 'us-east-1',
  targetRegion: 'us-east-1',
  mapper: mapperFor({
    sourceRegion: 'us-east-1',
    targetRegion: 'us-east-1',
    sourceAccount: ACCOUNT,
    targetAccount: ACCOUNT,
    restored: { function: ['tv-edge'] },
    roles: {},
    apiIds: {},
    layerVersions: {},
    functionVersions: { 'tv-edge': { '3': '2' } },
  }),
  apply: true,
  force: false,
  options: { edge, startingPosition: 'LATEST' },
  deadline: Date.now() + 60_000,
  ...overrides,
});

const distributionConfig = (
  items: {
    LambdaFunctionARN: string;
    EventType: 'viewer-request' | 'origin-response';
    IncludeBody?: boolean;
  }[],
) =>
  ({
    CallerReference: 'ref',
    Comment: '',
    Enabled: true,
    Origins: { Quantity: 0, Items: [] },
    DefaultCacheBehavior: {
      TargetOriginId: 'origin',
      ViewerProtocolPolicy: 'allow-all',
      LambdaFunctionAssociations: { Quantity: items.length, Items: items },
    },
  }) as DistributionConfig;

describe('cloudfront-edge restore', () => {
  const cloudFront = mockClient(CloudFrontClient);
  beforeEach(() => {
    cloudFront.reset();
  });
  afterAll(() => {
    cloudFront.restore();
  });

  it('reports the association as manual work unless asked, and calls CloudFront not at all', async () => {
    // Act
    const result = await cloudFrontEdgeTrigger.restore(record, context({}, false));
    // Assess
    expect(result.changes).toEqual([
      {
        resource: 'cloudfront-edge E1EDGE/default/viewer-request',
        action: 'manual',
        note: `Lambda@Edge on distribution E1EDGE default behavior viewer-request: UpdateDistribution redeploys the distribution; restore with --edge, or associate ${FN_ARN}:2 yourself`,
      },
    ]);
    expect(cloudFront.calls()).toHaveLength(0);
  });

  it("associates the republished version with --edge, keeping the behavior's other associations", async () => {
    // Prepare
    cloudFront.on(GetDistributionConfigCommand).resolves({
      ETag: 'E-TAG-1',
      DistributionConfig: distributionConfig([{ LambdaFunctionARN: OTHER, EventType: 'origin-response' }]),
    });
    cloudFront.on(UpdateDistributionCommand).resolves({});
    // Act
    const result = await cloudFrontEdgeTrigger.restore(record, context());
    // Assess
    expect(result.changes.map((change) => change.action)).toEqual(['create']);
    const updates = cloudFront.commandCalls(UpdateDistributionCommand);
    expect(updates).toHaveLength(1);
    expect(updates[0]?.args[0].input.IfMatch).toBe('E-TAG-1');
    expect(
      updates[0]?.args[0].input.DistributionConfig?.DefaultCacheBehavior?.LambdaFunctionAssociations,
    ).toEqual({
      Quantity: 2,
      Items: [
        { LambdaFunctionARN: OTHER, EventType: 'origin-response' },
        { LambdaFunctionARN: `${FN_ARN}:2`, EventType: 'viewer-request', IncludeBody: true },
      ],
    });
  });

  it('finds an association that is already restored unchanged, and one that differs left alone without --force', async () => {
    // Prepare
    cloudFront
      .on(GetDistributionConfigCommand)
      .resolvesOnce({
        ETag: 'E-TAG-2',
        DistributionConfig: distributionConfig([
          { LambdaFunctionARN: `${FN_ARN}:2`, EventType: 'viewer-request', IncludeBody: true },
        ]),
      })
      .resolvesOnce({
        ETag: 'E-TAG-3',
        DistributionConfig: distributionConfig([
          { LambdaFunctionARN: `${FN_ARN}:1`, EventType: 'viewer-request', IncludeBody: true },
        ]),
      });
    // Act
    const same = await cloudFrontEdgeTrigger.restore(record, context());
    const other = await cloudFrontEdgeTrigger.restore(record, context());
    // Assess
    expect(same.changes.map((change) => change.action)).toEqual(['unchanged']);
    expect(other.changes).toEqual([
      {
        resource: 'lambda@edge distribution E1EDGE default behavior viewer-request',
        action: 'differs',
        fields: [{ field: 'LambdaFunctionARN', current: `${FN_ARN}:1`, desired: `${FN_ARN}:2` }],
      },
    ]);
    expect(cloudFront.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
  });

  it('changes nothing in a dry run, and is blocked outside us-east-1', async () => {
    // Prepare
    cloudFront
      .on(GetDistributionConfigCommand)
      .resolves({ ETag: 'E-TAG-4', DistributionConfig: distributionConfig([]) });
    // Act
    const dryRun = await cloudFrontEdgeTrigger.restore(record, context({ apply: false }));
    const elsewhere = await cloudFrontEdgeTrigger.restore(record, context({ targetRegion: 'eu-west-1' }));
    // Assess
    expect(dryRun.changes.map((change) => change.action)).toEqual(['create']);
    expect(elsewhere.changes.map((change) => change.action)).toEqual(['blocked']);
    expect(cloudFront.commandCalls(UpdateDistributionCommand)).toHaveLength(0);
  });
});
