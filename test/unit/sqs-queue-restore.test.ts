import { CreateQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsQueue } from '../../src/kinds/sqs-queue/index.js';
import { artifactKey } from '../../src/store/layout.js';
import { suiteFileStore } from '../helpers/kinds.js';
import { restoreContext, restoreWith } from '../helpers/source-kinds.js';

// Unit test with aws-sdk-client-mock: moto accepts a RedriveAllowPolicy but never answers it back, so
// the cross-region mapping of the redrive allow policy and of a customer key is checked on the
// CreateQueue call itself.
const SOURCE = 'eu-west-1';
const TARGET = 'eu-central-1';
const ACCOUNT = '123456789012';
const suite = suiteFileStore();
const sqs = mockClient(SQSClient);
afterAll(() => sqs.restore());

describe('sqs-queue restore into another region', () => {
  it('maps the redrive allow policy and falls back to the AWS managed key, saying so', async () => {
    // Prepare
    const runId = '20261125T120000Z-a1b2c3';
    const config = {
      format: 1,
      region: SOURCE,
      name: 'dead-letters',
      arn: `arn:aws:sqs:${SOURCE}:${ACCOUNT}:dead-letters`,
      attributes: {
        QueueArn: `arn:aws:sqs:${SOURCE}:${ACCOUNT}:dead-letters`,
        MessageRetentionPeriod: '1209600',
        KmsMasterKeyId: `arn:aws:kms:${SOURCE}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
        RedriveAllowPolicy: JSON.stringify({
          redrivePermission: 'byQueue',
          sourceQueueArns: [`arn:aws:sqs:${SOURCE}:${ACCOUNT}:jobs`],
        }),
        ApproximateNumberOfMessages: '7',
      },
      tags: { app: 'orders' },
    };
    const path = artifactKey(runId, SOURCE, 'sqs-queue', 'dead-letters', 'config.json');
    const written = await suite.store.putJson(path, config);
    sqs.on(GetQueueUrlCommand).rejects(Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' }));
    sqs.on(CreateQueueCommand).resolves({ QueueUrl: `https://sqs/${ACCOUNT}/dead-letters` });
    const item = {
      region: SOURCE,
      kind: 'sqs-queue' as const,
      name: 'dead-letters',
      status: 'ok' as const,
      artifacts: [{ role: 'config', path, sha256: written.sha256, bytes: written.bytes }],
    };
    // Act
    const result = await restoreWith(
      sqsQueue,
      item,
      restoreContext({ store: suite.store, runId, region: SOURCE, targetRegion: TARGET }),
    );
    // Assess: counters are not settable; the source region's key cannot encrypt in the target.
    expect(result.action).toBe('create');
    const created = sqs.commandCalls(CreateQueueCommand)[0]?.args[0].input;
    expect(created).toEqual({
      QueueName: 'dead-letters',
      Attributes: {
        MessageRetentionPeriod: '1209600',
        KmsMasterKeyId: 'alias/aws/sqs',
        RedriveAllowPolicy: JSON.stringify({
          redrivePermission: 'byQueue',
          sourceQueueArns: [`arn:aws:sqs:${TARGET}:${ACCOUNT}:jobs`],
        }),
      },
      tags: { app: 'orders' },
    });
    expect(result.notes.join(' ')).toMatch(/alias\/aws\/sqs.*belongs to eu-west-1/);
  });
});
