import { SNSClient } from '@aws-sdk/client-sns';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import { accountId } from '../shared/account.js';
import type { Wiring } from '../types.js';
import { topicNameOf } from './format.js';
import { listTopicArns, topicArn, topicTags } from './topics.js';

/**
 * Which topics a run backs up: those its name globs select, those allowed to invoke the region's
 * functions (the SourceArn of their invoke permissions: their subscriptions), and those the
 * functions dead-letter into (DeadLetterConfig).
 */

const snsArnIn = (region: string) => (arn: string | undefined) =>
  arn?.startsWith('arn:') && arn.split(':')[2] === 'sns' && arn.split(':')[3] === region;

export async function discoverTopics(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return selectNames((await listTopicArns(client(SNSClient, region))).map(topicNameOf), patterns);
}

export async function wiredTopics(wiring: Wiring): Promise<string[]> {
  const inRegion = snsArnIn(wiring.region);
  const arns = [
    ...(await wiring.invokerSources()),
    ...(await wiring.functions()).map((fn) => fn.DeadLetterConfig?.TargetArn),
  ].filter(inRegion) as string[];
  // A SourceArn with wildcards names no single topic: it stays a pattern for `discoverTopics`.
  return [...new Set(arns.map(topicNameOf))];
}

export async function tagsOfTopic(region: string, name: string): Promise<Record<string, string>> {
  return topicTags(client(SNSClient, region), topicArn(region, await accountId(region), name));
}
