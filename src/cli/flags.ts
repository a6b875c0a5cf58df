import { z } from 'zod';
import { KindName, RegionName, RunId } from '../../schemas/common.js';
import { NameSuffix, Selector } from '../../schemas/restore.js';

/** A comma-separated flag value as its non-empty, trimmed parts. */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

const csv = <T extends z.ZodType<unknown, string>>(item: T) => commaList.pipe(z.array(item).min(1));

export const StoreFlag = z.string({ message: 'is required' }).min(1, 'is required');

/** Accept runs whose manifest has no signature (written with --allow-unsigned); a wrong one never. */
const AllowUnsigned = z.boolean().default(false);

export const BackupFlags = z.object({
  bucket: StoreFlag,
  regions: z.union([z.literal('all'), csv(RegionName)]).optional(),
  include: csv(KindName).optional(),
  resume: RunId.optional(),
  tables: csv(z.string().min(1)).optional(),
  buckets: csv(z.string().min(1)).optional(),
  streams: csv(z.string().min(1)).optional(),
  /** A policy of the policy file, passed inline to the run. */
  policy: z.string().min(1).optional(),
  policyFile: z.string().min(1).optional(),
  allowUnsigned: AllowUnsigned,
  json: z.boolean().default(false),
});

export const RunFlags = z.object({
  bucket: StoreFlag,
  run: RunId,
  allowUnsigned: AllowUnsigned,
  json: z.boolean().default(false),
});
export const VerifyFlags = RunFlags.extend({ deep: z.boolean().default(false) });
export const ListFlags = z.object({ bucket: StoreFlag, json: z.boolean().default(false) });
export const EmulatorFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
});

/** `old=new,…` pairs (role ARNs) into a record. */
const pairs = commaList
  .pipe(z.array(z.string().regex(/^arn:[^=]+=arn:[^=]+$/, 'must be old-role-arn=new-role-arn')).min(1))
  .transform((entries) => Object.fromEntries(entries.map((entry) => entry.split('=') as [string, string])));

export const RestoreFlags = z.object({
  bucket: StoreFlag,
  run: RunId,
  regions: csv(RegionName).optional(),
  targetRegion: RegionName.optional(),
  only: csv(Selector).optional(),
  nameSuffix: NameSuffix.optional(),
  roleMap: pairs.optional(),
  startingPosition: z.enum(['latest', 'recorded']).optional(),
  edge: z.boolean().default(false),
  dryRun: z.boolean().default(false),
  force: z.boolean().default(false),
  allowUnsigned: AllowUnsigned,
  json: z.boolean().default(false),
});

export const DrillFlags = z.object({
  bucket: StoreFlag,
  run: RunId.optional(),
  regions: csv(RegionName).optional(),
  targetRegion: RegionName.optional(),
  allowUnsigned: AllowUnsigned,
  json: z.boolean().default(false),
});
