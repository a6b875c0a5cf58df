/**
 * CloudFormation values as plain data. Permission fragments write ARNs the way `Fn::Sub` does —
 * `'arn:${AWS::Partition}:dynamodb:*:${AWS::AccountId}:table/*'`, `'${BackupBucket.Arn}/runs/*'`,
 * `'${ResultsTopic}'` — so that they stay JSON with no imports; `resolveTokens` turns them into the
 * `Fn::Join` / `Ref` / `Fn::GetAtt` form the stack has always used.
 */

import type { StackStatement } from '../src/kinds/types.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are untyped JSON.
export type Cfn = any;

/** One IAM policy statement, its values possibly holding `${...}` tokens. */
export type Statement = StackStatement;

const TOKEN = /\$\{([^}]*)\}/g;

/** `AWS::AccountId` → Ref, `BackupBucket` → Ref, `BackupBucket.Arn` → Fn::GetAtt; anything else is an error. */
function reference(token: string): Cfn {
  if (/^AWS::[A-Za-z]+$/.test(token) || /^[A-Za-z][A-Za-z0-9]*$/.test(token)) return { Ref: token };
  const attribute = /^([A-Za-z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9.]*)$/.exec(token);
  if (attribute) return { 'Fn::GetAtt': [attribute[1], attribute[2]] };
  throw new Error(`unsupported token \${${token}} (use AWS::Name, LogicalId or LogicalId.Attribute)`);
}

function resolveString(value: string): Cfn {
  const parts: Cfn[] = [];
  let last = 0;
  for (const match of value.matchAll(TOKEN)) {
    if (match.index > last) parts.push(value.slice(last, match.index));
    parts.push(reference(match[1] as string));
    last = match.index + match[0].length;
  }
  if (last === 0) return value;
  if (last < value.length) parts.push(value.slice(last));
  return parts.length === 1 ? parts[0] : { 'Fn::Join': ['', parts] };
}

/** Replaces every `${...}` token in strings (keys untouched) by its CloudFormation function. */
export function resolveTokens<T>(value: T): Cfn {
  if (typeof value === 'string') return resolveString(value);
  if (Array.isArray(value)) return value.map(resolveTokens);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTokens(item)]));
}

/** serverless's logical-id spelling of a function key: `plan` → `Plan`, `backup-s3-bucket` → `BackupDashs3Dashbucket`. */
export const logicalName = (functionKey: string): string => {
  const normalized = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}`;
};
