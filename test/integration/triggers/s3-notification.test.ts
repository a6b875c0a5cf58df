import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { loadFunctionRef } from '../../../src/triggers/function-ref.js';
import { s3NotificationTrigger } from '../../../src/triggers/s3-notification.js';
import { clearListingMemos } from '../../../src/triggers/shared.js';
import { createTestFunction, unique } from '../../helpers/aws.js';
import { allowInvoke, publishLiveAlias } from '../../helpers/triggers.js';

const REGION = 'eu-west-2';
const S3 = 's3.amazonaws.com';

async function createBucket(): Promise<string> {
  const bucket = unique('tv-s3-trigger');
  await client(S3Client, REGION).send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  return bucket;
}

describe('s3-notification trigger', () => {
  beforeEach(() => clearListingMemos());

  it('captures the notifications of the buckets named in the policy, qualified or not, and no others', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const other = await createTestFunction(REGION);
    const { aliasArn } = await publishLiveAlias(REGION, fn.name);
    const bucket = await createBucket();
    const filter = {
      Key: {
        FilterRules: [
          { Name: 'prefix' as const, Value: 'in/' },
          { Name: 'suffix' as const, Value: '.json' },
        ],
      },
    };
    await client(S3Client, REGION).send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'created', LambdaFunctionArn: fn.arn, Events: ['s3:ObjectCreated:*'], Filter: filter },
            { Id: 'removed', LambdaFunctionArn: aliasArn, Events: ['s3:ObjectRemoved:Delete'] },
            { Id: 'someone-else', LambdaFunctionArn: other.arn, Events: ['s3:ObjectCreated:Put'] },
          ],
        },
      }),
    );
    const statement = await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'bucket',
      service: S3,
      sourceArn: `arn:aws:s3:::${bucket}`,
    });
    await allowInvoke(REGION, {
      functionName: other.name,
      sid: 'bucket',
      service: S3,
      sourceArn: `arn:aws:s3:::${bucket}`,
    });
    // Act
    const records = await s3NotificationTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    const common = { type: 's3-notification', source: `arn:aws:s3:::${bucket}`, permissions: [statement] };
    expect(records).toEqual([
      {
        ...common,
        id: `${bucket}/created`,
        target: fn.arn,
        config: { Bucket: bucket, Id: 'created', Events: ['s3:ObjectCreated:*'], Filter: filter },
      },
      {
        ...common,
        id: `${bucket}/removed`,
        target: aliasArn,
        config: { Bucket: bucket, Id: 'removed', Events: ['s3:ObjectRemoved:Delete'] },
      },
    ]);
  });

  it('lists the buckets of the region when a statement names no bucket', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    const bucket = await createBucket();
    await client(S3Client, REGION).send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            { Id: 'all', LambdaFunctionArn: fn.arn, Events: ['s3:ObjectCreated:*'] },
          ],
        },
      }),
    );
    const statement = await allowInvoke(REGION, { functionName: fn.name, sid: 'any-bucket', service: S3 });
    // Act
    const records = await s3NotificationTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([
      {
        type: 's3-notification',
        id: `${bucket}/all`,
        source: `arn:aws:s3:::${bucket}`,
        target: fn.arn,
        config: { Bucket: bucket, Id: 'all', Events: ['s3:ObjectCreated:*'] },
        permissions: [statement],
      },
    ]);
  });

  it('skips a bucket the policy names that no longer exists', async () => {
    // Prepare
    const fn = await createTestFunction(REGION);
    await allowInvoke(REGION, {
      functionName: fn.name,
      sid: 'gone',
      service: S3,
      sourceArn: `arn:aws:s3:::${unique('tv-gone')}`,
    });
    // Act
    const records = await s3NotificationTrigger.list(await loadFunctionRef(REGION, fn.name));
    // Assess
    expect(records).toEqual([]);
  });
});
