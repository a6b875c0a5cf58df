import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { readInterval, readShard } from '../../src/kinds/kinesis-stream/backup-shard.js';
import { StepBudget } from '../../src/kinds/shared/pacing.js';

// GetRecords pacing per shard (AWS: 5 calls and 2 MB per second), against aws-sdk-client-mock:
// neither moto nor kinesalite enforces it.

const record = (n: number, bytes: number) => ({
  SequenceNumber: String(n),
  PartitionKey: `k${n}`,
  Data: new Uint8Array(bytes),
  ApproximateArrivalTimestamp: new Date(Date.now() - 60_000),
});

describe('kinesis-stream read pacing', () => {
  it('waits 200 ms between calls, longer after a call that returned more than 400 KB', () => {
    expect([0, 400_000, 1_000_000, 10_000_000].map(readInterval)).toEqual([200, 200, 500, 5000]);
  });

  it('spaces a shard’s calls by the data the previous call returned', async () => {
    // Prepare: 1 MB, then 10 KB, then caught up.
    const kinesis = mockClient(KinesisClient);
    const calls: number[] = [];
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'iterator-0' });
    kinesis.on(GetRecordsCommand).callsFake(() => {
      calls.push(Date.now());
      const responses = [
        {
          Records: [record(1, 500_000), record(2, 500_000)],
          NextShardIterator: 'iterator-1',
          MillisBehindLatest: 1,
        },
        { Records: [record(3, 10_000)], NextShardIterator: 'iterator-2', MillisBehindLatest: 0 },
        { Records: [], NextShardIterator: 'iterator-3', MillisBehindLatest: 0 },
      ];
      return responses[calls.length - 1];
    });
    const state = { done: false } as { done: boolean; seq?: string };
    const reader = {
      kinesis: new KinesisClient({ region: 'us-west-2' }),
      stream: 'paced',
      budget: new StepBudget(Date.now() + 60_000),
      started: Date.now(),
    };
    // Act
    const read: string[] = [];
    for await (const line of readShard(reader, 'shardId-000000000000', state)) read.push(line.sequenceNumber);
    // Assess
    expect(read).toEqual(['1', '2', '3']);
    expect(calls).toHaveLength(3);
    // 1,000,000 bytes at 2 MB/s: 500 ms; 10,000 bytes: the 200 ms floor (5 calls per second). Timers may run late, never early.
    expect((calls[1] as number) - (calls[0] as number)).toBeGreaterThanOrEqual(495);
    expect((calls[2] as number) - (calls[1] as number)).toBeGreaterThanOrEqual(195);
    expect((calls[2] as number) - (calls[1] as number)).toBeLessThan(495);
    expect(state).toMatchObject({ done: true, seq: '3' });
    kinesis.restore();
  });
});
