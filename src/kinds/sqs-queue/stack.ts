import type { KindStack, StackStatement } from '../types.js';

const accountQueues = 'arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*';
const readQueues = ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:ListQueueTags'];

const readStatement = (Sid: string): StackStatement => ({
  Sid,
  Effect: 'Allow',
  Action: readQueues,
  Resource: accountQueues,
});

/** sqs-queue: configuration only (messages are transient). */
export const sqsQueueStack: KindStack = {
  backup: {
    description: 'triggervault - back up one SQS queue (attributes, policy, redrive, tags; no messages)',
    memorySize: 256,
    timeout: 900,
    statements: [readStatement('ReadQueues')],
  },
  restore: {
    description: 'triggervault restore - one SQS queue (attributes, policy, redrive, tags)',
    memorySize: 256,
    timeout: 120,
    roleNote: 'creates and configures SQS queues',
    statements: [
      {
        Sid: 'WriteQueues',
        Effect: 'Allow',
        Action: [
          ...readQueues,
          'sqs:CreateQueue',
          'sqs:SetQueueAttributes',
          'sqs:TagQueue',
          'sqs:UntagQueue',
        ],
        Resource: accountQueues,
      },
    ],
  },
  shared: {
    discover: [
      { Sid: 'ListQueues', Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
      // Redrive policies of wired queues (their dead-letter queues come too) and tags for policies.
      readStatement('ReadWiredQueues'),
    ],
    drillCompare: [readStatement('ReadScratchQueues')],
    drillCleanup: [
      {
        Sid: 'DeleteScratchQueues',
        Effect: 'Allow',
        Action: ['sqs:GetQueueUrl', 'sqs:DeleteQueue'],
        Resource: 'arn:${AWS::Partition}:sqs:*:${AWS::AccountId}:*-drill-*',
      },
    ],
  },
};
