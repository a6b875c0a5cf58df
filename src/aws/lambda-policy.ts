import { GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { client } from './clients.js';
import { isNotFound } from './errors.js';

/** A statement of a function's resource policy, reduced to what decides who may invoke it. */
export interface PolicyStatement {
  Sid: string;
  Effect: string;
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

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
