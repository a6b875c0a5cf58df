import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DeletionReport, DeletionUnit } from '../schemas/audit.js';
import type { ItemResult } from '../schemas/work-item.js';

/**
 * CloudWatch metrics as Embedded Metric Format log lines (Powertools Metrics): per kind and region,
 * items, bytes, step duration and failures; per run, its duration and outcome. Emitted in Lambda
 * (or with TRIGGERVAULT_METRICS=on); locally the CLI keeps stdout for its own output.
 */
export const METRICS_NAMESPACE = process.env.TRIGGERVAULT_METRICS_NAMESPACE ?? 'Triggervault';

export function metricsEnabled(): boolean {
  const setting = process.env.TRIGGERVAULT_METRICS;
  if (setting) return /^(1|true|on|yes)$/i.test(setting);
  return Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
}

const newMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'triggervault' });

/** The metrics of one backup step of an item (built, not yet published). */
export function itemMetrics(result: ItemResult, done: boolean, stepMs: number): Metrics {
  const metrics = newMetrics();
  metrics.addDimensions({ kind: result.kind, region: result.region });
  metrics.addMetric('StepDuration', MetricUnit.Milliseconds, stepMs);
  if (done) {
    const failed = result.status === 'failed';
    metrics.addMetric('Items', MetricUnit.Count, 1);
    metrics.addMetric('Failures', MetricUnit.Count, failed ? 1 : 0);
    metrics.addMetric(
      'Bytes',
      MetricUnit.Bytes,
      result.artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0),
    );
    if (result.durationMs !== undefined)
      metrics.addMetric('ItemDuration', MetricUnit.Milliseconds, result.durationMs);
  }
  metrics.addMetadata('item', result.name);
  return metrics;
}

export function recordItemMetrics(result: ItemResult, done: boolean, stepMs: number): void {
  if (metricsEnabled()) itemMetrics(result, done, stepMs).publishStoredMetrics();
}

export interface RunMetricsInput {
  runId: string;
  status: string;
  startedAt: string;
  finishedAt: string;
  policy?: string;
  totals: { items: number; failed: number; bytes: number };
  damaged: number;
}

/** The metrics of a finished run (built, not yet published). */
export function runMetrics(run: RunMetricsInput): Metrics {
  const metrics = newMetrics();
  metrics.addDimensions({ policy: run.policy ?? 'none' });
  const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  metrics.addMetric('RunDuration', MetricUnit.Seconds, Math.max(0, seconds));
  metrics.addMetric('RunItems', MetricUnit.Count, run.totals.items);
  metrics.addMetric('RunFailures', MetricUnit.Count, run.totals.failed);
  metrics.addMetric('RunBytes', MetricUnit.Bytes, run.totals.bytes);
  metrics.addMetric('DamagedArtifacts', MetricUnit.Count, run.damaged);
  metrics.addMetric('RunSucceeded', MetricUnit.Count, run.status === 'succeeded' ? 1 : 0);
  metrics.addMetadata('runId', run.runId);
  return metrics;
}

export function recordRunMetrics(run: RunMetricsInput): void {
  if (metricsEnabled()) runMetrics(run).publishStoredMetrics();
}

/**
 * What disappeared since the previous run, per unit (functions, triggers, objects, items, records):
 * `Deleted` (count) and `DeletedShare` (percent of what the previous run held), dimensions `service`
 * and `unit` only (no policy, no region): the stack's mass-deletion alarms
 * (deploy/resources/deletion-alarms.yml) name exactly these.
 */
export function deletionMetrics(deletions: DeletionReport, policy?: string): Metrics[] {
  return (
    Object.entries(deletions.units) as [DeletionUnit, NonNullable<DeletionReport['units'][DeletionUnit]>][]
  ).map(([unit, count]) => {
    const metrics = newMetrics();
    metrics.addDimensions({ unit });
    metrics.addMetric('Deleted', MetricUnit.Count, count.deleted);
    metrics.addMetric('DeletedShare', MetricUnit.Percent, count.share);
    metrics.addMetadata('previousRunId', deletions.previousRunId);
    metrics.addMetadata('policy', policy ?? 'none');
    return metrics;
  });
}

export function recordDeletionMetrics(deletions: DeletionReport, policy?: string): void {
  if (metricsEnabled())
    for (const metrics of deletionMetrics(deletions, policy)) metrics.publishStoredMetrics();
}
