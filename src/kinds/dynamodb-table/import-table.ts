import {
  DeleteTableCommand,
  DescribeImportCommand,
  ImportTableCommand,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import type { RestoreContext } from '../../reconcile/context.js';
import { START } from '../../reconcile/data.js';
import { sha256Hex } from '../../store/hashing.js';
import type { BackupStore } from '../../store/store.js';
import { onlyListedUnder } from '../../store/trusted.js';
import { Backoff, sleep } from '../shared/pacing.js';
import { liveItems, storedItems } from './compare.js';
import type { LoadPosition } from './format.js';
import { createTable, describe, finishCreated, type Target, waitActive } from './target-table.js';

/**
 * The ImportTable path of a restore: a new table without LSIs (ImportTable cannot create them) whose
 * backup is a native export is created by importing the export's data files from the store. The
 * import is followed across calls and verified; a failed or unfaithful one falls back to BatchWriteItem.
 */

/** Starts the import; undefined when the store is not an S3 bucket ImportTable can read. */
export async function startImport(
  target: Target,
  store: BackupStore,
  parts: string[],
  context: RestoreContext,
): Promise<string | undefined> {
  const storeBucket = store.s3;
  if (!storeBucket) return undefined;
  const first = parts[0] as string;
  const prefix = first.slice(0, first.lastIndexOf('/') + 1);
  // ImportTable reads every object under the prefix, unchecked: each part is checked against the
  // manifest first, and a prefix holding anything else is not imported (the items are written).
  if (!(await onlyListedUnder(store, prefix, parts))) return undefined;
  const { create } = target;
  const response = await target.dynamo.send(
    new ImportTableCommand({
      // A retried call gets the same import back instead of starting a second one.
      ClientToken: sha256Hex(`${context.restoreId}/${context.targetRegion}/${target.name}`).slice(0, 32),
      S3BucketSource: {
        S3Bucket: storeBucket.bucket,
        S3KeyPrefix: storeBucket.key(prefix),
      },
      InputFormat: 'DYNAMODB_JSON',
      InputCompressionType: 'GZIP',
      TableCreationParameters: {
        TableName: target.name,
        KeySchema: create.KeySchema,
        AttributeDefinitions: create.AttributeDefinitions,
        BillingMode: create.BillingMode,
        ProvisionedThroughput: create.ProvisionedThroughput,
        OnDemandThroughput: create.OnDemandThroughput,
        SSESpecification: create.SSESpecification,
        GlobalSecondaryIndexes: create.GlobalSecondaryIndexes,
      },
    }),
  );
  return response.ImportTableDescription?.ImportArn;
}

/**
 * Follows a running import. A finished import is verified: the table's items must match the backup's
 * by count and checksum (ImportTable only logs the items it could not read, and moto's garbles
 * non-ASCII text and skips files with an empty map). A failed or unfaithful import falls back: the
 * table the import created is deleted and created again, and the items are written with BatchWriteItem.
 */
export async function followImport(
  target: Target,
  importArn: string,
  parts: string[],
  store: BackupStore,
  notes: string[],
  deadline: number,
): Promise<LoadPosition | undefined> {
  const backoff = new Backoff(500, 15_000);
  for (;;) {
    const { ImportTableDescription: described } = await target.dynamo.send(
      new DescribeImportCommand({ ImportArn: importArn }),
    );
    const status = described?.ImportStatus;
    if (status === 'IN_PROGRESS') {
      const delay = backoff.next();
      if (Date.now() + delay >= deadline) return { mode: 'import', importArn };
      await sleep(delay);
      continue;
    }
    let problem = `ended ${status}${described?.FailureMessage ? ` (${described.FailureMessage})` : ''}`;
    if (status === 'COMPLETED') {
      await waitActive(target.dynamo, target.name);
      const [live, backup] = await Promise.all([
        liveItems(target.dynamo, target.name),
        storedItems(store, parts),
      ]);
      if (live.items === backup.items && live.checksum === backup.checksum) {
        const fixed = await finishCreated(target);
        if (fixed.length)
          notes.push(`imported, but these fields differ from the backup: ${fixed.join(', ')}`);
        return undefined;
      }
      problem = `left ${live.items} of ${backup.items} items${live.items === backup.items ? ' with other contents' : ''}`;
    }
    notes.push(
      `ImportTable ${problem}: the table was created again and its items written with BatchWriteItem`,
    );
    if (await describe(target.dynamo, target.name)) {
      await target.dynamo.send(new DeleteTableCommand({ TableName: target.name }));
      await waitUntilTableNotExists(
        { client: target.dynamo, maxWaitTime: 600, minDelay: 1, maxDelay: 10 },
        { TableName: target.name },
      );
    }
    await createTable(target, notes);
    return { mode: 'write', ...START };
  }
}
