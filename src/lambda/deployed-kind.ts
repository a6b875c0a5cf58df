import type { Context } from 'aws-lambda';
import { KindName, parseOrThrow } from '../../schemas/common.js';

export type KindTaskHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * A per-kind Lambda (`backup-<kind>`, `restore-<kind>`: one function and one least-privilege role
 * per kind, from one entry module) serves the kind its deployment names in TRIGGERVAULT_KIND. The
 * kind is read on the first invocation, so that loading the module needs no environment.
 */
export function deployedKindHandler(handlerFor: (kind: KindName) => KindTaskHandler): KindTaskHandler {
  let bound: KindTaskHandler | undefined;
  return (event, context) => {
    bound ??= handlerFor(parseOrThrow(KindName, process.env.TRIGGERVAULT_KIND, 'TRIGGERVAULT_KIND'));
    return bound(event, context);
  };
}
