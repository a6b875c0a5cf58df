import {
  CreateQueueCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { keepingEnding } from '../../reconcile/arn-map.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { notPossible, reconcile } from '../../reconcile/diff.js';
import { artifactKey } from '../../store/layout.js';
import { readDocument, regionalKey, tagChanges } from '../shared/document.js';
import { CREATE_ONLY, JSON_ATTRIBUTES, QueueConfig, queueNameOf, SETTABLE_ATTRIBUTES } from './format.js';
import { queueAttributes, queueTags, queueUrl } from './queues.js';

/**
 * Restores an SQS queue from config.json: a missing queue is created with its attributes (visibility,
 * retention, delay, maximum size, long polling, FIFO and deduplication, redrive policy, redrive allow
 * policy, encryption, policy) and tags, every ARN in them mapped; an existing one is compared and
 * changed only with force (FifoQueue cannot change: that difference is manual). A redrive policy's
 * dead-letter queue that this restore also brings back is created first (it is in the same tier), from
 * its own stored configuration. Messages are transient and were not backed up: the queue comes back
 * empty.
 */

const FIFO = /\.fifo$/;

/** The queue's name in the target (a suffix goes before `.fifo`). */
export const queueNameIn = (context: RestoreContext, name: string): string =>
  keepingEnding(name, context.mapper.mapName('sqs-queue', name), FIFO);

/** What is compared and set: the settable attributes (JSON ones parsed, ARNs mapped) and the tags. */
interface QueueShape {
  Attributes: Record<string, unknown>;
  Tags: Record<string, string>;
}

function desiredShape(config: QueueConfig, context: RestoreContext, notes: string[]): QueueShape {
  const Attributes: Record<string, unknown> = {};
  for (const name of SETTABLE_ATTRIBUTES) {
    const value = config.attributes[name];
    if (value === undefined) continue;
    Attributes[name] = JSON_ATTRIBUTES.has(name) ? context.mapper.mapDeep(JSON.parse(value)) : value;
  }
  // A suffix renames the queue: so does it the dead-letter queue and the policy's own ARN.
  const redrive = Attributes.RedrivePolicy as { deadLetterTargetArn?: string } | undefined;
  if (redrive?.deadLetterTargetArn)
    Attributes.RedrivePolicy = {
      ...redrive,
      deadLetterTargetArn: mappedQueueArn(context, redrive.deadLetterTargetArn),
    };
  if (Attributes.KmsMasterKeyId !== undefined)
    Attributes.KmsMasterKeyId = regionalKey(String(Attributes.KmsMasterKeyId), 'sqs', context, notes);
  return { Attributes, Tags: config.tags };
}

/** A queue ARN in the target: region and account mapped, the name renamed when this restore re-creates it. */
function mappedQueueArn(context: RestoreContext, arn: string): string {
  const parts = context.mapper.mapArn(arn).split(':');
  parts[5] = queueNameIn(context, queueNameOf(arn));
  return parts.join(':');
}

async function liveShape(sqs: SQSClient, url: string, names: string[]): Promise<QueueShape> {
  const [attributes, Tags] = await Promise.all([queueAttributes(sqs, url), queueTags(sqs, url)]);
  const Attributes: Record<string, unknown> = {};
  for (const name of names) {
    const value = attributes[name];
    if (value !== undefined) Attributes[name] = JSON_ATTRIBUTES.has(name) ? JSON.parse(value) : value;
  }
  return { Attributes, Tags };
}

/** Attribute values as SQS takes them (JSON documents as text). */
const asText = (attributes: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

async function createQueue(sqs: SQSClient, name: string, desired: QueueShape) {
  await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: asText(desired.Attributes) as Record<QueueAttributeName, string>,
      tags: Object.keys(desired.Tags).length ? desired.Tags : undefined,
    }),
  );
}

/**
 * The redrive target must exist before the queue names it. Created here from its stored configuration
 * when this restore re-creates it too (its own item then finds it and compares); else the queue is blocked.
 */
async function ensureDeadLetterQueue(
  sqs: SQSClient,
  config: QueueConfig,
  desired: QueueShape,
  context: RestoreContext,
  depth = 0,
): Promise<string | undefined> {
  const recorded = config.attributes.RedrivePolicy
    ? (JSON.parse(config.attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  if (!recorded) return undefined;
  const target = (desired.Attributes.RedrivePolicy as { deadLetterTargetArn: string }).deadLetterTargetArn;
  const [, , , , account, name = ''] = target.split(':');
  if (await queueUrl(sqs, name, account)) return undefined;
  const source = queueNameOf(recorded);
  if (
    depth > 3 ||
    !context.mapper.isRestored('sqs-queue', source) ||
    recorded.split(':')[3] !== config.region
  )
    return `its dead-letter queue ${target} does not exist in ${context.targetRegion}: restore or create it first`;
  const stored = parseOrThrow(
    QueueConfig,
    await context.store.getJson(
      artifactKey(context.runId, config.region, 'sqs-queue', source, 'config.json'),
    ),
    `sqs-queue ${source} configuration`,
  );
  const own = desiredShape(stored, context, []);
  const blocked = await ensureDeadLetterQueue(sqs, stored, own, context, depth + 1);
  if (blocked) return blocked;
  await createQueue(sqs, name, own);
  return undefined;
}

/** Every recorded attribute in one SetQueueAttributes (the queue ends exactly as recorded), then the tags. */
async function updateQueue(sqs: SQSClient, url: string, desired: QueueShape, current: QueueShape) {
  const attributes = Object.fromEntries(
    Object.entries(desired.Attributes).filter(([name]) => !CREATE_ONLY.has(name)),
  );
  if (Object.keys(attributes).length)
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: asText(attributes) as Record<QueueAttributeName, string>,
      }),
    );
  const tags = tagChanges(current.Tags, desired.Tags);
  if (tags.remove.length) await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: tags.remove }));
  if (Object.keys(tags.set).length) await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: tags.set }));
}

export async function restoreQueue(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, QueueConfig);
  const name = queueNameIn(context, config.name);
  const sqs = client(SQSClient, context.targetRegion);
  const notes = [`queue ${name}: messages are transient and were not backed up; it comes back empty`];
  const desired = desiredShape(config, context, notes);
  const url = await queueUrl(sqs, name);
  const current = url ? await liveShape(sqs, url, Object.keys(desired.Attributes)) : undefined;
  const resource = `queue ${name}`;
  if (current && current.Attributes.FifoQueue !== desired.Attributes.FifoQueue)
    return {
      changes: [notPossible(resource, 'manual', 'FIFO and standard queues cannot be turned into each other')],
      notes,
    };
  let blocked: string | undefined;
  const change: Change = await reconcile(context, {
    resource,
    current,
    desired,
    create: async () => {
      blocked = await ensureDeadLetterQueue(sqs, config, desired, context);
      if (!blocked) await createQueue(sqs, name, desired);
    },
    update: () => updateQueue(sqs, url as string, desired, current as QueueShape),
  });
  if (blocked) return { changes: [notPossible(resource, 'blocked', blocked)], notes };
  return { changes: [change], notes, details: { queue: name } };
}
