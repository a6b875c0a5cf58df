import { z } from 'zod';

/** What a Step Functions Catch puts at its ResultPath: the error name and its cause. */
export const Caught = z.object({ Error: z.string().optional(), Cause: z.string().optional() });
export type Caught = z.infer<typeof Caught>;

/**
 * The error a Catch describes. A Lambda failure's Cause is JSON with `errorMessage`; a service or
 * runtime error's Cause is plain text.
 */
export function caughtError(
  caught: Caught,
  maxLength = Number.POSITIVE_INFINITY,
): { name: string; message: string } {
  const cause = caught.Cause ?? '';
  let message = cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed?.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return { name: caught.Error ?? 'Error', message: message.slice(0, maxLength) };
}
