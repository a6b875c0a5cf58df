import { GetLayerVersionPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { readLayerPermissions } from '../../src/kinds/lambda-function/layer-permissions.js';

// AWS answers GetLayerVersionPolicy with accounts as root ARNs and organizations as a Condition,
// where moto keeps AddLayerVersionPermission's inputs as given (the emulator test covers moto's
// shape): AWS's shape is checked here with aws-sdk-client-mock.
const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());

describe('readLayerPermissions on the policy AWS writes', () => {
  it('reads accounts, everyone and an organization back as AddLayerVersionPermission inputs', async () => {
    // Prepare
    const resource = 'arn:aws:lambda:eu-west-1:123456789012:layer:shared:3';
    lambda.on(GetLayerVersionPolicyCommand).resolves({
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Id: 'default',
        Statement: [
          {
            Sid: 'partner',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::210987654321:root' },
            Action: 'lambda:GetLayerVersion',
            Resource: resource,
          },
          {
            Sid: 'org',
            Effect: 'Allow',
            Principal: '*',
            Action: 'lambda:GetLayerVersion',
            Resource: resource,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
          },
        ],
      }),
    });
    // Act
    const permissions = await readLayerPermissions('eu-west-1', resource);
    // Assess
    expect(permissions).toEqual([
      {
        statementId: 'org',
        action: 'lambda:GetLayerVersion',
        principal: '*',
        organizationId: 'o-a1b2c3d4e5',
      },
      { statementId: 'partner', action: 'lambda:GetLayerVersion', principal: '210987654321' },
    ]);
    expect(lambda.commandCalls(GetLayerVersionPolicyCommand)[0]?.args[0].input).toEqual({
      LayerName: 'arn:aws:lambda:eu-west-1:123456789012:layer:shared',
      VersionNumber: 3,
    });
  });

  it('answers undefined (not captured) for a layer whose policy it may not read', async () => {
    // Prepare
    lambda.reset();
    lambda
      .on(GetLayerVersionPolicyCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    // Act
    const permissions = await readLayerPermissions(
      'eu-west-1',
      'arn:aws:lambda:eu-west-1:999999999999:layer:x:1',
    );
    // Assess
    expect(permissions).toBeUndefined();
  });
});
