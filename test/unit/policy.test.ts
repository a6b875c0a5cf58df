import { describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { Policy } from '../../schemas/policy.js';
import { RunInput } from '../../schemas/run-input.js';
import { nextRun, parseSchedule } from '../../schemas/schedule-expression.js';
import { InputValidationError } from '../../src/errors.js';
import { findPolicy, parsePolicyFile } from '../../src/policy/load.js';

describe('policy file', () => {
  it('fills every default from a policy that only has a name', () => {
    // Act
    const file = parsePolicyFile('policies:\n  - name: nightly\n');
    // Assess
    expect(file.version).toBe(1);
    expect(file.policies[0]).toEqual({
      name: 'nightly',
      select: {
        regions: 'all',
        kinds: ['lambda-function', 'dynamodb-table', 's3-bucket', 'kinesis-stream'],
        names: ['*'],
        tags: {},
      },
      schedule: 'rate(1 day)',
      timezone: 'UTC',
      retention: {
        keepLast: 7,
        daily: 7,
        weekly: 4,
        monthly: 12,
        yearly: 0,
        minAgeDays: 1,
        incompleteAfterDays: 7,
      },
      critical: ['code', 'config', 'triggers', 'data'],
      copies: [],
    });
  });

  it('keeps what is given and defaults the rest, inside nested objects too', () => {
    // Act
    const file = parsePolicyFile(`
policies:
  - name: big-buckets
    select: { kinds: [s3-bucket], names: ['logs-*'], tags: { tier: gold } }
    schedule: cron(0 3 ? * MON-FRI *)
    timezone: Europe/Paris
    retention: { keepLast: 2, yearly: 3 }
    critical: [config]
    awsBackup:
      vault: { name: tv-vault, lock: { minRetentionDays: 7 } }
      iamRoleArn: arn:aws:iam::123456789012:role/backup
`);
    // Assess
    const policy = findPolicy(file, 'big-buckets');
    expect(policy.select).toEqual({
      regions: 'all',
      kinds: ['s3-bucket'],
      names: ['logs-*'],
      tags: { tier: 'gold' },
    });
    expect(policy.retention).toMatchObject({ keepLast: 2, daily: 7, yearly: 3, minAgeDays: 1 });
    expect(policy.critical).toEqual(['config']);
    expect(policy.awsBackup).toMatchObject({
      mode: 'besides',
      kinds: ['dynamodb-table', 's3-bucket'],
      copyTo: [],
      pollSeconds: 30,
    });
  });

  it.each([
    ['policies: []', 'policies: Too small'],
    ['policies:\n  - name: Nightly', 'policies.0.name: must be 1-48 lowercase'],
    [
      'policies:\n  - name: a\n    schedule: rate(1 days)',
      'policies.0.schedule: "rate(1 days)": AWS wants "1 day"',
    ],
    [
      'policies:\n  - name: a\n    schedule: cron(0 3 * * * *)',
      'exactly one of day-of-month and day-of-week must be "?"',
    ],
    ['policies:\n  - name: a\n    schedule: cron(0 25 * * ? *)', 'hours: "25" is not in 0-23'],
    ['policies:\n  - name: a\n    timezone: Mars/Olympus', 'policies.0.timezone: must be an IANA time zone'],
    ['policies:\n  - name: a\n    critical: [code]', 'policies.0.critical: must include config'],
    ['policies:\n  - name: a\n    retention: { keepLast: -1 }', 'policies.0.retention.keepLast'],
    [
      'policies:\n  - name: a\n    retention: { hourly: 3 }',
      'policies.0.retention: Unrecognized key: "hourly"',
    ],
    ['policies:\n  - name: a\n    select: { kinds: [ec2-instance] }', 'policies.0.select.kinds.0'],
    [
      'policies:\n  - name: a\n    copies: [{ store: "s3://copy-bucket" }]',
      'policies.0.copies.0.region: is required for an s3:// copy',
    ],
    ['policies:\n  - name: a\n  - name: a', 'policies.1.name: duplicate policy name "a"'],
    [
      'policies:\n  - name: a\n    awsBackup: { vault: { name: v1 }, iamRoleArn: role }',
      'policies.0.awsBackup.iamRoleArn: must be an iam ARN',
    ],
    ['policies:\n  - name: a\n   bad-indent: 1', 'invalid policy file'],
  ])('rejects %j naming the field (%s)', (text, message) => {
    // Act
    const attempt = () => parsePolicyFile(text, 'test.yaml');
    // Assess
    expect(attempt).toThrow(InputValidationError);
    expect(attempt).toThrow(message);
  });

  it('names the file in every error', () => {
    expect(() => parsePolicyFile('policies: 5', 'ops/triggervault.policy.yaml')).toThrow(
      /policy file ops\/triggervault\.policy\.yaml: policies:/,
    );
  });

  it('is accepted inline in the run input, with the same defaults', () => {
    // Act
    const input = parseOrThrow(RunInput, { policy: { name: 'inline' } }, 'run input');
    // Assess
    expect(input.policy).toEqual(Policy.parse({ name: 'inline' }));
    expect(() => parseOrThrow(RunInput, { policy: { name: 'x', schedule: 'daily' } }, 'run input')).toThrow(
      /policy\.schedule: "daily": must be rate/,
    );
  });

  it('lists the policy names when asked for one that is not there', () => {
    const file = parsePolicyFile('policies:\n  - name: a\n  - name: b');
    expect(() => findPolicy(file, 'c')).toThrow('no policy named "c" (the file has a, b)');
  });
});

describe('schedule expressions', () => {
  const at = (iso: string) => new Date(iso);

  it.each([
    ['cron(0 3 * * ? *)', '2026-11-25T10:00:00Z', 'UTC', '2026-11-26T03:00:00.000Z'],
    ['cron(30 2 ? * MON-FRI *)', '2026-11-27T03:00:00Z', 'UTC', '2026-11-30T02:30:00.000Z'],
    ['cron(0 0 L * ? *)', '2026-02-10T00:00:00Z', 'UTC', '2026-02-28T00:00:00.000Z'],
    ['cron(0 0 ? * 2#1 *)', '2026-11-25T00:00:00Z', 'UTC', '2026-12-07T00:00:00.000Z'],
    ['cron(0 0 ? * 6L *)', '2026-11-01T00:00:00Z', 'UTC', '2026-11-27T00:00:00.000Z'],
    ['cron(0 0 15W * ? *)', '2026-11-01T00:00:00Z', 'UTC', '2026-11-16T00:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-11-25T10:07:00Z', 'UTC', '2026-11-25T10:15:00.000Z'],
    ['cron(0 12 29 FEB ? *)', '2026-03-01T00:00:00Z', 'UTC', '2028-02-29T12:00:00.000Z'],
    ['cron(0 3 * * ? *)', '2026-07-01T12:00:00Z', 'Europe/Paris', '2026-07-02T01:00:00.000Z'],
    ['cron(0 3 * * ? *)', '2026-12-01T12:00:00Z', 'Europe/Paris', '2026-12-02T02:00:00.000Z'],
    ['rate(6 hours)', '2026-11-25T10:00:00Z', 'UTC', '2026-11-25T16:00:00.000Z'],
  ])('%s after %s (%s) runs at %s', (expression, after, zone, expected) => {
    expect(nextRun(expression, at(after), zone)?.toISOString()).toBe(expected);
  });

  it('counts a rate from its start date', () => {
    expect(
      nextRun('rate(1 day)', at('2026-11-25T10:00:00Z'), 'UTC', at('2026-11-20T04:00:00Z'))?.toISOString(),
    ).toBe('2026-11-26T04:00:00.000Z');
  });

  it('says when an expression never fires again', () => {
    expect(nextRun('cron(0 0 1 1 ? 2020)', at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('parses rates to minutes', () => {
    expect(parseSchedule('rate(2 days)')).toMatchObject({ type: 'rate', minutes: 2880 });
    expect(parseSchedule('rate(1 minute)')).toMatchObject({ type: 'rate', minutes: 1 });
  });
});
