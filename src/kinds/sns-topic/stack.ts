import type { KindStack, StackStatement } from '../types.js';

const accountTopics = 'arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*';
const readTopics = [
  'sns:GetTopicAttributes',
  'sns:ListTagsForResource',
  'sns:GetDataProtectionPolicy',
  'sns:ListSubscriptionsByTopic',
];
const readStatement = (Sid: string): StackStatement => ({
  Sid,
  Effect: 'Allow',
  Action: readTopics,
  Resource: accountTopics,
});
// Subscriptions are addressed by their own ARN (topic ARN + id): within the account's topics.
const readSubscriptions: StackStatement = {
  Sid: 'ReadSubscriptionAttributes',
  Effect: 'Allow',
  Action: 'sns:GetSubscriptionAttributes',
  Resource: accountTopics,
};

/** sns-topic: configuration and the subscriptions that are not our functions' (messages are transient). */
export const snsTopicStack: KindStack = {
  backup: {
    description: 'triggervault - back up one SNS topic (attributes, policies, tags, subscriptions)',
    memorySize: 256,
    timeout: 900,
    statements: [readStatement('ReadTopics'), readSubscriptions],
  },
  restore: {
    description: 'triggervault restore - one SNS topic with its subscriptions',
    memorySize: 256,
    timeout: 300,
    roleNote: 'creates and configures SNS topics and their subscriptions',
    statements: [
      {
        Sid: 'WriteTopics',
        Effect: 'Allow',
        Action: [
          ...readTopics,
          'sns:CreateTopic',
          'sns:SetTopicAttributes',
          'sns:TagResource',
          'sns:UntagResource',
          'sns:PutDataProtectionPolicy',
          'sns:Subscribe',
          'sns:GetSubscriptionAttributes',
          'sns:SetSubscriptionAttributes',
        ],
        Resource: accountTopics,
      },
    ],
    // Delivery status logging and subscription roles are handed to SNS: only the deployment's roles (passRoleArns).
    passRoles: [{ roles: 'restore', to: ['sns.amazonaws.com'] }],
  },
  shared: {
    discover: [
      { Sid: 'ListTopics', Effect: 'Allow', Action: 'sns:ListTopics', Resource: '*' },
      { Sid: 'ReadTopicTags', Effect: 'Allow', Action: 'sns:ListTagsForResource', Resource: accountTopics },
    ],
    drillCompare: [readStatement('ReadScratchTopics')],
    drillCleanup: [
      {
        Sid: 'DeleteScratchTopics',
        Effect: 'Allow',
        Action: ['sns:GetTopicAttributes', 'sns:DeleteTopic'],
        Resource: 'arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*-drill-*',
      },
    ],
  },
};
