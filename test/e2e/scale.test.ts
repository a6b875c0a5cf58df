import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HISTORY_EVENT_QUOTA, PAYLOAD_QUOTA_BYTES } from '../../src/local/history.js';
import { runStateMachineLocally } from '../../src/local/runner.js';
import { syntheticHandlers, syntheticName } from '../helpers/synthetic-run.js';

// Account scale: a region of 20,000 resources through the real backup ASL (cheap handlers stand in
// for the work: this measures the orchestration only). Each execution, the parent and every child
// of the Distributed Map, must stay under 80% of the Step Functions quotas (25,000 history events
// per execution, 256 KiB per state payload). No AWS call is made: file:// store, synthetic Discover.

/** Only a label: no AWS call is made. */
const REGION = 'zz-scale-1';
const ITEMS = 20_000;
let directory: string;

/** Every 1,000th item needs 3 chunks and every 997th fails transiently once (retried). */
const names = () =>
  Array.from({ length: ITEMS }, (_, index) =>
    syntheticName(index, `${index % 1000 === 0 ? '~chunks3' : ''}${index % 997 === 5 ? '~flaky' : ''}`),
  );

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tv-scale-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('a region of 20,000 resources', () => {
  it('runs every item in its own child execution, each execution inside 80% of the quotas', async () => {
    // Prepare
    const { handlers, record } = syntheticHandlers(names);
    const started = Date.now();
    // Act
    const { executions, stateTransitions } = await runStateMachineLocally(
      'backup.asl.yaml',
      { store: `file://${directory}`, regions: [REGION], include: ['lambda-function'] },
      { handlers, retryIntervalMs: 0 },
    );
    const seconds = (Date.now() - started) / 1000;
    // Assess
    const [parent, ...children] = executions;
    expect(children).toHaveLength(ITEMS);
    expect(new Set(record.started).size).toBe(ITEMS);
    expect(executions.filter((execution) => execution.failed || execution.warning)).toEqual([]);
    const overBudget = executions.filter(
      (execution) =>
        execution.events >= 0.8 * HISTORY_EVENT_QUOTA ||
        execution.maxPayloadBytes >= 0.8 * PAYLOAD_QUOTA_BYTES,
    );
    expect(overBudget).toEqual([]);
    // The parent does not grow with the items: 48 events for one region, whatever its size.
    expect(parent?.events).toBe(48);
    const largest = executions.reduce((most, execution) => Math.max(most, execution.maxPayloadBytes), 0);
    const busiest = children.reduce((most, execution) => Math.max(most, execution.events), 0);
    // A 3-chunk item records 29 events; a retried one-chunk item 14; a plain one 11.
    expect(busiest).toBe(29);
    expect(stateTransitions).toBeGreaterThan(3 * ITEMS);
    process.stdout.write(
      `20,000 items: ${seconds.toFixed(1)} s, parent ${parent?.events} events, busiest child ${busiest}, largest payload ${largest} B, ${stateTransitions} transitions\n`,
    );
  }, 180_000);
});
