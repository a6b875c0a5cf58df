import { z } from 'zod';
import { KindName, RegionName, RunId } from '../schemas/common.js';
import { KindNames } from '../schemas/run-input.js';
import { discoverRegion } from '../src/backup/discover.js';
import { taskHandler } from '../src/lambda/task-handler.js';

const DiscoverInput = z.object({
  runId: RunId,
  store: z.string(),
  region: RegionName,
  include: z.array(KindName),
  names: KindNames,
  mode: z.enum(['full', 'redrive']).default('full'),
  maxBandwidth: z.number().positive().nullable().default(null),
});

/** Discover: the work items of one region, saved in the store; answers their count and where they are. */
export const handler = taskHandler(DiscoverInput, 'discover input', discoverRegion);
