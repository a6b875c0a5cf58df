import { deployedKindHandler } from '../src/lambda/deployed-kind.js';
import { restoreItemHandler } from '../src/lambda/restore-item-handler.js';

/** restore-<kind>: restores one resource of the kind this function serves (compare first; long restores loop). */
export const handlerFor = restoreItemHandler;
export const handler = deployedKindHandler(handlerFor);
