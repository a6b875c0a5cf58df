import {
  DescribeExportCommand,
  type DynamoDBClient,
  ExportTableToPointInTimeCommand,
} from '@aws-sdk/client-dynamodb';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { isThrottle } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { IntegrityError } from '../../errors.js';
import { logger } from '../../log.js';
import { sha256Hex } from '../../store/hashing.js';
import { artifactKey } from '../../store/layout.js';
import { inspectNdjsonPart } from '../../store/ndjson-part.js';
import { type StepBudget, sleep } from '../shared/pacing.js';
import type { BackupContext, BackupStep } from '../types.js';
import { type ExportCursor, ExportSummary, type TableConfig } from './format.js';

/**
 * A table's data by native point-in-time export (ExportTableToPointInTime) straight into the store,
 * when PITR is on and the store is S3: DynamoDB writes gzip DynamoDB JSON data files under the
 * item's `export/` prefix, the step waits for it (returning a cursor when its time runs out), then
 * describes every file as an artifact. Whenever the export is unavailable or fails, the caller scans.
 */

const KIND = 'dynamodb-table';
const FALSE = /^(0|false|no|off)$/i;

/** Starts the export; undefined when it cannot be used (no PITR, not an S3 store, disabled, refused). */
export async function startExport(
  dynamo: DynamoDBClient,
  item: WorkItem,
  context: BackupContext,
  config: TableConfig,
): Promise<ExportCursor | undefined> {
  const target = context.store.s3;
  const pitr = config.continuousBackups?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  if (!target || pitr !== 'ENABLED' || FALSE.test(process.env.TRIGGERVAULT_DYNAMODB_EXPORT ?? ''))
    return undefined;
  const prefix = artifactKey(item.runId, item.region, KIND, item.name, 'export');
  const sse = await target.encryption();
  try {
    const response = await dynamo.send(
      new ExportTableToPointInTimeCommand({
        TableArn: config.description.TableArn,
        S3Bucket: target.bucket,
        S3Prefix: target.key(prefix),
        ExportFormat: 'DYNAMODB_JSON',
        // The export lands in the store as everything else does: SSE-KMS under the store's key.
        S3SseAlgorithm: 'KMS',
        S3SseKmsKeyId: sse.SSEKMSKeyId,
        // A retried first step gets the same export back instead of starting a second one.
        ClientToken: sha256Hex(`${item.runId}/${item.region}/${item.name}`).slice(0, 32),
      }),
    );
    const arn = response.ExportDescription?.ExportArn;
    return arn ? { mode: 'export', chunk: 0, exportArn: arn, prefix } : undefined;
  } catch (error) {
    if (isThrottle(error)) throw error;
    logger.warn('native export unavailable, scanning instead', { table: item.name, error: String(error) });
    return undefined;
  }
}

const roleOfExportFile = (key: string): string =>
  /\/data\/[^/]+\.gz$/.test(key)
    ? 'data'
    : /manifest-[a-z]+\.json$/.test(key)
      ? 'export-manifest'
      : 'export-file';

/** Describes every file of a completed export; checks item counts against AWS's manifest when present. */
async function collectExport(
  context: BackupContext,
  cursor: ExportCursor,
  reported: number | undefined,
): Promise<BackupStep> {
  const keys: string[] = [];
  for await (const key of context.store.list(`${cursor.prefix}/`)) keys.push(key);
  const artifacts: Artifact[] = [];
  let summaryKey: string | undefined;
  await mapLimit(keys, 8, async (key) => {
    const role = roleOfExportFile(key);
    if (role === 'data') {
      const inspected = await inspectNdjsonPart(context.store, key);
      artifacts.push({
        role,
        path: key,
        sha256: inspected.sha256,
        bytes: inspected.bytes,
        counts: { items: inspected.lines },
      });
      return;
    }
    if (key.endsWith('/manifest-summary.json')) summaryKey = key;
    const measured = await context.store.measure(key);
    if (measured) artifacts.push({ role, path: key, ...measured });
  });
  artifacts.sort((a, b) => a.path.localeCompare(b.path));
  const items = artifacts.reduce((sum, artifact) => sum + (artifact.counts?.items ?? 0), 0);
  // AWS writes manifest-summary.json (moto does not): when present, its item count must match.
  const manifest = summaryKey
    ? parseOrThrow(ExportSummary, await context.store.getJson(summaryKey), `export summary ${summaryKey}`)
    : undefined;
  for (const expected of [manifest?.itemCount, reported]) {
    if (expected !== undefined && expected !== items) {
      throw new IntegrityError(
        `export ${cursor.exportArn} reports ${expected} items, its data files hold ${items}`,
      );
    }
  }
  return {
    done: true,
    artifacts,
    summary: {
      method: 'export',
      exportArn: cursor.exportArn,
      items,
      files: artifacts.filter((a) => a.role === 'data').length,
    },
  };
}

/** Waits for the export within this step; undefined when it failed (the caller scans instead). */
export async function continueExport(
  dynamo: DynamoDBClient,
  context: BackupContext,
  budget: StepBudget,
  cursor: ExportCursor,
): Promise<BackupStep | undefined> {
  let pollMs = 250;
  for (;;) {
    const { ExportDescription: description } = await budget.timed(() =>
      dynamo.send(new DescribeExportCommand({ ExportArn: cursor.exportArn })),
    );
    const status = description?.ExportStatus;
    if (status === 'COMPLETED') return collectExport(context, cursor, description?.ItemCount);
    if (status !== 'IN_PROGRESS') {
      logger.warn('native export failed, scanning instead', {
        exportArn: cursor.exportArn,
        status,
        failure: description?.FailureMessage,
      });
      return undefined;
    }
    if (!budget.hasTime(pollMs))
      return { done: false, cursor, artifacts: [], summary: { method: 'export', status } };
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, 15_000);
  }
}
