import { DeleteArchiveCommand, DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { client } from '../../aws/clients.js';
import type { Deletion } from '../types.js';
import { readBus } from './buses.js';

/** Drill cleanup of a scratch bus: its archives, then the bus (its rules went with the drill's triggers). */
export async function teardownBus(region: string, name: string): Promise<Deletion[]> {
  return [
    {
      resource: `event bus ${name}`,
      remove: async () => {
        const events = client(EventBridgeClient, region);
        const bus = await readBus(events, region, name);
        if (!bus) return false;
        for (const archive of bus.archives)
          await events.send(new DeleteArchiveCommand({ ArchiveName: archive.name }));
        await events.send(new DeleteEventBusCommand({ Name: name }));
        return true;
      },
    },
  ];
}
