import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaClient, TagResourceCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../src/aws/clients.js';
import type { PolicyPreview } from '../../src/backup/preview.js';
import { createTestFunction, unique } from '../helpers/aws.js';
import { runCli as cli } from '../helpers/cli.js';

// A region no other test file uses, so the policies see exactly what this file created.
const REGION = 'tv-plan-1';
const prefix = unique('plan');
let directory: string;
let policyFile: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-plan-'));
  const lambda = client(LambdaClient, REGION);
  const tagged = async (name: string, team: string) => {
    const created = await createTestFunction(REGION, name);
    await lambda.send(new TagResourceCommand({ Resource: created.arn, Tags: { team } }));
  };
  await tagged(`${prefix}-orders-api`, 'payments');
  await tagged(`${prefix}-orders-worker`, 'search');
  await tagged(`${prefix}-billing`, 'payments');
  await createTestFunction(REGION, `${prefix}-misc`);
  policyFile = join(directory, 'triggervault.policy.yaml');
  await writeFile(
    policyFile,
    `version: 1
policies:
  - name: orders
    description: every orders function, nightly
    select: { regions: [${REGION}], kinds: [lambda-function], names: ['${prefix}-orders-*'] }
    schedule: cron(0 3 * * ? *)
    retention: { keepLast: 14 }
  - name: payments
    select: { regions: [${REGION}], kinds: [lambda-function], tags: { team: payments } }
    schedule: rate(12 hours)
    critical: [config, code]
`,
  );
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('triggervault plan', () => {
  it('prints what each of two policies selects and when it runs next (--json)', () => {
    // Act
    const result = cli(['plan', '--policy-file', policyFile, '--now', '2026-11-25T10:00:00Z', '--json']);
    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const previews = JSON.parse(result.stdout) as PolicyPreview[];
    const names = (preview: PolicyPreview | undefined) =>
      preview?.selected.map((resource) => resource.name).sort();
    const [orders, payments] = previews;
    expect(orders).toMatchObject({
      policy: 'orders',
      nextRun: '2026-11-26T03:00:00.000Z',
      regions: [REGION],
      retention: { keepLast: 14, daily: 7 },
    });
    expect(names(orders)).toEqual([`${prefix}-orders-api`, `${prefix}-orders-worker`]);
    expect(payments).toMatchObject({
      policy: 'payments',
      nextRun: '2026-11-25T22:00:00.000Z',
      critical: ['config', 'code'],
    });
    expect(names(payments)).toEqual([`${prefix}-billing`, `${prefix}-orders-api`]);
  });

  it('prints the same as a readable listing', () => {
    // Act
    const result = cli(['plan', '--policy-file', policyFile, '--now', '2026-11-25T10:00:00Z']);
    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'policy orders: cron(0 3 * * ? *) (UTC), next run 2026-11-26T03:00:00.000Z',
    );
    expect(result.stdout).toContain(
      'policy payments: rate(12 hours) (UTC), next run 2026-11-25T22:00:00.000Z',
    );
    expect(result.stdout).toMatch(new RegExp(`${REGION}\\s+lambda-function\\s+${prefix}-billing`));
    expect(result.stdout).toContain('selects 2 resources');
    expect(result.stdout).not.toContain(`${prefix}-misc`);
  });

  it('backs up what a policy selects with backup --policy, and prune --dry-run keeps that run', () => {
    // Act
    const store = `file://${directory}/store`;
    const backup = cli([
      'backup',
      '--bucket',
      store,
      '--policy',
      'orders',
      '--policy-file',
      policyFile,
      '--json',
    ]);
    const prune = cli(['prune', '--bucket', store, '--policy-file', policyFile, '--dry-run', '--json']);
    // Assess
    expect(backup.status).toBe(0);
    const summary = JSON.parse(backup.stdout);
    expect(summary).toMatchObject({ status: 'succeeded', totals: { items: 2, failed: 0 } });
    expect(Object.keys(summary.regions)).toEqual([REGION]);
    expect(prune.status).toBe(0);
    expect(JSON.parse(prune.stdout)).toMatchObject({
      dryRun: true,
      deletedRuns: [],
      runs: [{ runId: summary.runId, policy: 'orders', keep: true }],
    });
  });

  it('exits 2 naming the file and field of a bad policy', async () => {
    // Prepare
    const bad = join(directory, 'bad.yaml');
    await writeFile(bad, 'policies:\n  - name: x\n    schedule: every day\n');
    // Act
    const result = cli(['plan', '--policy-file', bad]);
    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      `invalid policy file ${bad}: policies.0.schedule: "every day": must be rate(...) or cron(...)`,
    );
  });
});
