import { z } from 'zod';
import { taskHandler } from '../src/lambda/task-handler.js';
import { planRestore } from '../src/restore/plan.js';

/** Restore Plan: validates the input, reads the run's manifest, stores the plan; returns references. */
export const handler = taskHandler(z.unknown(), 'restore input', (input) => planRestore(input));
