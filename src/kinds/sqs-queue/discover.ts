import { SQSClient } from '@aws-sdk/client-sqs';
import { client } from '../../aws/clients.js';
import { NotFoundError } from '../../errors.js';
import { selectNames } from '../../glob.js';
import type { Wiring } from '../types.js';
import { queueNameOf } from './format.js';
import { listQueueNames, queueAttributes, queueTags, queueUrl } from './queues.js';

/**
 * Which queues a run backs up: those its name globs select, those the region's functions read
 * (event-source mappings) or dead-letter into (DeadLetterConfig), and the dead-letter queues of
 * those (their redrive policies), so that a restored queue's redrive target comes back too.
 */

const sqsArnIn = (region: string) => (arn: string | undefined) =>
  arn?.startsWith('arn:') && arn.split(':')[2] === 'sqs' && arn.split(':')[3] === region;

export async function discoverQueues(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return selectNames(await listQueueNames(client(SQSClient, region)), patterns);
}

/** The dead-letter queue a queue's redrive policy names (same region and account), if any. */
async function deadLetterOf(sqs: SQSClient, name: string): Promise<string | undefined> {
  const url = await queueUrl(sqs, name);
  if (!url) return undefined;
  const policy = (await queueAttributes(sqs, url)).RedrivePolicy;
  const target = policy
    ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
    : undefined;
  return target ? queueNameOf(target) : undefined;
}

export async function wiredQueues(wiring: Wiring): Promise<string[]> {
  const inRegion = sqsArnIn(wiring.region);
  const arns = [
    ...(await wiring.mappingSources()),
    ...(await wiring.functions()).map((fn) => fn.DeadLetterConfig?.TargetArn),
  ].filter(inRegion) as string[];
  const sqs = client(SQSClient, wiring.region);
  const names = new Set(arns.map(queueNameOf));
  // Follow redrive policies: a queue's dead-letter queue, and its own, until none is new.
  let next = [...names];
  while (next.length) {
    const found = await Promise.all(next.map((name) => deadLetterOf(sqs, name)));
    next = found.filter((name): name is string => Boolean(name) && !names.has(name as string));
    for (const name of next) names.add(name);
  }
  return [...names];
}

/** A queue's tags (policies select by tags). */
export async function tagsOfQueue(region: string, name: string): Promise<Record<string, string>> {
  const sqs = client(SQSClient, region);
  const url = await queueUrl(sqs, name);
  if (!url) throw new NotFoundError(`queue ${name} does not exist in ${region}`);
  return queueTags(sqs, url);
}
