import type { KindStack, StackStatement } from '../types.js';

const accountBuses = 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:event-bus/*';
const accountArchives = 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:archive/*';
const readBuses: StackStatement[] = [
  {
    Sid: 'ReadBuses',
    Effect: 'Allow',
    Action: ['events:DescribeEventBus', 'events:ListTagsForResource'],
    Resource: accountBuses,
  },
  { Sid: 'ReadArchives', Effect: 'Allow', Action: 'events:DescribeArchive', Resource: accountArchives },
  // ListArchives cannot be scoped to a resource.
  { Sid: 'ListArchives', Effect: 'Allow', Action: 'events:ListArchives', Resource: '*' },
];

/** eventbridge-bus: custom buses with their policies and archives (rules travel as triggers). */
export const eventBridgeBusStack: KindStack = {
  backup: {
    description: 'triggervault - back up one custom event bus (policy, encryption, archives, tags)',
    memorySize: 256,
    timeout: 900,
    statements: readBuses,
  },
  restore: {
    description: 'triggervault restore - one custom event bus with its policy and archives',
    memorySize: 256,
    timeout: 120,
    roleNote: 'creates and configures EventBridge buses and archives',
    statements: [
      ...readBuses,
      {
        Sid: 'WriteBuses',
        Effect: 'Allow',
        Action: [
          'events:CreateEventBus',
          'events:UpdateEventBus',
          'events:PutPermission',
          'events:RemovePermission',
          'events:TagResource',
          'events:UntagResource',
        ],
        Resource: accountBuses,
      },
      {
        Sid: 'WriteArchives',
        Effect: 'Allow',
        Action: ['events:CreateArchive', 'events:UpdateArchive'],
        Resource: [accountArchives, accountBuses],
      },
    ],
  },
  shared: {
    discover: [
      { Sid: 'ListEventBuses', Effect: 'Allow', Action: 'events:ListEventBuses', Resource: '*' },
      { Sid: 'ReadBusTags', Effect: 'Allow', Action: 'events:ListTagsForResource', Resource: accountBuses },
    ],
    drillCompare: readBuses.map((statement) => ({ ...statement, Sid: `Scratch${statement.Sid}` })),
    drillCleanup: [
      {
        Sid: 'DeleteScratchBuses',
        Effect: 'Allow',
        Action: ['events:DescribeEventBus', 'events:ListTagsForResource', 'events:DeleteEventBus'],
        Resource: 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:event-bus/*-drill-*',
      },
      {
        Sid: 'DeleteScratchArchives',
        Effect: 'Allow',
        Action: ['events:DescribeArchive', 'events:DeleteArchive'],
        Resource: 'arn:${AWS::Partition}:events:*:${AWS::AccountId}:archive/*-drill-*',
      },
      { Sid: 'ListScratchArchives', Effect: 'Allow', Action: 'events:ListArchives', Resource: '*' },
    ],
  },
};
