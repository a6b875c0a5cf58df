import { KinesisClient } from '@aws-sdk/client-kinesis';
import { client } from '../../aws/clients.js';
import { selectNames } from '../../glob.js';
import type { ArnNamePattern } from '../../reconcile/arn-map.js';
import type { Wiring } from '../types.js';
import { listStreamNames, listTags, tagRecord } from './streams.js';

/** Which streams a run selects: by name pattern, by the functions wired to them, or by their tags. */

/** `arn:…:kinesis:REGION:ACCOUNT:stream/NAME[/consumer/…]`: a restore with a suffix renames NAME. */
export const streamArnNames: readonly ArnNamePattern[] = [
  { nameKind: 'kinesis-stream', service: 'kinesis', resource: /^stream(?:[:/]|$)([^:/]*)/ },
];

/** The streams of `region` whose names match one of `patterns`. */
export async function discoverStreams(region: string, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  return selectNames(await listStreamNames(client(KinesisClient, region)), patterns);
}

/** The streams of the region that its event-source mappings read. */
export async function wiredStreams(wiring: Wiring): Promise<string[]> {
  const streams = new Set<string>();
  for (const source of await wiring.mappingSources()) {
    const [, , service, sourceRegion, , resource = ''] = source.split(':');
    if (sourceRegion !== wiring.region) continue;
    // A mapping on an enhanced fan-out consumer reads stream/NAME/consumer/CONSUMER.
    if (service === 'kinesis') streams.add(resource.replace(/^stream\//, '').split('/')[0] ?? '');
  }
  streams.delete('');
  return [...streams];
}

/** A stream's tags (policies select by tags). */
export async function streamTags(region: string, name: string): Promise<Record<string, string>> {
  return tagRecord(await listTags(client(KinesisClient, region), name));
}
