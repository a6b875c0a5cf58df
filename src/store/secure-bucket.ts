import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { client, endpointUrl } from '../aws/clients.js';
import { isNotFound } from '../aws/errors.js';

const KEY_ALIAS = 'alias/triggervault';

export async function ensureKey(region: string): Promise<string> {
  const kms = client(KMSClient, region);
  try {
    const existing = await kms.send(new DescribeKeyCommand({ KeyId: KEY_ALIAS }));
    return existing.KeyMetadata?.Arn as string;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const created = await kms.send(new CreateKeyCommand({ Description: 'triggervault backup store' }));
  const keyId = created.KeyMetadata?.KeyId as string;
  await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  await kms.send(new CreateAliasCommand({ AliasName: KEY_ALIAS, TargetKeyId: keyId }));
  return created.KeyMetadata?.Arn as string;
}

/**
 * Creates the backup bucket the way the deployed stack does (for local use and tests): versioned,
 * SSE-KMS with a rotating customer-managed key, public access blocked, non-TLS requests denied.
 * An existing bucket is left as it is.
 */
export async function ensureBackupBucket(
  bucket: string,
  region = process.env.AWS_REGION ?? 'us-east-1',
): Promise<void> {
  const s3 = client(S3Client, region);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
  }
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration:
        region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
    }),
  );
  const keyArn = await ensureKey(region);
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  // Deny non-TLS requests. The local emulator only speaks plain HTTP on loopback (moto enforces the
  // policy), so there the policy would lock every client out; against AWS it is always applied.
  if (endpointUrl()?.startsWith('http://')) return;
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    }),
  );
}
