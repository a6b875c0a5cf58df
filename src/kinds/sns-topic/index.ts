import { keepingEnding } from '../../reconcile/arn-map.js';
import type { ResourceKind } from '../types.js';
import { backupTopic } from './backup.js';
import { discoverTopics, tagsOfTopic, wiredTopics } from './discover.js';
import { restoreTopic } from './restore.js';
import { snsTopicStack } from './stack.js';
import { teardownTopic } from './teardown.js';

/**
 * SNS topics that invoke the functions or receive their dead letters: attributes, policies, tags,
 * data protection policy and the subscriptions that are not our functions' (backup.ts, restore.ts;
 * stored format in format.ts). Messages are transient and not copied.
 */
export const snsTopic: ResourceKind = {
  stack: snsTopicStack,
  kind: 'sns-topic',
  nameKind: 'sns-topic',
  restoreTier: 'topics',
  // arn:aws:sns:REGION:ACCOUNT:NAME[:SUBSCRIPTION] — a FIFO topic keeps `.fifo` last when renamed.
  arnNames: [{ nameKind: 'sns-topic', service: 'sns', resource: /^([^:/]+)/, keepEnding: /\.fifo$/ }],
  discover: (region, { patterns }) => discoverTopics(region, patterns),
  wiredTo: wiredTopics,
  backup: backupTopic,
  restore: restoreTopic,
  tags: tagsOfTopic,
  teardown: (region, name, { source }) =>
    teardownTopic(region, source ? keepingEnding(source, name, /\.fifo$/) : name),
};

export default snsTopic;
