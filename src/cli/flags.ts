import { z } from 'zod';
import { KindName, RegionName, RunId } from '../../schemas/common.js';

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

export const StoreFlag = z.string({ message: 'is required' }).min(1, 'is required');

export const BackupFlags = z.object({
  bucket: StoreFlag,
  regions: z.union([z.literal('all'), csv(RegionName)]).optional(),
  include: csv(KindName).optional(),
  resume: RunId.optional(),
  tables: csv(z.string().min(1)).optional(),
  buckets: csv(z.string().min(1)).optional(),
  streams: csv(z.string().min(1)).optional(),
  json: z.boolean().default(false),
});

export const RunFlags = z.object({ bucket: StoreFlag, run: RunId, json: z.boolean().default(false) });
export const ListFlags = z.object({ bucket: StoreFlag, json: z.boolean().default(false) });
export const EmulatorFlags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
});
