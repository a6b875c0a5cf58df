import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { parseOrThrow } from '../../schemas/common.js';
import { classifyError } from '../aws/errors.js';
import { logger } from '../log.js';
import { runContextLogging } from './run-context.js';

/** Rejects a malformed state payload with a message naming the field (InputValidationError). */
export const zodInput = <S extends z.ZodType>(schema: S, what: string): MiddlewareObj<unknown> => ({
  before: (request) => {
    request.event = parseOrThrow(schema, request.event, what);
  },
});

/** Names transient AWS failures TransientAwsError, the one name the state machine's Retry lists. */
export const classifyErrors = (): MiddlewareObj<unknown> => ({
  onError: (request) => {
    request.error = classifyError(request.error);
    logger.error('task failed', { error: request.error });
  },
});

export interface TaskContext {
  /** Milliseconds left before Lambda stops the invocation. */
  remainingMs: number;
}

/**
 * A thin Lambda task: parse the payload with zod, call domain code, return its small result.
 * Locally the same handler runs in-process, called with a minimal context.
 */
export function taskHandler<S extends z.ZodType, R>(
  schema: S,
  what: string,
  act: (input: z.infer<S>, context: TaskContext) => Promise<R>,
) {
  return middy<unknown, R, Error, Context>()
    .use(runContextLogging())
    .use(zodInput(schema, what))
    .use(classifyErrors())
    .handler((event, context) =>
      act(event as z.infer<S>, { remainingMs: context?.getRemainingTimeInMillis?.() ?? 15 * 60_000 }),
    );
}
