import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { FunctionChange } from '../../schemas/audit.js';
import { attachWho } from '../../src/audit/cloudtrail.js';

// moto's CloudTrail LookupEvents answers 500, so who/when is tested with aws-sdk-client-mock.
const cloudTrail = mockClient(CloudTrailClient);
const window = { start: new Date('2026-11-24T00:00:00Z'), end: new Date('2026-11-25T00:00:00Z') };
const changes = (): FunctionChange[] => [
  { region: 'eu-west-2', name: 'orders-api', change: 'modified', code: { from: 'a', to: 'b' } },
  {
    region: 'eu-west-2',
    name: 'billing',
    change: 'modified',
    triggers: { added: [], removed: ['sns-subscription x'] },
  },
];

afterEach(() => {
  cloudTrail.reset();
});
afterAll(() => {
  cloudTrail.restore();
});

describe('CloudTrail who/when (mocked: moto answers 500)', () => {
  it('attaches the Lambda events of each changed function within the window', async () => {
    // Prepare
    cloudTrail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'orders-api' }],
      })
      .resolves({
        Events: [
          {
            EventName: 'UpdateFunctionCode20150331v2',
            EventSource: 'lambda.amazonaws.com',
            EventTime: new Date('2026-11-24T10:00:00Z'),
            Username: 'alice',
            CloudTrailEvent: JSON.stringify({ userIdentity: { arn: 'arn:aws:iam::1:user/alice' } }),
          },
          { EventName: 'PutObject', EventSource: 's3.amazonaws.com', EventTime: new Date(), Username: 'bob' },
        ],
      });
    cloudTrail
      .on(LookupEventsCommand, {
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'billing' }],
      })
      .resolves({ Events: [] });
    const list = changes();
    // Act
    const status = await attachWho(list, window);
    // Assess
    expect(status).toEqual({ available: true, regions: ['eu-west-2'], reason: undefined });
    expect(list[0]?.who).toEqual([
      {
        time: '2026-11-24T10:00:00.000Z',
        event: 'UpdateFunctionCode20150331v2',
        user: 'alice',
        source: 'arn:aws:iam::1:user/alice',
      },
    ]);
    expect(list[1]?.who).toEqual([]);
    expect(cloudTrail.commandCalls(LookupEventsCommand)[0]?.args[0].input).toMatchObject({
      StartTime: window.start,
      EndTime: window.end,
    });
  });

  it('skips cleanly where CloudTrail is not available: one failed call per region, no who, a reason', async () => {
    // Prepare
    cloudTrail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure' }));
    const list = changes();
    // Act
    const status = await attachWho(list, window);
    // Assess
    expect(status).toEqual({
      available: false,
      reason: 'eu-west-2: InternalFailure: We encountered an internal error',
    });
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
    expect(list.every((change) => change.who === undefined)).toBe(true);
  });

  it('is not asked at all when switched off', async () => {
    process.env.TRIGGERVAULT_CLOUDTRAIL = 'off';
    try {
      expect(await attachWho(changes(), window)).toMatchObject({ available: false });
      expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(0);
    } finally {
      delete process.env.TRIGGERVAULT_CLOUDTRAIL;
    }
  });
});
