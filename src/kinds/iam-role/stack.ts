import type { KindStack, StackStatement } from '../types.js';

const accountRoles = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*';
const readRoles = [
  'iam:GetRole',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRoleTags',
];
const readStatement = (Sid: string): StackStatement => ({
  Sid,
  Effect: 'Allow',
  Action: readRoles,
  Resource: accountRoles,
});

/**
 * iam-role: the functions' execution roles. The restore role can create roles with any policy (it is
 * the point of restoring them); it can neither assume nor pass them, and touches roles of this account only.
 */
export const iamRoleStack: KindStack = {
  backup: {
    description:
      'triggervault - back up one execution role (trust, inline and managed policies, boundary, tags)',
    memorySize: 256,
    timeout: 900,
    statements: [readStatement('ReadRoles')],
  },
  restore: {
    description: 'triggervault restore - one execution role (created when missing, changed only with force)',
    memorySize: 256,
    timeout: 120,
    roleNote: 'creates and updates IAM roles of this account',
    statements: [
      {
        Sid: 'WriteRoles',
        Effect: 'Allow',
        Action: [
          ...readRoles,
          'iam:CreateRole',
          'iam:UpdateRole',
          'iam:UpdateAssumeRolePolicy',
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:AttachRolePolicy',
          'iam:DetachRolePolicy',
          'iam:PutRolePermissionsBoundary',
          'iam:DeleteRolePermissionsBoundary',
          'iam:TagRole',
          'iam:UntagRole',
        ],
        Resource: accountRoles,
      },
      // Whether a managed policy exists before attaching it (AWS managed or the account's own).
      {
        Sid: 'ReadManagedPolicies',
        Effect: 'Allow',
        Action: 'iam:GetPolicy',
        Resource: [
          'arn:${AWS::Partition}:iam::aws:policy/*',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*',
        ],
      },
    ],
  },
  shared: {
    discover: [
      // AWS authorizes ListRoles on "*" only (no resource type).
      { Sid: 'ListRoles', Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' },
      { Sid: 'ReadRoleTags', Effect: 'Allow', Action: 'iam:ListRoleTags', Resource: accountRoles },
    ],
    drillCompare: [
      readStatement('ReadScratchRoles'),
      {
        Sid: 'ReadScratchRolePolicies',
        Effect: 'Allow',
        Action: 'iam:GetPolicy',
        Resource: [
          'arn:${AWS::Partition}:iam::aws:policy/*',
          'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*',
        ],
      },
    ],
    drillCleanup: [
      {
        Sid: 'DeleteScratchRoles',
        Effect: 'Allow',
        Action: [
          'iam:ListRolePolicies',
          'iam:DeleteRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:DetachRolePolicy',
          'iam:ListInstanceProfilesForRole',
          'iam:RemoveRoleFromInstanceProfile',
          'iam:DeleteRole',
        ],
        Resource: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*-drill-*',
      },
    ],
  },
};
