import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { client } from './clients.js';
import { isNotFound } from './errors.js';

/** A statement of a function's resource policy, reduced to what decides who may invoke it. */
export const PolicyStatement = z.looseObject({
  Sid: z.string(),
  Effect: z.string(),
  Principal: z.unknown(),
  Action: z.union([z.string(), z.array(z.string())]),
  Resource: z.union([z.string(), z.array(z.string())]),
  Condition: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});
export type PolicyStatement = z.infer<typeof PolicyStatement>;

/** The source a statement lets invoke the function (`AWS:SourceArn`), when it names one. */
export const sourceArnOf = (statement: PolicyStatement): string | undefined =>
  statement.Condition?.ArnLike?.['AWS:SourceArn'] ?? statement.Condition?.ArnEquals?.['AWS:SourceArn'];

/** The statements of one function or qualifier policy (none when it has no policy or does not exist). */
export async function policyStatements(
  region: string,
  name: string,
  qualifier?: string,
): Promise<PolicyStatement[]> {
  try {
    const response = await client(LambdaClient, region).send(
      new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier }),
    );
    return (JSON.parse(response.Policy ?? '{}') as { Statement?: PolicyStatement[] }).Statement ?? [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}
