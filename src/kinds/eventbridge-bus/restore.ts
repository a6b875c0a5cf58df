import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  PutPermissionCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateArchiveCommand,
  UpdateEventBusCommand,
} from '@aws-sdk/client-eventbridge';
import type { ItemResult } from '../../../schemas/work-item.js';
import { client } from '../../aws/clients.js';
import type { RestoreContext, RestoreResult } from '../../reconcile/context.js';
import { reconcile } from '../../reconcile/diff.js';
import { accountId } from '../shared/account.js';
import { readDocument, regionalKey, tagChanges } from '../shared/document.js';
import { readBus } from './buses.js';
import { BusConfig, type StoredArchive } from './format.js';

/**
 * Restores a custom event bus from config.json: a missing bus is created with its description,
 * encryption, dead-letter queue and tags, then given its resource policy and its archives (their
 * settings: archived events are not copied). An existing bus is compared and changed only with force.
 * Its rules come back as the functions' eventbridge-rule triggers, after it.
 */

/** Archive names are unique per region and at most 48 characters. */
const MAX_ARCHIVE_NAME = 48;

interface BusShape {
  Description: string;
  KmsKeyIdentifier: string | null;
  DeadLetterArn: string | null;
  Policy: Record<string, unknown> | null;
  Tags: Record<string, string>;
  Archives: Record<string, Omit<StoredArchive, 'name'>>;
}

const shapeOf = (bus: BusConfig, archiveName: (name: string) => string): BusShape => ({
  Description: bus.description ?? '',
  KmsKeyIdentifier: bus.kmsKeyIdentifier ?? null,
  DeadLetterArn: bus.deadLetterArn ?? null,
  Policy: bus.policy,
  Tags: bus.tags,
  Archives: Object.fromEntries(bus.archives.map(({ name, ...archive }) => [archiveName(name), archive])),
});

export async function restoreBus(item: ItemResult, context: RestoreContext): Promise<RestoreResult> {
  const config = await readDocument(context.store, item, BusConfig);
  const name = context.mapper.mapName('eventbridge-bus', config.name);
  const suffix = name.slice(config.name.length);
  const events = client(EventBridgeClient, context.targetRegion);
  const arn = `arn:aws:events:${context.targetRegion}:${await accountId(context.targetRegion)}:event-bus/${name}`;
  const notes: string[] = [];
  const archives = config.archives.filter((archive) => {
    if (`${archive.name}${suffix}`.length <= MAX_ARCHIVE_NAME) return true;
    notes.push(
      `archive ${archive.name}: its scratch name would exceed ${MAX_ARCHIVE_NAME} characters, not restored`,
    );
    return false;
  });
  const mapped = context.mapper.mapDeep({ ...config, archives });
  const desired = shapeOf(
    {
      ...mapped,
      kmsKeyIdentifier: regionalKey(config.kmsKeyIdentifier, 'events', context, notes),
    },
    (archive) => `${archive}${suffix}`,
  );
  // An AWS owned key is the default: no identifier. A managed alias is not a customer key either.
  if (desired.KmsKeyIdentifier?.startsWith('alias/aws/')) desired.KmsKeyIdentifier = null;
  const live = await readBus(events, context.targetRegion, name);
  const current = live && shapeOf(live, (archive) => archive);
  const putPolicy = async () => {
    if (desired.Policy)
      await events.send(
        new PutPermissionCommand({ EventBusName: name, Policy: JSON.stringify(desired.Policy) }),
      );
    else if (current?.Policy)
      await events.send(new RemovePermissionCommand({ EventBusName: name, RemoveAllPermissions: true }));
  };
  const putArchives = async (existing: Set<string>) => {
    for (const [ArchiveName, archive] of Object.entries(desired.Archives)) {
      const input = {
        ArchiveName,
        Description: archive.description,
        EventPattern: archive.eventPattern,
        RetentionDays: archive.retentionDays,
      };
      if (!existing.has(ArchiveName))
        await events.send(new CreateArchiveCommand({ ...input, EventSourceArn: arn }));
      else if (JSON.stringify(current?.Archives[ArchiveName]) !== JSON.stringify(archive))
        await events.send(new UpdateArchiveCommand(input));
    }
  };
  const change = await reconcile(context, {
    resource: `event bus ${name}`,
    current,
    desired,
    create: async () => {
      const tags = Object.entries(desired.Tags).map(([Key, Value]) => ({ Key, Value }));
      await events.send(
        new CreateEventBusCommand({
          Name: name,
          Description: desired.Description || undefined,
          KmsKeyIdentifier: desired.KmsKeyIdentifier ?? undefined,
          DeadLetterConfig: desired.DeadLetterArn ? { Arn: desired.DeadLetterArn } : undefined,
          Tags: tags.length ? tags : undefined,
        }),
      );
      await putPolicy();
      await putArchives(new Set());
    },
    update: async (fields) => {
      const changed = new Set(fields.map((field) => field.field.split('.')[0]));
      if (changed.has('Description') || changed.has('KmsKeyIdentifier') || changed.has('DeadLetterArn'))
        await events.send(
          new UpdateEventBusCommand({
            Name: name,
            Description: desired.Description,
            KmsKeyIdentifier: desired.KmsKeyIdentifier ?? undefined,
            DeadLetterConfig: desired.DeadLetterArn ? { Arn: desired.DeadLetterArn } : undefined,
          }),
        );
      if (changed.has('Policy')) await putPolicy();
      if (changed.has('Tags')) {
        const tags = tagChanges(current?.Tags ?? {}, desired.Tags);
        if (tags.remove.length)
          await events.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: tags.remove }));
        const set = Object.entries(tags.set).map(([Key, Value]) => ({ Key, Value }));
        if (set.length) await events.send(new TagResourceCommand({ ResourceARN: arn, Tags: set }));
      }
      if (changed.has('Archives')) await putArchives(new Set(Object.keys(current?.Archives ?? {})));
    },
  });
  return { changes: [change], notes, details: { bus: name } };
}
