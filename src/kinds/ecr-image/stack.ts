import type { KindStack } from '../types.js';

const accountRepositories = 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*';
const readImages = [
  'ecr:DescribeRepositories',
  'ecr:DescribeImages',
  'ecr:BatchGetImage',
  'ecr:GetLifecyclePolicy',
  'ecr:GetRepositoryPolicy',
  'ecr:ListTagsForResource',
];

/** ecr-image: image-packaged functions' images by digest, blobs content-addressed in the store. */
export const ecrImageStack: KindStack = {
  backup: {
    description: 'triggervault - back up one container image by digest (manifest and blobs, checkpointed)',
    memorySize: 1024,
    timeout: 900,
    store: ['blobs'],
    statements: [
      {
        Sid: 'ReadImages',
        Effect: 'Allow',
        Action: [...readImages, 'ecr:GetDownloadUrlForLayer'],
        Resource: accountRepositories,
      },
      // Layers of a repository encrypted with a customer key are decrypted through ECR (S3) only.
      {
        Sid: 'DecryptLayers',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*',
        Condition: { StringLike: { 'kms:ViaService': ['ecr.*.amazonaws.com', 's3.*.amazonaws.com'] } },
      },
    ],
  },
  restore: {
    description: 'triggervault restore - one container image pushed back by digest, with its repository',
    memorySize: 1024,
    timeout: 900,
    roleNote: 'creates ECR repositories and pushes images',
    statements: [
      {
        Sid: 'WriteImages',
        Effect: 'Allow',
        Action: [
          ...readImages,
          'ecr:CreateRepository',
          'ecr:PutImageTagMutability',
          'ecr:PutImageScanningConfiguration',
          'ecr:PutLifecyclePolicy',
          'ecr:SetRepositoryPolicy',
          'ecr:TagResource',
          'ecr:UntagResource',
          'ecr:BatchCheckLayerAvailability',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
        ],
        Resource: accountRepositories,
      },
      {
        Sid: 'EncryptLayers',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*',
        Condition: { StringLike: { 'kms:ViaService': ['ecr.*.amazonaws.com'] } },
      },
    ],
  },
  shared: {
    // Discover resolves images by digest (functions' images come through lambda:GetFunction).
    discover: [
      {
        Sid: 'ListImages',
        Effect: 'Allow',
        Action: ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:ListTagsForResource'],
        Resource: accountRepositories,
      },
    ],
    drillCompare: [
      { Sid: 'ReadScratchImages', Effect: 'Allow', Action: readImages, Resource: accountRepositories },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchRepositories',
        Effect: 'Allow',
        Action: 'ecr:DeleteRepository',
        Resource: 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*-drill-*',
      },
    ],
  },
};
