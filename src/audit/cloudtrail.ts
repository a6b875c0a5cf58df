import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { AuditEvent, ChangeReport, FunctionChange } from '../../schemas/audit.js';
import { client } from '../aws/clients.js';
import { logger } from '../log.js';

/**
 * Who changed a function, and when: CloudTrail `LookupEvents` on the function's name within the
 * window between two runs. Where CloudTrail answers with an error (not enabled, no permission, or
 * the emulator, whose LookupEvents answers 500) the region is marked unavailable and the run goes on
 * without it. LookupEvents allows 2 requests per second per region: lookups are sequential and
 * capped. Tested with aws-sdk-client-mock (test/unit/cloudtrail.test.ts), since moto answers 500.
 */

const LAMBDA_SOURCE = 'lambda.amazonaws.com';
const MAX_EVENTS_PER_FUNCTION = 10;

export interface AuditOptions {
  start: Date;
  end: Date;
  /** At most this many functions are looked up (the rest keep their changes without `who`). */
  maxLookups?: number;
  /** Epoch ms after which no further lookups start. */
  deadline?: number;
}

function principalOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const event = JSON.parse(raw) as { userIdentity?: { arn?: string } };
    return event.userIdentity?.arn;
  } catch {
    return undefined;
  }
}

async function lookup(region: string, name: string, options: AuditOptions): Promise<AuditEvent[]> {
  const response = await client(CloudTrailClient, region).send(
    new LookupEventsCommand({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: name }],
      StartTime: options.start,
      EndTime: options.end,
      MaxResults: 50,
    }),
  );
  return (response.Events ?? [])
    .filter((event) => event.EventSource === LAMBDA_SOURCE)
    .slice(0, MAX_EVENTS_PER_FUNCTION)
    .map((event) => ({
      time: (event.EventTime ?? new Date(0)).toISOString(),
      event: event.EventName ?? 'unknown',
      user: event.Username,
      source: principalOf(event.CloudTrailEvent),
    }));
}

/** Adds `who` to each change CloudTrail can explain; says whether CloudTrail was available. */
export async function attachWho(
  changes: FunctionChange[],
  options: AuditOptions,
): Promise<NonNullable<ChangeReport['cloudTrail']>> {
  if (/^(0|false|off|no)$/i.test(process.env.TRIGGERVAULT_CLOUDTRAIL ?? ''))
    return { available: false, reason: 'disabled (TRIGGERVAULT_CLOUDTRAIL=off)' };
  if (changes.length === 0) return { available: true, regions: [] };
  const unavailable = new Map<string, string>();
  const answered = new Set<string>();
  let lookups = 0;
  for (const change of changes) {
    if (unavailable.has(change.region)) continue;
    if (
      lookups >= (options.maxLookups ?? 100) ||
      Date.now() >= (options.deadline ?? Number.POSITIVE_INFINITY)
    )
      break;
    lookups += 1;
    try {
      change.who = await lookup(change.region, change.name, options);
      answered.add(change.region);
    } catch (error) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300);
      logger.warn('CloudTrail lookup unavailable', { region: change.region, reason });
      unavailable.set(change.region, reason);
    }
  }
  if (answered.size === 0 && unavailable.size > 0)
    return {
      available: false,
      reason: [...unavailable].map(([region, why]) => `${region}: ${why}`).join('; '),
    };
  return {
    available: true,
    regions: [...answered].sort(),
    reason: unavailable.size
      ? `unavailable in ${[...unavailable].map(([region, why]) => `${region} (${why})`).join(', ')}`
      : undefined,
  };
}
