import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  type EventBridgeClient,
  ListArchivesCommand,
  ListEventBusesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { ifExists } from '../../aws/errors.js';
import { paginate } from '../../aws/paginate.js';
import { parsedPolicy, tagRecord } from '../shared/document.js';
import type { BusConfig, StoredArchive } from './format.js';

/** EventBridge reads shared by discovery, backup, restore and teardown. */

export async function listBusNames(events: EventBridgeClient): Promise<string[]> {
  return paginate(async (NextToken) => {
    const page = await events.send(new ListEventBusesCommand({ NextToken }));
    return { items: page.EventBuses?.map((bus) => bus.Name as string), next: page.NextToken };
  });
}

export async function archivesOf(
  events: EventBridgeClient,
  EventSourceArn: string,
): Promise<StoredArchive[]> {
  const names = await paginate(async (NextToken) => {
    const page = await events.send(new ListArchivesCommand({ EventSourceArn, NextToken }));
    return { items: page.Archives?.map((archive) => archive.ArchiveName as string), next: page.NextToken };
  });
  const archives: StoredArchive[] = [];
  for (const ArchiveName of names.sort()) {
    const archive = await events.send(new DescribeArchiveCommand({ ArchiveName }));
    archives.push({
      name: ArchiveName,
      ...(archive.Description ? { description: archive.Description } : {}),
      ...(archive.EventPattern ? { eventPattern: archive.EventPattern } : {}),
      ...(archive.RetentionDays !== undefined ? { retentionDays: archive.RetentionDays } : {}),
    });
  }
  return archives;
}

/** The bus as config.json records it, or undefined when there is none. */
export async function readBus(
  events: EventBridgeClient,
  region: string,
  Name: string,
): Promise<BusConfig | undefined> {
  const bus = await ifExists(() => events.send(new DescribeEventBusCommand({ Name })));
  if (!bus?.Arn) return undefined;
  const [tags, archives] = await Promise.all([
    events
      .send(new ListTagsForResourceCommand({ ResourceARN: bus.Arn }))
      .then((answer) => tagRecord(answer.Tags)),
    archivesOf(events, bus.Arn),
  ]);
  return {
    format: 1,
    region,
    name: Name,
    arn: bus.Arn,
    ...(bus.Description ? { description: bus.Description } : {}),
    ...(bus.KmsKeyIdentifier ? { kmsKeyIdentifier: bus.KmsKeyIdentifier } : {}),
    ...(bus.DeadLetterConfig?.Arn ? { deadLetterArn: bus.DeadLetterConfig.Arn } : {}),
    policy: parsedPolicy(bus.Policy),
    tags,
    archives,
  };
}
