import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectSelection } from '../../../schemas/item-restore.js';
import type { Change } from '../../../schemas/restore.js';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import { ifExists } from '../../aws/errors.js';
import { mapLimit } from '../../concurrency.js';
import { InputValidationError } from '../../errors.js';
import { globToRegExp } from '../../glob.js';
import type { RestoreResult } from '../../reconcile/context.js';
import { partsOf } from '../../reconcile/data.js';
import { notPossible } from '../../reconcile/diff.js';
import { emptyStats, lookupRecords, withinBounds } from '../../reconcile/item-lookup.js';
import { envNumber } from '../shared/pacing.js';
import type { ItemRestoreContext } from '../types.js';
import { compareObject } from './compare-objects.js';
import { isStored, type ObjectEntry, objectEntryOf } from './format.js';
import { compareKeys } from './objects-index.js';
import { type RestoreJob, restoreObject } from './restore-objects.js';

/**
 * Item-level restore of a bucket: the objects whose keys match exact keys or globs, written back with
 * their content type, metadata, headers and tags, into the bucket or another, optionally under a
 * prefix. The objects index is read only where it can hold a match: each block of an index part
 * records its first and last key (keys are in S3's order), and a pattern's literal part before its
 * first wildcard bounds the keys it can match.
 *
 * Compare first, per object: missing → create; same size, content and attributes → unchanged;
 * otherwise differs, overwritten only with `force`.
 */

const WILDCARD = /[*?]/;

/** Whether a block from `first` to `last` (S3 key order) can hold a key that starts with `prefix`. */
const mayHoldPrefix =
  (prefix: string) =>
  (first: string, last: string): boolean =>
    compareKeys(last, prefix) >= 0 && (compareKeys(first, prefix) <= 0 || first.startsWith(prefix));

/** A pattern as a block test (its literal prefix, or the exact key) and a key test. */
function patternOf(pattern: string) {
  const wildcard = pattern.search(WILDCARD);
  if (wildcard < 0)
    return { blocks: withinBounds(pattern, pattern, compareKeys), matches: (key: string) => key === pattern };
  const expression = globToRegExp(pattern);
  return {
    blocks: mayHoldPrefix(pattern.slice(0, wildcard)),
    matches: (key: string) => expression.test(key),
  };
}

/** The stored entries of the objects index that match the selection, in key order. */
async function matchingEntries(
  context: ItemRestoreContext,
  item: ItemResult,
  keys: string[],
  stats: ReturnType<typeof emptyStats>,
): Promise<ObjectEntry[]> {
  const patterns = keys.map(patternOf);
  const parts = partsOf(item, 'objects-index');
  const found: ObjectEntry[] = [];
  const records = lookupRecords(
    context.store,
    item,
    parts,
    { range: (first, last) => patterns.some((pattern) => pattern.blocks(first, last)) },
    stats,
  );
  for await (const record of records) {
    const entry = objectEntryOf(record, () => `objects index of bucket ${item.name}`);
    if (patterns.some((pattern) => pattern.matches(entry.key))) found.push(entry);
  }
  return found;
}

/** Restores the selected objects of one stored bucket (see the module comment). */
export async function restoreKeys(
  item: ItemResult,
  selection: ObjectSelection,
  context: ItemRestoreContext,
): Promise<RestoreResult> {
  const bucket = selection.toBucket ?? item.name;
  const prefix = selection.toPrefix ?? '';
  if (context.store.s3?.bucket === bucket)
    throw new InputValidationError(`to-bucket: ${bucket} is the backup store; restore objects elsewhere`);
  const stats = emptyStats();
  const entries = await matchingEntries(context, item, selection.keys, stats);
  const notes: string[] = [];
  const details = { matched: entries.length, lookup: stats };
  if (entries.length === 0)
    return {
      changes: [
        notPossible(
          `objects of bucket ${item.name}`,
          'blocked',
          `no object of run ${context.runId} matches ${selection.keys.join(', ')}`,
        ),
      ],
      notes,
      details,
    };
  const s3 = client(S3Client, context.targetRegion);
  if (!(await ifExists(() => s3.send(new HeadBucketCommand({ Bucket: bucket })))))
    return {
      changes: [
        notPossible(
          `bucket ${bucket}`,
          'blocked',
          'the bucket does not exist: restore the bucket (restore --only s3-bucket:…) or create it first',
        ),
      ],
      notes,
      details,
    };
  const job: RestoreJob = { store: context.store, storeBucket: context.store.s3, s3, bucket };
  const said = new Set<string>();
  const changes = await mapLimit(
    entries,
    envNumber('TRIGGERVAULT_S3_RESTORE_CONCURRENCY', 32),
    async (entry): Promise<Change> => {
      const key = `${prefix}${entry.key}`;
      const resource = `object s3://${bucket}/${key}`;
      if (!isStored(entry))
        return notPossible(resource, 'blocked', `not copied when backed up: ${entry.skipped ?? 'archived'}`);
      const target = { ...entry, key };
      const verdict = await ifExists(() => compareObject(job, target));
      const action = !verdict
        ? 'create'
        : !verdict.problem
          ? 'unchanged'
          : context.force
            ? 'update'
            : 'differs';
      if (context.apply && (action === 'create' || action === 'update'))
        await restoreObject(job, target, said);
      return {
        resource,
        action,
        ...(verdict?.problem
          ? { fields: [{ field: 'object', current: verdict.problem, desired: 'backup' }] }
          : {}),
      };
    },
  );
  notes.push(...said);
  return { changes, notes, details };
}
