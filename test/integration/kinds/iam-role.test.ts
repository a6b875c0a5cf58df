import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { iamRole } from '../../../src/kinds/iam-role/index.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, expectSameFields, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// IAM is global and signed in the home region; every role and policy here has a unique name.
const iam = client(IAMClient, HOME_REGION);
const SOURCE = HOME_REGION;
const suite = suiteFileStore();

const document = (text: string | undefined) => JSON.parse(decodeURIComponent(text ?? '{}'));

/** A role as a restore must reproduce it, read with plain IAM calls. */
async function pictureOf(RoleName: string): Promise<Record<string, unknown>> {
  const role = (await iam.send(new GetRoleCommand({ RoleName }))).Role;
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
  const inline: Record<string, unknown> = {};
  for (const PolicyName of names.sort())
    inline[PolicyName] = document(
      (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument,
    );
  const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? [];
  const tags = (await iam.send(new ListRoleTagsCommand({ RoleName }))).Tags ?? [];
  return {
    path: role?.Path,
    description: role?.Description,
    maxSessionDuration: role?.MaxSessionDuration,
    trust: document(role?.AssumeRolePolicyDocument),
    boundary: role?.PermissionsBoundary?.PermissionsBoundaryArn,
    inline,
    managed: attached.map((policy) => policy.PolicyArn).sort(),
    tags: [...tags].sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? '')),
  };
}

const deleteRole = async (name: string) => {
  const deletions = await iamRole.teardown?.(SOURCE, name, {});
  for (const deletion of deletions ?? []) await deletion.remove();
};

describe('iam-role', () => {
  const role = unique('tv-exec');
  const policyName = unique('tv-orders-access');
  const boundaryName = unique('tv-boundary');
  const queueArn = `arn:aws:sqs:${SOURCE}:${ACCOUNT_ID}:orders`;
  const runId = runIdAt();
  let original: Record<string, unknown>;
  let item: Awaited<ReturnType<typeof backUp>>;
  let managedArn: string;

  beforeAll(async () => {
    // Prepare: an execution role with a path, trust policy, two inline policies, two managed
    // policies, a permissions boundary and tags.
    const allow = (Action: string, Resource: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });
    managedArn = (
      await iam.send(
        new CreatePolicyCommand({ PolicyName: policyName, PolicyDocument: allow('sqs:*', queueArn) }),
      )
    ).Policy?.Arn as string;
    const boundaryArn = (
      await iam.send(new CreatePolicyCommand({ PolicyName: boundaryName, PolicyDocument: allow('*', '*') }))
    ).Policy?.Arn as string;
    await iam.send(
      new CreateRoleCommand({
        RoleName: role,
        Path: '/app/',
        Description: 'orders execution role',
        MaxSessionDuration: 7200,
        PermissionsBoundary: boundaryArn,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
        Tags: [
          { Key: 'app', Value: 'orders' },
          { Key: 'owner', Value: 'platform' },
        ],
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: 'queue',
        PolicyDocument: allow('sqs:ReceiveMessage', queueArn),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: 'logs',
        PolicyDocument: allow(
          'logs:PutLogEvents',
          `arn:aws:logs:${SOURCE}:${ACCOUNT_ID}:log-group:/aws/lambda/*`,
        ),
      }),
    );
    // The emulator runs without AWS managed policies loaded: a second policy of the account stands in.
    const logsArn = (
      await iam.send(
        new CreatePolicyCommand({ PolicyName: unique('tv-logs'), PolicyDocument: allow('logs:*', '*') }),
      )
    ).Policy?.Arn as string;
    for (const PolicyArn of [managedArn, logsArn])
      await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn }));
    original = await pictureOf(role);
    item = await backUp(iamRole, suite.store, SOURCE, role, runId);
  });

  it('creates a lost role again with everything it had, and finds it unchanged the next time', async () => {
    // Prepare
    await deleteRole(role);
    const context = restoreContext({ store: suite.store, runId, region: SOURCE });
    // Act
    const created = await restoreWith(iamRole, item, context);
    const again = await restoreWith(iamRole, item, context);
    // Assess
    expect(created.action).toBe('create');
    expect(again.action).toBe('unchanged');
    expectSameFields(original, await pictureOf(role));
    expect(original.managed).toHaveLength(2);
    expect(Object.keys(original.inline as object)).toEqual(['logs', 'queue']);
  });

  it('keeps the regions its policies name in a cross-region restore (roles are global), with a note', async () => {
    // Act
    const result = await restoreWith(
      iamRole,
      item,
      restoreContext({ store: suite.store, runId, region: SOURCE, targetRegion: 'eu-west-1' }),
    );
    // Assess
    expect(result.action).toBe('unchanged');
    expect(result.notes.join(' ')).toMatch(/roles are global/);
  });

  it('changes an existing role that differs only with --force; --role-map wins over it', async () => {
    // Prepare
    await iam.send(
      new UpdateRoleCommand({ RoleName: role, Description: 'edited', MaxSessionDuration: 3600 }),
    );
    const base = { store: suite.store, runId, region: SOURCE };
    // Act
    const refused = await restoreWith(iamRole, item, restoreContext(base));
    const forced = await restoreWith(iamRole, item, restoreContext({ ...base, force: true }));
    const mapped = await restoreWith(
      iamRole,
      item,
      restoreContext({
        ...base,
        roles: { [`arn:aws:iam::${ACCOUNT_ID}:role/app/${role}`]: 'arn:aws:iam::123456789012:role/other' },
      }),
    );
    // Assess
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields?.map((field) => field.field).sort()).toEqual([
      'Description',
      'MaxSessionDuration',
    ]);
    expect(forced.action).toBe('update');
    expectSameFields(original, await pictureOf(role));
    expect(mapped.changes[0]).toMatchObject({ action: 'skipped', note: expect.stringMatching(/--role-map/) });
  });

  it('restores a scratch copy under a suffix and tears it down; a missing managed policy is manual', async () => {
    // Prepare
    const suffix = '-drill-c0ffee';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: SOURCE,
      suffix,
      restored: { 'iam-role': [role] },
    });
    // Act
    const copy = await restoreWith(iamRole, item, context);
    const picture = await pictureOf(`${role}${suffix}`);
    const deletions = await iamRole.teardown?.(SOURCE, `${role}${suffix}`, { source: role });
    const removed = [await deletions?.[0]?.remove(), await deletions?.[0]?.remove()];
    await deleteRole(role);
    await iam.send(new DeletePolicyCommand({ PolicyArn: managedArn }));
    const manual = await restoreWith(
      iamRole,
      item,
      restoreContext({ store: suite.store, runId, region: SOURCE }),
    );
    // Assess
    expect(copy.action).toBe('create');
    expectSameFields(original, picture);
    expect(removed).toEqual([true, false]);
    expect(manual.changes[0]).toMatchObject({ action: 'manual', note: expect.stringContaining(managedArn) });
  });
});
