import { DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListTagsForStreamCommand } from '@aws-sdk/client-kinesis';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import type { KindName } from '../../schemas/common.js';
import { client } from '../aws/clients.js';

type Tags = Record<string, string>;
const fromList = (list: { Key?: string; Value?: string }[] | undefined): Tags =>
  Object.fromEntries((list ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/** How to read the tags of one resource, per kind. */
const READERS: Record<KindName, (region: string, name: string) => Promise<Tags>> = {
  'lambda-function': async (region, name) =>
    (await client(LambdaClient, region).send(new GetFunctionCommand({ FunctionName: name }))).Tags ?? {},
  'dynamodb-table': async (region, name) => {
    const dynamo = client(DynamoDBClient, region);
    const table = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    const response = await dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: table.Table?.TableArn }));
    return fromList(response.Tags);
  },
  's3-bucket': async (region, name) => {
    try {
      const response = await client(S3Client, region).send(new GetBucketTaggingCommand({ Bucket: name }));
      return fromList(response.TagSet);
    } catch (error) {
      if ((error as Error).name === 'NoSuchTagSet') return {};
      throw error;
    }
  },
  'kinesis-stream': async (region, name) =>
    fromList(
      (await client(KinesisClient, region).send(new ListTagsForStreamCommand({ StreamName: name }))).Tags,
    ),
};

/** The tags of a resource. */
export function resourceTags(region: string, kind: KindName, name: string): Promise<Tags> {
  return READERS[kind](region, name);
}

/** True when every wanted tag is there with that value (`*`: any value). */
export function tagsMatch(tags: Tags, wanted: Tags): boolean {
  return Object.entries(wanted).every(
    ([key, value]) => key in tags && (value === '*' || tags[key] === value),
  );
}
