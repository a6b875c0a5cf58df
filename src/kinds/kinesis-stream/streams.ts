import {
  type Consumer,
  type KinesisClient,
  ListShardsCommand,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  type Shard,
  type Tag,
} from '@aws-sdk/client-kinesis';

/** The paginated Kinesis listings that discovery, backup, restore and tag reads share. */

/** Every stream name of the region. */
export async function listStreamNames(kinesis: KinesisClient): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  let ExclusiveStartStreamName: string | undefined;
  for (;;) {
    const page = await kinesis.send(
      new ListStreamsCommand(NextToken ? { NextToken } : { ExclusiveStartStreamName }),
    );
    names.push(...(page.StreamNames ?? []));
    if (!page.HasMoreStreams) break;
    NextToken = page.NextToken;
    ExclusiveStartStreamName = page.StreamNames?.at(-1);
    if (!NextToken && !ExclusiveStartStreamName) break;
  }
  return names;
}

/** Every shard of a stream, closed parents included. */
export async function listShards(kinesis: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let NextToken: string | undefined;
  do {
    // The stream name and a NextToken must not be sent together.
    const page = await kinesis.send(
      new ListShardsCommand(NextToken ? { NextToken } : { StreamName: stream }),
    );
    shards.push(...(page.Shards ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return shards;
}

export async function listTags(kinesis: KinesisClient, stream: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let ExclusiveStartTagKey: string | undefined;
  for (;;) {
    const page = await kinesis.send(
      new ListTagsForStreamCommand({ StreamName: stream, ExclusiveStartTagKey }),
    );
    tags.push(...(page.Tags ?? []));
    ExclusiveStartTagKey = page.Tags?.at(-1)?.Key;
    if (!page.HasMoreTags || !ExclusiveStartTagKey) return tags;
  }
}

export async function listConsumers(kinesis: KinesisClient, arn: string): Promise<Consumer[]> {
  const consumers: Consumer[] = [];
  let NextToken: string | undefined;
  do {
    const page = await kinesis.send(
      new ListStreamConsumersCommand(NextToken ? { StreamARN: arn, NextToken } : { StreamARN: arn }),
    );
    consumers.push(...(page.Consumers ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return consumers;
}

/** Tags as a record, key to value. */
export const tagRecord = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
