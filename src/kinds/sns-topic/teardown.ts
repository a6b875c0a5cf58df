import { DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { client } from '../../aws/clients.js';
import { accountId } from '../shared/account.js';
import type { Deletion } from '../types.js';
import { topicArn, topicAttributes } from './topics.js';

/** Drill cleanup of a scratch topic (its subscriptions go with it). */
export async function teardownTopic(region: string, name: string): Promise<Deletion[]> {
  return [
    {
      resource: `topic ${name}`,
      remove: async () => {
        const sns = client(SNSClient, region);
        const TopicArn = topicArn(region, await accountId(region), name);
        if (!(await topicAttributes(sns, TopicArn))) return false;
        await sns.send(new DeleteTopicCommand({ TopicArn }));
        return true;
      },
    },
  ];
}
