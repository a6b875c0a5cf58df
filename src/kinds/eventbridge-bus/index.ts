import type { ResourceKind } from '../types.js';
import { backupBus } from './backup.js';
import { discoverBuses, tagsOfBus, wiredBuses } from './discover.js';
import { restoreBus } from './restore.js';
import { eventBridgeBusStack } from './stack.js';
import { teardownBus } from './teardown.js';

/**
 * Custom EventBridge buses whose rules invoke the functions: description, encryption, dead-letter
 * queue, policy, tags and archives (backup.ts, restore.ts; stored format in format.ts). Restored
 * before the rules (triggers) that live on them.
 */
export const eventBridgeBus: ResourceKind = {
  stack: eventBridgeBusStack,
  kind: 'eventbridge-bus',
  nameKind: 'eventbridge-bus',
  restoreTier: 'buses',
  // event-bus/NAME and rule/BUS/NAME ARNs are mapped by the mapper's own EventBridge case.
  discover: (region, { patterns }) => discoverBuses(region, patterns),
  wiredTo: wiredBuses,
  backup: backupBus,
  restore: restoreBus,
  tags: tagsOfBus,
  teardown: (region, name) => teardownBus(region, name),
};

export default eventBridgeBus;
