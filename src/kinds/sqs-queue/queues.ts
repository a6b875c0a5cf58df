import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  paginateListQueues,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ifExists } from '../../aws/errors.js';

/** The SQS reads that discovery, backup, restore and teardown share. */

/** The URL of the queue `name` of `account` (default: the caller's), undefined when there is none. */
export async function queueUrl(sqs: SQSClient, QueueName: string, account?: string) {
  return (
    await ifExists(() => sqs.send(new GetQueueUrlCommand({ QueueName, QueueOwnerAWSAccountId: account })))
  )?.QueueUrl;
}

export async function queueAttributes(sqs: SQSClient, QueueUrl: string): Promise<Record<string, string>> {
  return (
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {}
  );
}

export async function queueTags(sqs: SQSClient, QueueUrl: string): Promise<Record<string, string>> {
  return (await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags ?? {};
}

/** Every queue name of the region. */
export async function listQueueNames(sqs: SQSClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListQueues({ client: sqs }, { MaxResults: 1000 }))
    for (const url of page.QueueUrls ?? []) names.push(url.split('/').at(-1) ?? '');
  return names.filter(Boolean);
}
