import { LambdaClient, PublishVersionCommand } from '@aws-sdk/client-lambda';
import { client } from '../../src/aws/clients.js';
import type { PolicyStatement } from '../../src/aws/lambda-policy.js';
import { createAlias } from '../../src/local/seeding/lambda.js';
import { allowInvoke as grantInvoke, type InvokeGrant } from '../../src/local/seeding/triggers.js';
import { ACCOUNT_ID } from './aws.js';

export type { InvokeGrant };

/**
 * Adds the resource-policy statement AWS needs before `service` may invoke the function (as the
 * console or IaC does when wiring a trigger) and returns the statement as GetPolicy reports it.
 */
export async function allowInvoke(region: string, grant: InvokeGrant): Promise<PolicyStatement> {
  await grantInvoke(region, grant);
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
  const version = await client(LambdaClient, region).send(
    new PublishVersionCommand({ FunctionName: functionName }),
  );
  const aliasArn = await createAlias(region, {
    FunctionName: functionName,
    Name: 'live',
    FunctionVersion: version.Version,
  });
  return { versionArn: version.FunctionArn as string, aliasArn };
}
