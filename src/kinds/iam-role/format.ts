import { z } from 'zod';

/**
 * What an execution role's backup stores: config.json with the role as IAM describes it — trust
 * policy, inline policies, managed policy attachments, permissions boundary, tags, path, description,
 * maximum session duration. Documents are stored parsed (IAM answers them URL-encoded).
 */

const PolicyDocument = z.record(z.string(), z.unknown());

export const RoleConfig = z.object({
  format: z.literal(1),
  name: z.string().min(1),
  arn: z.string().startsWith('arn:'),
  path: z.string().startsWith('/'),
  description: z.string().optional(),
  maxSessionDuration: z.number().int().positive().optional(),
  trustPolicy: PolicyDocument,
  /** Inline policies by name. */
  inlinePolicies: z.record(z.string(), PolicyDocument),
  /** ARNs of the attached managed policies (AWS managed or the account's own), sorted. */
  managedPolicies: z.array(z.string().startsWith('arn:')),
  permissionsBoundary: z.string().startsWith('arn:').nullable(),
  tags: z.record(z.string(), z.string()),
});
export type RoleConfig = z.infer<typeof RoleConfig>;

/** A policy document as IAM answers it: URL-encoded JSON (some endpoints answer it plain). */
export function policyDocument(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return JSON.parse(decodeURIComponent(text)) as Record<string, unknown>;
  }
}

/** The role name in a role ARN (`arn:aws:iam::ACCOUNT:role/PATH/NAME`). */
export const roleNameOf = (arn: string): string => arn.split('/').at(-1) ?? '';
