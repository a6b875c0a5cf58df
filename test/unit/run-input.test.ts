import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseOrThrow } from '../../schemas/common.js';
import { RunInput, RunPlan } from '../../schemas/run-input.js';
import { planRun } from '../../src/backup/plan.js';
import { BackupFlags } from '../../src/cli/flags.js';
import { InputValidationError } from '../../src/errors.js';

describe('run input', () => {
  it('accepts {} (every field has a default resolved in Plan)', () => {
    expect(parseOrThrow(RunInput, {}, 'run input')).toEqual({});
  });

  it.each([
    [{ regions: 5 }, 'regions'],
    [{ regions: ['mars-central-1x'] }, 'regions.0'],
    [{ include: ['lambda-function', 'ec2-instance'] }, 'include.1'],
    [{ resume: '../../etc' }, 'resume'],
    [{ unexpected: true }, 'unexpected'],
    [{ tables: 'orders' }, 'tables'],
  ])('rejects %j with a message naming %s', (input, field) => {
    // Act
    const attempt = () => parseOrThrow(RunInput, input, 'run input');
    // Assess
    expect(attempt).toThrow(InputValidationError);
    expect(attempt).toThrow(new RegExp(`(^|[ ;(])${field.replace('.', '\\.')}\\b|"${field}"`));
  });
});

describe('name globs per kind', () => {
  it('accepts names for any kind, and the old per-kind fields as aliases', () => {
    // Act
    const input = parseOrThrow(
      RunInput,
      { names: { 'sqs-queue': ['orders-*'], 'iam-role': ['app-*'] }, tables: ['orders'] },
      'run input',
    );
    // Assess
    expect(input).toEqual({
      names: { 'sqs-queue': ['orders-*'], 'iam-role': ['app-*'] },
      tables: ['orders'],
    });
  });

  it('rejects names of an unknown kind, naming the field', () => {
    // Act
    const attempt = () => parseOrThrow(RunInput, { names: { 'ec2-instance': ['x'] } }, 'run input');
    // Assess
    expect(attempt).toThrow(/names/);
  });

  it('reads a stored plan of an earlier version (tables/buckets/streams) as names', () => {
    // Act
    const plan = RunPlan.parse({
      runId: '20261125T120000Z-a1b2c3',
      store: 'file:///tmp/x',
      regions: ['eu-west-1'],
      include: ['dynamodb-table'],
      startedAt: '2026-11-25T12:00:00.000Z',
      tables: ['orders'],
      buckets: [],
      streams: ['clicks-*'],
    });
    // Assess
    expect(plan.names).toEqual({ 'dynamodb-table': ['orders'], 'kinesis-stream': ['clicks-*'] });
  });

  it('backup --names kind=glob,... groups the globs by kind; a bad kind exits 2 naming the field', () => {
    // Act
    const flags = BackupFlags.parse({
      bucket: 'b',
      names: 'sqs-queue=orders-*,sns-topic=events,sqs-queue=jobs',
    });
    const bad = () => parseOrThrow(BackupFlags, { bucket: 'b', names: 'ec2=x' }, 'flags');
    // Assess
    expect(flags.names).toEqual({ 'sqs-queue': ['orders-*', 'jobs'], 'sns-topic': ['events'] });
    expect(bad).toThrow(/names/);
  });
});

describe('Plan: name globs', () => {
  const store = () => `file://${mkdtempSync(join(tmpdir(), 'tv-plan-'))}`;

  it('keeps the aliases as names, and refuses a kind named both ways', async () => {
    // Act
    const plan = await planRun({
      store: store(),
      regions: ['eu-west-1'],
      tables: ['orders'],
      names: { 'sqs-queue': ['jobs'] },
    });
    const both = planRun({
      store: store(),
      regions: ['eu-west-1'],
      tables: ['a'],
      names: { 'dynamodb-table': ['b'] },
    });
    // Assess
    expect(plan.names).toEqual({ 'dynamodb-table': ['orders'], 'sqs-queue': ['jobs'] });
    await expect(both).rejects.toThrow(/tables: names\["dynamodb-table"\] is given too/);
  });
});
