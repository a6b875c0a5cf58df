import { z } from 'zod';
import { planRun } from '../src/backup/plan.js';
import { taskHandler } from '../src/lambda/task-handler.js';

/** Plan: validates the run input (`{}` works) and resolves regions, kinds and the run id. */
export const handler = taskHandler(z.unknown(), 'run input', (input) => planRun(input));
