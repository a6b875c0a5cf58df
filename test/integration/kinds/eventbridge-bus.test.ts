import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListArchivesCommand,
  ListTagsForResourceCommand,
  PutPermissionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { client } from '../../../src/aws/clients.js';
import { eventBridgeBus } from '../../../src/kinds/eventbridge-bus/index.js';
import { ACCOUNT_ID, unique } from '../../helpers/aws.js';
import { runIdAt, suiteFileStore } from '../../helpers/kinds.js';
import { HOME_REGION } from '../../helpers/region-claims.js';
import { backUp, expectSameFields, restoreContext, restoreWith } from '../../helpers/source-kinds.js';

// Named buses and archives only (never a listing of the whole region): the shared home region is enough.
const REGION = HOME_REGION;
const events = client(EventBridgeClient, REGION);
const suite = suiteFileStore();
const busArn = (name: string) => `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/${name}`;

/** A bus as a restore must reproduce it, read with plain EventBridge calls. */
async function pictureOf(name: string): Promise<Record<string, unknown>> {
  const bus = await events.send(new DescribeEventBusCommand({ Name: name }));
  const tags = (await events.send(new ListTagsForResourceCommand({ ResourceARN: busArn(name) }))).Tags ?? [];
  const listed =
    (await events.send(new ListArchivesCommand({ EventSourceArn: busArn(name) }))).Archives ?? [];
  const archives = [];
  for (const archive of listed) {
    const found = await events.send(new DescribeArchiveCommand({ ArchiveName: archive.ArchiveName }));
    archives.push({
      name: found.ArchiveName,
      pattern: found.EventPattern,
      retention: found.RetentionDays,
      description: found.Description,
    });
  }
  return {
    description: bus.Description,
    policy: bus.Policy && JSON.parse(bus.Policy),
    tags: [...tags].sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? '')),
    archives,
  };
}

describe('eventbridge-bus', () => {
  const name = unique('tv-orders-bus');
  const archive = unique('tv-orders-archive');
  const runId = runIdAt();
  let original: Record<string, unknown>;
  let item: Awaited<ReturnType<typeof backUp>>;

  beforeAll(async () => {
    // Prepare: a custom bus with a description, tags, a resource policy and an archive of its events.
    await events.send(
      new CreateEventBusCommand({
        Name: name,
        Description: 'order events',
        Tags: [
          { Key: 'app', Value: 'orders' },
          { Key: 'team', Value: 'platform' },
        ],
      }),
    );
    await events.send(
      new PutPermissionCommand({
        EventBusName: name,
        StatementId: 'partner',
        Action: 'events:PutEvents',
        Principal: '210987654321',
      }),
    );
    await events.send(
      new CreateArchiveCommand({
        ArchiveName: archive,
        EventSourceArn: busArn(name),
        Description: 'every order event',
        EventPattern: JSON.stringify({ source: ['orders'] }),
        RetentionDays: 30,
      }),
    );
    original = await pictureOf(name);
    item = await backUp(eventBridgeBus, suite.store, REGION, name, runId);
  });

  it('comes back from nothing with its description, policy, tags and archive', async () => {
    // Prepare
    await events.send(new DeleteArchiveCommand({ ArchiveName: archive }));
    await events.send(new DeleteEventBusCommand({ Name: name }));
    // Act
    const result = await restoreWith(
      eventBridgeBus,
      item,
      restoreContext({ store: suite.store, runId, region: REGION }),
    );
    // Assess
    expect(result.action).toBe('create');
    expectSameFields(original, await pictureOf(name));
    expect(original.archives).toHaveLength(1);
    expect(JSON.stringify(original.policy)).toContain('210987654321');
  });

  it('compares first: an extra tag differs, --force removes it, then unchanged', async () => {
    // Prepare
    const base = { store: suite.store, runId, region: REGION };
    await events.send(
      new TagResourceCommand({ ResourceARN: busArn(name), Tags: [{ Key: 'extra', Value: 'x' }] }),
    );
    // Act
    const refused = await restoreWith(eventBridgeBus, item, restoreContext(base));
    const forced = await restoreWith(eventBridgeBus, item, restoreContext({ ...base, force: true }));
    const again = await restoreWith(eventBridgeBus, item, restoreContext(base));
    // Assess
    expect(refused.action).toBe('differs');
    expect(refused.changes[0]?.fields).toEqual([{ field: 'Tags.extra', current: 'x', desired: undefined }]);
    expect(forced.action).toBe('update');
    expect(again.action).toBe('unchanged');
    expectSameFields(original, await pictureOf(name));
  });

  it('restores a scratch copy (drill) with its own archive, and tears both down', async () => {
    // Prepare
    const suffix = '-drill-facade';
    const context = restoreContext({
      store: suite.store,
      runId,
      region: REGION,
      suffix,
      restored: { 'eventbridge-bus': [name] },
    });
    // Act
    const result = await restoreWith(eventBridgeBus, item, context);
    const copy = await pictureOf(`${name}${suffix}`);
    const deletions = await eventBridgeBus.teardown?.(REGION, `${name}${suffix}`, { source: name });
    const removed = [await deletions?.[0]?.remove(), await deletions?.[0]?.remove()];
    // Assess
    expect(result.action).toBe('create');
    expect(copy.archives).toEqual([{ ...(original.archives as object[])[0], name: `${archive}${suffix}` }]);
    expect(JSON.stringify(copy.policy)).toContain(`event-bus/${name}${suffix}`);
    expect(removed).toEqual([true, false]);
  });
});
