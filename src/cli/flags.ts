import { z } from 'zod';
import { Bandwidth } from '../../schemas/bandwidth.js';
import { KindName, RegionName, RunId } from '../../schemas/common.js';
import { NameSuffix, PointInTime, Selector } from '../../schemas/restore.js';

/** A comma-separated flag value as its non-empty, trimmed parts. */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

const csv = <T extends z.ZodType<unknown, string>>(item: T) => commaList.pipe(z.array(item).min(1));

/** `kind=glob,…` pairs (`sqs-queue=orders-*,sns-topic=order-events`) into name globs per kind. */
const kindGlobs = commaList
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[a-z0-9-]+=.+$/, 'must be kind=glob, such as sqs-queue=orders-*')
          .transform((entry) => {
            const at = entry.indexOf('=');
            return { kind: entry.slice(0, at), glob: entry.slice(at + 1) };
          })
          .pipe(z.object({ kind: KindName, glob: z.string().min(1) })),
      )
      .min(1),
  )
  .transform((entries) => {
    const names: Partial<Record<KindName, string[]>> = {};
    for (const { kind, glob } of entries) names[kind] = [...(names[kind] ?? []), glob];
    return names;
  });

export const StoreFlag = z.string({ message: 'is required' }).min(1, 'is required');

/** Accept runs whose manifest has no signature (written with --allow-unsigned); a wrong one never. */
const AllowUnsigned = z.boolean().default(false);

export const BackupFlags = z.object({
  bucket: StoreFlag,
  regions: z.union([z.literal('all'), csv(RegionName)]).optional(),
  include: csv(KindName).optional(),
  resume: RunId.optional(),
  names: kindGlobs.optional(),
  tables: csv(z.string().min(1)).optional(),
  buckets: csv(z.string().min(1)).optional(),
  streams: csv(z.string().min(1)).optional(),
  /** A policy of the policy file, passed inline to the run. */
  policy: z.string().min(1).optional(),
  policyFile: z.string().min(1).optional(),
  allowUnsigned: AllowUnsigned,
  maxBandwidth: Bandwidth.optional(),
  json: z.boolean().default(false),
});

export const RunFlags = z.object({
  bucket: StoreFlag,
  run: RunId,
  allowUnsigned: AllowUnsigned,
  json: z.boolean().default(false),
});

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE =
  /^(\d{1,6})\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)(\s+ago)?$/i;

/**
 * `--as-of`: a point in time, as ISO 8601 with a zone (`2026-11-25T14:00:00Z`, `…+01:00`), or how
 * long ago (`90m`, `36h`, `2d`, `1w`, also written `2 days ago`), or `now`. Undefined when it is neither.
 */
export function parsePointInTime(value: string, now = new Date()): Date | undefined {
  const text = value.trim();
  if (/^now$/i.test(text)) return now;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const unit = (relative[2] as string).toLowerCase();
    const ms = UNIT_MS[unit.startsWith('mi') || unit === 'm' ? 'm' : (unit[0] as string)] as number;
    return new Date(now.getTime() - Number(relative[1]) * ms);
  }
  return PointInTime.safeParse(text).success ? new Date(text) : undefined;
}

/** The `--as-of` flag, resolved to an absolute ISO time (what the state machines take). */
export const AsOfFlag = z.string().transform((value, context) => {
  const time = parsePointInTime(value);
  if (time) return time.toISOString();
  context.addIssue({
    code: 'custom',
    message: 'must be an ISO 8601 time with a zone (2026-11-25T14:00:00Z) or how long ago (90m, 36h, 2d, 1w)',
  });
  return z.NEVER;
});

/** `--run` or `--as-of`, not both (`--run` may also be optional: the drill's default is the latest run). */
const runOrAsOf =
  (required: boolean) => (flags: { run?: string; asOf?: string }, context: z.core.$RefinementCtx) => {
    if (flags.run !== undefined && flags.asOf !== undefined)
      context.addIssue({ code: 'custom', path: ['asOf'], message: '--as-of cannot be combined with --run' });
    else if (required && flags.run === undefined && flags.asOf === undefined)
      context.addIssue({ code: 'custom', path: ['run'], message: 'give --run RUN or --as-of TIME' });
  };

export const VerifyFlags = z
  .object({
    bucket: StoreFlag,
    run: RunId.optional(),
    asOf: AsOfFlag.optional(),
    deep: z.boolean().default(false),
    allowUnsigned: AllowUnsigned,
    maxBandwidth: Bandwidth.optional(),
    json: z.boolean().default(false),
  })
  .superRefine(runOrAsOf(true));
export const ListFlags = z.object({ bucket: StoreFlag, json: z.boolean().default(false) });
export const EmulatorFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
});

/** `old=new,…` pairs (role ARNs) into a record. */
const pairs = commaList
  .pipe(z.array(z.string().regex(/^arn:[^=]+=arn:[^=]+$/, 'must be old-role-arn=new-role-arn')).min(1))
  .transform((entries) => Object.fromEntries(entries.map((entry) => entry.split('=') as [string, string])));

export const RestoreFlags = z
  .object({
    bucket: StoreFlag,
    run: RunId.optional(),
    asOf: AsOfFlag.optional(),
    regions: csv(RegionName).optional(),
    targetRegion: RegionName.optional(),
    only: csv(Selector).optional(),
    nameSuffix: NameSuffix.optional(),
    roleMap: pairs.optional(),
    startingPosition: z.enum(['latest', 'recorded']).optional(),
    edge: z.boolean().default(false),
    fromRecoveryPoints: z.boolean().default(false),
    redeployStage: z.boolean().default(false),
    maxBandwidth: Bandwidth.optional(),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
    allowUnsigned: AllowUnsigned,
    json: z.boolean().default(false),
  })
  .superRefine(runOrAsOf(true));

export const DrillFlags = z
  .object({
    bucket: StoreFlag,
    run: RunId.optional(),
    asOf: AsOfFlag.optional(),
    regions: csv(RegionName).optional(),
    targetRegion: RegionName.optional(),
    allowUnsigned: AllowUnsigned,
    maxBandwidth: Bandwidth.optional(),
    json: z.boolean().default(false),
  })
  .superRefine(runOrAsOf(false));
