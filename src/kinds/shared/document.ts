import type { z } from 'zod';
import { parseOrThrow } from '../../../schemas/common.js';
import type { ItemResult, WorkItem } from '../../../schemas/work-item.js';
import { storedDocument } from '../../reconcile/data.js';
import { artifactKey } from '../../store/layout.js';
import { writeJsonArtifact } from '../../store/ndjson-part.js';
import type { BackupStore } from '../../store/store.js';
import type { BackupContext, BackupStep } from '../types.js';

/**
 * The kinds whose backup is one configuration document (queues, topics, buses, APIs, roles): one
 * step writes `<file>` (role `config`), validated against the kind's stored format first, and a
 * restore reads it back through the same schema.
 */

/** Writes the item's configuration document and finishes the item in one step. */
export async function backupDocument<S extends z.ZodType>(
  item: WorkItem,
  context: BackupContext,
  schema: S,
  document: z.input<S>,
  options: { file?: string; summary?: Record<string, unknown> } = {},
): Promise<BackupStep> {
  const checked = parseOrThrow(schema, document, `${item.kind} ${item.name} configuration`);
  const key = artifactKey(item.runId, item.region, item.kind, item.name, options.file ?? 'config.json');
  return {
    done: true,
    artifacts: [await writeJsonArtifact(context.store, key, 'config', checked)],
    summary: options.summary,
  };
}

/** The configuration document an item stored, parsed with the kind's schema. */
export async function readDocument<S extends z.ZodType>(
  store: BackupStore,
  item: ItemResult,
  schema: S,
): Promise<z.output<S>> {
  return parseOrThrow(
    schema,
    await storedDocument<unknown>(store, item, 'config'),
    `${item.kind} ${item.name} configuration`,
  );
}

/** Tags as a record, from the `{Key, Value}` lists most services answer with. */
export const tagRecord = (tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));

/** A policy document as a comparable value: parsed JSON, or null when there is none. */
export const parsedPolicy = (text: string | undefined | null): Record<string, unknown> | null =>
  text ? (JSON.parse(text) as Record<string, unknown>) : null;

/** The tag keys to remove and the tags to set to go from `current` to `desired`. */
export function tagChanges(current: Record<string, string>, desired: Record<string, string>) {
  return {
    remove: Object.keys(current).filter((key) => !(key in desired)),
    set: Object.fromEntries(Object.entries(desired).filter(([key, value]) => current[key] !== value)),
  };
}

/**
 * A key of the source region cannot encrypt in another region: an ARN or key id there is replaced by
 * the service's AWS managed key (`alias/aws/<service>`), with a note. Aliases stay (they are per region
 * by name).
 */
export function regionalKey(
  key: string | undefined,
  service: string,
  context: { sourceRegion: string; targetRegion: string; mapper: { mapArn(arn: string): string } },
  notes: string[],
): string | undefined {
  if (!key || key.startsWith('alias/')) return key;
  if (context.sourceRegion === context.targetRegion)
    return key.startsWith('arn:') ? context.mapper.mapArn(key) : key;
  notes.push(
    `encrypted with alias/aws/${service}: the recorded key ${key} belongs to ${context.sourceRegion}`,
  );
  return `alias/aws/${service}`;
}
