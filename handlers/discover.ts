import { z } from 'zod';
import { KindName, RegionName, RunId } from '../schemas/common.js';
import { discoverRegion } from '../src/backup/discover.js';
import { taskHandler } from '../src/lambda/task-handler.js';

const DiscoverInput = z.object({
  runId: RunId,
  store: z.string(),
  region: RegionName,
  include: z.array(KindName),
  tables: z.array(z.string()),
  buckets: z.array(z.string()),
  streams: z.array(z.string()),
  mode: z.enum(['full', 'redrive']).default('full'),
  maxBandwidth: z.number().positive().nullable().default(null),
});

/** Discover: the work items of one region. */
export const handler = taskHandler(DiscoverInput, 'discover input', async (input) => ({
  region: input.region,
  items: await discoverRegion(input),
}));
