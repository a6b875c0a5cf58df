import type { KindName } from '../../schemas/common.js';
import { lambdaFunctionKind } from './lambda-function.js';
import type { ResourceKind } from './types.js';

/** Every resource kind, by name. Adding a kind is one module and one line here. */
export const KINDS: Partial<Record<KindName, ResourceKind>> = {
  'lambda-function': lambdaFunctionKind,
};

export function kindModule(kind: KindName): ResourceKind {
  const module = KINDS[kind];
  if (!module) throw new Error(`resource kind ${kind} is not available`);
  return module;
}
