import {
  AddPermissionCommand,
  CreateAliasCommand,
  LambdaClient,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { client } from '../../src/aws/clients.js';
import type { PolicyStatement } from '../../src/aws/lambda-policy.js';
import { ACCOUNT_ID } from './aws.js';

export interface InvokeGrant {
  /** Function name or ARN. */
  functionName: string;
  sid: string;
  service: string;
  sourceArn?: string;
  qualifier?: string;
}

/**
 * Adds the resource-policy statement AWS needs before `service` may invoke the function (as the
 * console or IaC does when wiring a trigger) and returns the statement as GetPolicy reports it.
 */
export async function allowInvoke(region: string, grant: InvokeGrant): Promise<PolicyStatement> {
  await client(LambdaClient, region).send(
    new AddPermissionCommand({
      FunctionName: grant.functionName,
      Qualifier: grant.qualifier,
      StatementId: grant.sid,
      Action: 'lambda:InvokeFunction',
      Principal: grant.service,
      SourceArn: grant.sourceArn,
    }),
  );
  const name = grant.functionName.split(':').slice(-1)[0];
  const functionArn = grant.functionName.startsWith('arn:')
    ? grant.functionName
    : `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}`;
  return {
    Sid: grant.sid,
    Effect: 'Allow',
    Principal: { Service: grant.service },
    Action: 'lambda:InvokeFunction',
    Resource: grant.qualifier ? `${functionArn}:${grant.qualifier}` : functionArn,
    ...(grant.sourceArn ? { Condition: { ArnLike: { 'AWS:SourceArn': grant.sourceArn } } } : {}),
  };
}

/** Publishes version 1 of the function and points alias `live` at it; returns both ARNs. */
export async function publishLiveAlias(region: string, functionName: string) {
  const lambda = client(LambdaClient, region);
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
  const alias = await lambda.send(
    new CreateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: version.Version }),
  );
  return { versionArn: version.FunctionArn as string, aliasArn: alias.AliasArn as string };
}
