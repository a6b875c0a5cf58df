import { describe, expect, it } from '@jest/globals';
import { runKeys } from '../../src/lambda/run-context.js';
import { itemMetrics, metricsEnabled, runMetrics } from '../../src/metrics.js';

describe('metrics (Powertools EMF)', () => {
  it('emits items, bytes, duration and failures per kind and region for a finished item', () => {
    // Act
    const emf = itemMetrics(
      {
        region: 'eu-west-2',
        kind: 'lambda-function',
        name: 'orders',
        status: 'failed',
        artifacts: [{ role: 'code', path: 'blobs/sha256/x', sha256: 'a'.repeat(64), bytes: 1500 }],
        durationMs: 1234,
      },
      true,
      200,
    ).serializeMetrics();
    // Assess
    const directive = emf._aws.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('Triggervault');
    expect(directive?.Dimensions[0]).toEqual(expect.arrayContaining(['kind', 'region']));
    expect(directive?.Metrics.map((metric) => metric.Name).sort()).toEqual(
      ['Bytes', 'Failures', 'ItemDuration', 'Items', 'StepDuration'].sort(),
    );
    expect(emf).toMatchObject({
      kind: 'lambda-function',
      region: 'eu-west-2',
      Items: 1,
      Failures: 1,
      Bytes: 1500,
      ItemDuration: 1234,
      StepDuration: 200,
    });
  });

  it('emits only the step duration while an item is still running', () => {
    const emf = itemMetrics(
      { region: 'eu-west-2', kind: 'dynamodb-table', name: 't', status: 'running', artifacts: [] },
      false,
      50,
    ).serializeMetrics();
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name)).toEqual(['StepDuration']);
  });

  it('emits the run outcome with the run id as metadata', () => {
    const emf = runMetrics({
      runId: '20261125T120000Z-a1b2c3',
      status: 'partial',
      startedAt: '2026-11-25T12:00:00Z',
      finishedAt: '2026-11-25T12:01:30Z',
      policy: 'nightly',
      totals: { items: 10, failed: 2, bytes: 4096 },
      damaged: 0,
    }).serializeMetrics();
    expect(emf).toMatchObject({
      policy: 'nightly',
      RunDuration: 90,
      RunItems: 10,
      RunFailures: 2,
      RunSucceeded: 0,
      runId: '20261125T120000Z-a1b2c3',
    });
  });

  it('is off outside Lambda unless asked for, so CLI output stays clean', () => {
    expect(metricsEnabled()).toBe(false);
    process.env.TRIGGERVAULT_METRICS = 'on';
    try {
      expect(metricsEnabled()).toBe(true);
    } finally {
      delete process.env.TRIGGERVAULT_METRICS;
    }
  });

  it('puts the run id (and item) on every log line of a task', () => {
    expect(
      runKeys({ runId: 'r1', region: 'eu-west-2', kind: 'lambda-function', name: 'f', cursor: {} }),
    ).toEqual({
      runId: 'r1',
      region: 'eu-west-2',
      kind: 'lambda-function',
      name: 'f',
    });
    expect(runKeys({ summary: { runId: 'r2' } })).toEqual({ runId: 'r2' });
    expect(runKeys(undefined)).toEqual({});
  });
});
