import { createHash } from 'node:crypto';
import {
  type AliasConfiguration,
  type FunctionConfiguration,
  LambdaClient,
  paginateListAliases,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { client, endpointUrl } from '../../aws/clients.js';
import { collect } from './capture.js';

/**
 * Cheap listings of functions, for change detection. ListFunctions with FunctionVersion ALL lists
 * every function's $LATEST and published versions in pages of 50, with the full configuration
 * (RevisionId, CodeSha256, LastModified, environment, memory, layers…): one listing per region tells
 * which functions changed. In AWS a function's RevisionId also changes when its resource policy
 * (the permissions triggers need) changes, and PublishVersion changes $LATEST's. Aliases have their
 * own RevisionId and are listed per function (ListAliases).
 */

/** Fields that change without anyone changing the function (it idles, an update settles). */
const SETTLING = new Set([
  'State',
  'StateReason',
  'StateReasonCode',
  'LastUpdateStatus',
  'LastUpdateStatusReason',
  'LastUpdateStatusReasonCode',
]);

/** JSON with object keys sorted, so equal content hashes equally. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

const hash = (value: unknown): string => createHash('sha256').update(canonical(value)).digest('hex');

/** Every listed configuration of the region ($LATEST and versions), by function name. */
async function listRegion(region: string): Promise<Map<string, FunctionConfiguration[]>> {
  const configurations = await collect(
    paginateListFunctions({ client: client(LambdaClient, region) }, { FunctionVersion: 'ALL' }),
    (page) => page.Functions,
  );
  const byName = new Map<string, FunctionConfiguration[]>();
  for (const configuration of configurations) {
    const name = configuration.FunctionName ?? '';
    byName.set(name, [...(byName.get(name) ?? []), configuration]);
  }
  return byName;
}

/**
 * The listing Discover's `discover` made, handed to its `fingerprints` right after (one listing per
 * Discover; never reused by a later run, whose fingerprints must be fresh).
 */
const handedOver = new Map<string, Promise<Map<string, FunctionConfiguration[]>>>();
const listingKey = (region: string) => `${region}|${endpointUrl() ?? ''}`;

/** Lists the region and keeps the listing for the `fingerprints` call that follows. */
export function regionFunctions(region: string): Promise<Map<string, FunctionConfiguration[]>> {
  const listing = listRegion(region);
  listing.catch(() => undefined);
  handedOver.set(listingKey(region), listing);
  return listing;
}

/** The listing `regionFunctions` just made for the region (taken, not kept), or a new one. */
export function takeRegionFunctions(region: string): Promise<Map<string, FunctionConfiguration[]>> {
  const listing = handedOver.get(listingKey(region));
  handedOver.delete(listingKey(region));
  return listing ?? listRegion(region);
}

/** The fingerprint of a function's listed configurations ($LATEST and every version), in any order. */
export function configurationFingerprint(configurations: FunctionConfiguration[]): string {
  const stable = configurations.map((configuration) =>
    Object.fromEntries(Object.entries(configuration).filter(([key]) => !SETTLING.has(key))),
  );
  return hash(stable.map(canonical).sort());
}

/** The fingerprint of a function's aliases (names, versions, routing, descriptions, revision ids). */
export function aliasesFingerprint(aliases: AliasConfiguration[]): string {
  return hash(aliases.map(canonical).sort());
}

/** A function's aliases, as ListAliases answers (one request for up to 50). */
export const listAliases = (region: string, name: string): Promise<AliasConfiguration[]> =>
  collect(
    paginateListAliases({ client: client(LambdaClient, region) }, { FunctionName: name }),
    (page) => page.Aliases,
  );
