import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { SETTABLE_ATTRIBUTES } from '../../../src/kinds/sqs-queue/format.js';
import { sqsQueue } from '../../../src/kinds/sqs-queue/index.js';
import { unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, expectSameFields, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named queues only, never a listing of the whole region: the shared home region is enough.
const REGION = HOME_REGION;
const sqs = client(SQSClient, REGION);
const suite = suiteFileStore();

const urlOf = async (QueueName: string) =>
  (await sqs.send(new GetQueueUrlCommand({ QueueName }))).QueueUrl as string;

/** A queue as a restore must reproduce it: every settable attribute (JSON ones parsed) and its tags. */
async function pictureOf(name: string): Promise<Record<string, unknown>> {
  const QueueUrl = await urlOf(name);
  const attributes =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
  const settable = Object.fromEntries(
    SETTABLE_ATTRIBUTES.flatMap((key) => {
      const value = attributes[key];
      if (value === undefined) return [];
      return [[key, key.endsWith('Policy') ? JSON.parse(value) : value]];
    }),
  );
  const tags = (await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags ?? {};
  return { ...settable, tags };
}

const deleteQueue = async (name: string) => sqs.send(new DeleteQueueCommand({ QueueUrl: await urlOf(name) }));

describe('sqs-queue', () => {
  const names = {
    dlq: unique('tv-dlq'),
    jobs: unique('tv-jobs'),
    fifoDlq: `${unique('tv-fdlq')}.fifo`,
    fifo: `${unique('tv-orders')}.fifo`,
  };
  const originals: Record<string, Awaited<ReturnType<typeof pictureOf>>> = {};
  const runId = runIdAt();
  const items: Record<string, Awaited<ReturnType<typeof backUp>>> = {};

  beforeAll(async () => {
    // Prepare: a standard queue and a FIFO queue, each with a dead-letter queue, policy, encryption, tags.
    for (const [dlq, main, fifo] of [
      [names.dlq, names.jobs, false],
      [names.fifoDlq, names.fifo, true],
    ] as const) {
      const dlqUrl = (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: dlq,
            Attributes: { MessageRetentionPeriod: '1209600', ...(fifo ? { FifoQueue: 'true' } : {}) },
          }),
        )
      ).QueueUrl as string;
      const dlqArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
      ).Attributes?.QueueArn as string;
      const arn = `arn:aws:sqs:${REGION}:123456789012:${main}`;
      await sqs.send(
        new CreateQueueCommand({
          QueueName: main,
          Attributes: {
            VisibilityTimeout: '45',
            MessageRetentionPeriod: '86400',
            DelaySeconds: '5',
            ReceiveMessageWaitTimeSeconds: '10',
            MaximumMessageSize: '65536',
            KmsMasterKeyId: 'alias/aws/sqs',
            KmsDataKeyReusePeriodSeconds: '600',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'topic',
                  Effect: 'Allow',
                  Principal: { Service: 'sns.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: arn,
                  Condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:${REGION}:123456789012:orders` } },
                },
              ],
            }),
            ...(fifo
              ? {
                  FifoQueue: 'true',
                  ContentBasedDeduplication: 'true',
                  DeduplicationScope: 'messageGroup',
                  FifoThroughputLimit: 'perMessageGroupId',
                }
              : {}),
          },
          tags: { app: 'orders', tier: fifo ? 'fifo' : 'standard' },
        }),
      );
    }
    for (const name of Object.values(names)) {
      originals[name] = await pictureOf(name);
      items[name] = await backUp(sqsQueue, suite.store, REGION, name, runId);
    }
  });

  it('comes back from nothing with every attribute and tag, its dead-letter queue created first', async () => {
    // Act: the queues are lost; the main queues are restored before their dead-letter queues.
    for (const name of Object.values(names)) await deleteQueue(name);
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      restored: { 'sqs-queue': Object.values(names) },
    });
    const results = [];
    for (const name of [names.jobs, names.fifo, names.dlq, names.fifoDlq])
      results.push(await restoreWith(sqsQueue, items[name] as never, context));
    // Assess: main queues created (their DLQs with them), the DLQs' own items then find them equal.
    expect(results.map((result) => result.action)).toEqual(['create', 'create', 'unchanged', 'unchanged']);
    expect(results[0]?.notes.join(' ')).toMatch(/messages are transient/);
    for (const name of Object.values(names))
      expectSameFields(originals[name] as never, await pictureOf(name));
    expect(originals[names.fifo]).toMatchObject({ FifoQueue: 'true', DeduplicationScope: 'messageGroup' });
  });

  it('compares first: unchanged, differs without force, updated with force, nothing in a dry run', async () => {
    // Prepare
    const item = items[names.jobs] as never;
    const base = { store: suite.store, runId, region: REGION };
    // moto drops a queue's Policy on any SetQueueAttributes that does not repeat it (AWS keeps it): repeated.
    const Policy = JSON.stringify((originals[names.jobs] as { Policy: unknown }).Policy);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: await urlOf(names.jobs),
        Attributes: { VisibilityTimeout: '5', Policy },
      }),
    );
    // Act
    const dryRun = await restoreWith(sqsQueue, item, restoreContext({ ...base, apply: false, force: true }));
    const refused = await restoreWith(sqsQueue, item, restoreContext(base));
    const forced = await restoreWith(sqsQueue, item, restoreContext({ ...base, force: true }));
    const again = await restoreWith(sqsQueue, item, restoreContext(base));
    // Assess
    expect(dryRun.action).toBe('update');
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields).toEqual([
      { field: 'Attributes.VisibilityTimeout', current: '5', desired: '45' },
    ]);
    expect(forced.action).toBe('update');
    expect(again.action).toBe('unchanged');
    expectSameFields(originals[names.jobs] as never, await pictureOf(names.jobs));
  });

  it('restores a scratch copy under a suffix (before .fifo) wired to the scratch dead-letter queue, and tears it down', async () => {
    // Prepare
    const suffix = '-drill-5a5a5a';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      suffix,
      restored: { 'sqs-queue': Object.values(names) },
    });
    // Act
    const result = await restoreWith(sqsQueue, items[names.fifo] as never, context);
    const copy = names.fifo.replace(/\.fifo$/, `${suffix}.fifo`);
    const picture = await pictureOf(copy);
    // Assess
    expect(result.action).toBe('create');
    expect(picture.RedrivePolicy).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${REGION}:123456789012:${names.fifoDlq.replace(/\.fifo$/, `${suffix}.fifo`)}`,
      maxReceiveCount: 3,
    });
    expect(JSON.stringify(picture.Policy)).toContain(`:${copy}`);
    const deletions = await sqsQueue.teardown?.(REGION, `${names.fifo}${suffix}`, { source: names.fifo });
    expect(deletions?.map((deletion) => deletion.resource)).toEqual([`queue ${copy}`]);
    expect(await deletions?.[0]?.remove()).toBe(true);
    expect(await deletions?.[0]?.remove()).toBe(false);
  });
});
