import {
  GetFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../aws/clients.js';
import { isNotFound } from '../aws/errors.js';
import { paginate } from '../aws/paginate.js';
import { fromEachSource } from './shared.js';
import type { FunctionRef, PolicyStatement } from './types.js';

/** The statements of one policy (function, version or alias); a function without one has none. */
async function policyStatements(
  lambda: LambdaClient,
  name: string,
  qualifier?: string,
): Promise<PolicyStatement[]> {
  try {
    const response = await lambda.send(new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier }));
    return (JSON.parse(response.Policy ?? '{}') as { Statement?: PolicyStatement[] }).Statement ?? [];
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

/** Published versions and aliases of the function: each can carry its own resource policy. */
async function qualifiers(lambda: LambdaClient, name: string): Promise<string[]> {
  const [versions, aliases] = await Promise.all([
    paginate(async (Marker) => {
      const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: name, Marker }));
      return { items: page.Versions?.map((version) => version.Version as string), next: page.NextMarker };
    }),
    paginate(async (Marker) => {
      const page = await lambda.send(new ListAliasesCommand({ FunctionName: name, Marker }));
      return { items: page.Aliases?.map((alias) => alias.Name as string), next: page.NextMarker };
    }),
  ]);
  return [...versions.filter((version) => version !== '$LATEST'), ...aliases];
}

/**
 * The FunctionRef the trigger modules need: unqualified ARN, account and the statements of the
 * function's resource policy and, unless `includeQualifiers` is false, of its versions' and aliases'.
 * Statements are de-duplicated by Sid and Resource (moto answers a qualified GetPolicy with the
 * function's whole policy).
 */
export async function loadFunctionRef(
  region: string,
  name: string,
  options: { includeQualifiers?: boolean } = {},
): Promise<FunctionRef> {
  const lambda = client(LambdaClient, region);
  const response = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const qualifiedArn = response.Configuration?.FunctionArn as string;
  const arn = qualifiedArn.split(':').slice(0, 7).join(':');
  const functionName = arn.split(':')[6] as string;
  const extra = options.includeQualifiers === false ? [] : await qualifiers(lambda, functionName);
  const statements = [
    ...(await policyStatements(lambda, functionName)),
    ...(await fromEachSource(
      extra,
      (qualifier) => `policy of ${functionName}:${qualifier}`,
      (qualifier) => policyStatements(lambda, functionName, qualifier),
    )),
  ];
  const unique = new Map(
    statements.map((statement) => [`${statement.Sid}|${[statement.Resource].flat().join(',')}`, statement]),
  );
  return {
    region,
    accountId: arn.split(':')[4] as string,
    name: functionName,
    arn,
    policy: [...unique.values()],
  };
}
