import {
  GetFunctionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../aws/clients.js';
import { policyStatements } from '../aws/lambda-policy.js';
import { paginate } from '../aws/paginate.js';
import { fromEachSource } from './shared.js';
import type { FunctionRef } from './types.js';

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
    ...(await policyStatements(region, functionName)),
    ...(await fromEachSource(
      extra,
      (qualifier) => `policy of ${functionName}:${qualifier}`,
      (qualifier) => policyStatements(region, functionName, qualifier),
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
