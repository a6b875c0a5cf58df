import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseOrThrow } from '../../../schemas/common.js';
import type { Artifact, WorkItem } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { artifactKey } from '../../store/layout.js';
import { writeJsonArtifact } from '../../store/ndjson-part.js';
import { captures, configurationOnly } from '../shared/attributes.js';
import { StepBudget } from '../shared/pacing.js';
import type { BackupContext, BackupStep } from '../types.js';
import { BackupCursor } from './format.js';
import { continueExport, startExport } from './native-export.js';
import { planScan, probeTable, scanChunk } from './scan.js';
import { describeTable, readTableConfig } from './table-config.js';

/**
 * DynamoDB tables: schema (DescribeTable, TTL, PITR, tags) and data. Data comes from a native
 * point-in-time export into the store when PITR is on and the store is S3, otherwise from a
 * parallel segmented Scan written as gzip NDJSON parts in DynamoDB JSON (`{"Item": {...}}` lines,
 * the format of AWS's own exports, so restore reads both the same way).
 */

const KIND = 'dynamodb-table';

/** One backup step of a table: the schema on the first step, then the export or the scan from the cursor. */
export async function backupTable(item: WorkItem, context: BackupContext): Promise<BackupStep> {
  const dynamo = client(DynamoDBClient, item.region);
  const budget = new StepBudget(context.deadline, context.chunkItems);
  const artifacts: Artifact[] = [];
  let cursor =
    item.cursor === undefined ? undefined : parseOrThrow(BackupCursor, item.cursor, 'dynamodb-table cursor');
  if (!cursor) {
    // First step: the schema, written once per item, then the data plan.
    const config = await readTableConfig(dynamo, item.region, item.name);
    const key = artifactKey(item.runId, item.region, KIND, item.name, 'schema.json');
    artifacts.push(await writeJsonArtifact(context.store, key, 'schema', config));
    if (!captures(item, 'data')) return configurationOnly(artifacts);
    cursor =
      (await startExport(dynamo, item, context, config)) ??
      planScan(config.description, 0, await probeTable(dynamo, config.description));
  }
  if (cursor.mode === 'export') {
    const step = await continueExport(dynamo, context, budget, cursor);
    if (step) return { ...step, artifacts: [...artifacts, ...step.artifacts] };
    const description = await describeTable(dynamo, item.name);
    cursor = planScan(description, cursor.chunk, await probeTable(dynamo, description));
  }
  const step = await scanChunk(dynamo, item, context, budget, cursor);
  return { ...step, artifacts: [...artifacts, ...step.artifacts] };
}
