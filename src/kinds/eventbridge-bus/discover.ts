import { EventBridgeClient, ListTagsForResourceCommand } from '@aws-sdk/client-eventbridge';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import { accountId } from '../shared/account.js';
import { tagRecord } from '../shared/document.js';
import type { Wiring } from '../types.js';
import { listBusNames } from './buses.js';
import { isCustomBus } from './format.js';

/**
 * Which custom buses a run backs up: those its name globs select, and those whose rules invoke the
 * region's functions (a rule's ARN names its bus: `rule/BUS/NAME`; the default bus is everywhere).
 */

export async function discoverBuses(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return selectNames((await listBusNames(client(EventBridgeClient, region))).filter(isCustomBus), patterns);
}

export async function wiredBuses(wiring: Wiring): Promise<string[]> {
  const buses = (await wiring.invokerSources()).flatMap((arn) => {
    const [, , service, region, , resource = ''] = arn.split(':');
    const parts = resource.split('/');
    return service === 'events' && region === wiring.region && parts[0] === 'rule' && parts.length === 3
      ? [parts[1] as string]
      : [];
  });
  return [...new Set(buses)].filter(isCustomBus);
}

export async function tagsOfBus(region: string, name: string): Promise<Record<string, string>> {
  const ResourceARN = `arn:aws:events:${region}:${await accountId(region)}:event-bus/${name}`;
  return tagRecord(
    (await client(EventBridgeClient, region).send(new ListTagsForResourceCommand({ ResourceARN }))).Tags,
  );
}
