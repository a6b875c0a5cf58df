import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type KindName, parseOrThrow, RegionName, RunId } from '../../schemas/common.js';
import {
  type ItemSelection,
  ItemSelection as ItemSelectionSchema,
  ItemsFile,
} from '../../schemas/item-restore.js';
import { Selector } from '../../schemas/restore.js';
import { InputValidationError } from '../errors.js';
import { restoreItems } from '../restore/items.js';
import type { RestoreReport } from '../restore/report.js';
import { openStore } from '../store/open.js';
import { StoreFlag } from './flags.js';
import { createOutput } from './output.js';

/**
 * `restore --only KIND:NAME` with item flags: some objects, items or records of one resource, run in
 * this process (see restore/items.ts). Each flag belongs to one kind; a flag of another kind, or of a
 * whole restore, is bad input named by its flag.
 */

/** The item flags, by the kind they select in. */
const ITEM_FLAGS = {
  's3-bucket': ['keys', 'toBucket', 'toPrefix'],
  'dynamodb-table': ['items', 'item', 'toTable'],
  'kinesis-stream': ['records', 'toStream'],
} as const satisfies Partial<Record<KindName, readonly string[]>>;
/** Flags of a whole restore that mean nothing for items. */
const WHOLE_ONLY = ['nameSuffix', 'roleMap', 'startingPosition', 'edge'] as const;

const flagName = (field: string) => field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** True when the raw flags ask for an item restore. */
export const isItemRestore = (flags: Record<string, unknown>): boolean =>
  Object.values(ITEM_FLAGS).some((fields) => fields.some((field) => flags[field] !== undefined));

const Flags = z.object({
  bucket: StoreFlag,
  run: RunId,
  only: z
    .string({ message: 'is required with item flags (one resource, such as s3-bucket:uploads)' })
    .pipe(Selector),
  regions: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(RegionName).min(1))
    .optional(),
  targetRegion: RegionName.optional(),
  keys: z.array(z.string().min(1)).optional(),
  toBucket: z.string().optional(),
  toPrefix: z.string().optional(),
  items: z.string().min(1).optional(),
  item: z.array(z.string().min(1)).optional(),
  toTable: z.string().optional(),
  records: z.string().min(1).optional(),
  toStream: z.string().optional(),
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false),
  allowUnsigned: z.boolean().default(false),
  json: z.boolean().default(false),
});
type Flags = z.infer<typeof Flags>;

/** `pk=KEY` (repeatable), `from=TIME`, `to=TIME`, comma-separated. */
function recordFilter(text: string) {
  const filter: { partitionKeys?: string[]; from?: string; to?: string } = {};
  for (const part of text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const at = part.indexOf('=');
    const [field, value] = at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
    if (!value) throw new InputValidationError(`records: "${part}" must be pk=KEY, from=TIME or to=TIME`);
    if (field === 'pk') filter.partitionKeys = [...(filter.partitionKeys ?? []), value];
    else if (field === 'from' || field === 'to') filter[field] = value;
    else throw new InputValidationError(`records: unknown field "${field}" (pk, from, to)`);
  }
  if (!filter.partitionKeys && !filter.from && !filter.to)
    throw new InputValidationError('records: give pk=KEY, from=TIME and/or to=TIME');
  if (filter.from && filter.to && new Date(filter.from) > new Date(filter.to))
    throw new InputValidationError('records: from is after to');
  return filter;
}

/** The keys or condition of `--items FILE` and `--item JSON`. */
async function tableKeys(flags: Flags) {
  let keys: unknown[] = [];
  let condition: unknown;
  if (flags.items) {
    let text: string;
    try {
      text = await readFile(flags.items, 'utf8');
    } catch (error) {
      throw new InputValidationError(`items: cannot read ${flags.items}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new InputValidationError(`items: ${flags.items} is not JSON: ${(error as Error).message}`);
    }
    const file = parseOrThrow(ItemsFile, json, `items file ${flags.items}`);
    if (Array.isArray(file)) keys = file;
    else if ('keys' in file) keys = file.keys;
    else condition = file.condition;
  }
  for (const text of flags.item ?? []) {
    try {
      keys.push(JSON.parse(text));
    } catch {
      throw new InputValidationError(`item: ${text} is not a JSON object such as {"pk":"order#1","sk":1}`);
    }
  }
  if (condition !== undefined && keys.length)
    throw new InputValidationError('item: a key condition file and keys cannot be combined');
  return condition === undefined ? { keys } : { condition };
}

/** The selection the flags describe, checked field by field (messages name the flag). */
async function selectionOf(flags: Flags): Promise<ItemSelection> {
  const kind = flags.only.kind;
  const own: readonly string[] = (ITEM_FLAGS as Partial<Record<KindName, readonly string[]>>)[kind] ?? [];
  for (const [other, fields] of Object.entries(ITEM_FLAGS))
    for (const field of fields)
      if (other !== kind && flags[field as keyof Flags] !== undefined)
        throw new InputValidationError(
          `${flagName(field)}: selects in a ${other}, not in ${kind}:${flags.only.name}`,
        );
  if (own.length === 0)
    throw new InputValidationError(`only: a ${kind} has no objects, items or records to restore one by one`);
  const raw =
    kind === 's3-bucket'
      ? { kind, keys: flags.keys, toBucket: flags.toBucket, toPrefix: flags.toPrefix }
      : kind === 'dynamodb-table'
        ? { kind, ...(await tableKeys(flags)), toTable: flags.toTable }
        : { kind, ...recordFilter(flags.records ?? ''), toStream: flags.toStream };
  const parsed = ItemSelectionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const [field, ...rest] = issue.path.map(String);
    const flag =
      field === 'partitionKeys' || field === 'from' || field === 'to'
        ? 'records'
        : field === 'keys' && kind === 'dynamodb-table'
          ? 'items'
          : field === 'condition'
            ? 'items'
            : flagName(field ?? 'only');
    return `${flag}${rest.length ? `.${rest.join('.')}` : ''}: ${issue.message}`;
  });
  throw new InputValidationError(`invalid flags: ${problems.join('; ')}`);
}

/** `restore` with item flags. Exit 0 when every selected object, item or key is restored or already as backed up. */
export async function restoreItemsCommand(
  rawFlags: Record<string, unknown>,
  format: (report: RestoreReport) => string,
): Promise<number> {
  for (const field of WHOLE_ONLY)
    if (rawFlags[field] !== undefined && rawFlags[field] !== false)
      throw new InputValidationError(
        `${flagName(field)}: not used when restoring items (only whole restores)`,
      );
  const flags = parseOrThrow(Flags, rawFlags, 'flags');
  const selection = await selectionOf(flags);
  const out = createOutput(flags.json);
  const store = openStore(flags.bucket);
  const report = await restoreItems(store, {
    run: flags.run,
    only: flags.only,
    regions: flags.regions,
    targetRegion: flags.targetRegion,
    selection,
    dryRun: flags.dryRun,
    force: flags.force,
    allowUnsigned: flags.allowUnsigned,
  });
  out.result(report, () => format(report));
  return report.status === 'restored' ? 0 : 1;
}
