import type { ObservedExchange } from '../../src/local/proxy.js';

/**
 * Checks Kinesis read pacing from outside the tool: the latency proxy hands over every Kinesis
 * exchange; GetShardIterator (ShardId → iterator) and GetRecords (iterator → next iterator) chain
 * each read to its shard. Per shard: the most GetRecords calls in any 1-second window (AWS allows 5)
 * and the highest data rate, each call's record bytes over the time to the shard's next call (AWS
 * allows 2 MB/s; a call may return more, the next calls must then wait).
 */

interface Read {
  at: number;
  bytes: number;
}

export interface PacingReport {
  shards: number;
  calls: number;
  /** Most GetRecords calls of one shard within any 1,000 ms. */
  peakCallsPerSecond: number;
  /** Highest bytes / gap to the next call of the same shard, in MB/s (0 when no shard had two calls). */
  peakMBPerSecond: number;
  /** Consecutive call pairs the data rate was measured on. */
  pairs: number;
  /** Reads that could not be attributed to a shard (an iterator the proxy never saw issued). */
  unattributed: number;
}

const json = (bytes: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export class PacingRecorder {
  private exchanges: ObservedExchange[] = [];

  /** For the proxy's `observe` option. */
  readonly observe = {
    services: ['kinesis'],
    exchange: (observed: ObservedExchange) => {
      if (observed.operation === 'GetShardIterator' || observed.operation === 'GetRecords')
        this.exchanges.push(observed);
    },
  };

  reset(): void {
    this.exchanges = [];
  }

  report(): PacingReport {
    const shardOf = new Map<string, string>();
    const reads = new Map<string, Read[]>();
    let unattributed = 0;
    // Answers complete in order of the requests' arrival for one shard (a shard's calls never overlap).
    for (const exchange of [...this.exchanges].sort((a, b) => a.received - b.received)) {
      if (exchange.status >= 300) continue;
      const request = json(exchange.request);
      const response = json(exchange.response);
      if (exchange.operation === 'GetShardIterator') {
        if (typeof response.ShardIterator === 'string' && typeof request.ShardId === 'string')
          shardOf.set(
            response.ShardIterator,
            `${request.StreamName ?? request.StreamARN}/${request.ShardId}`,
          );
        continue;
      }
      const shard = shardOf.get(String(request.ShardIterator));
      if (!shard) {
        unattributed += 1;
        continue;
      }
      if (typeof response.NextShardIterator === 'string') shardOf.set(response.NextShardIterator, shard);
      const records = (response.Records ?? []) as { Data?: string }[];
      const bytes = records.reduce((sum, record) => sum + Buffer.byteLength(record.Data ?? '', 'base64'), 0);
      reads.set(shard, [...(reads.get(shard) ?? []), { at: exchange.received, bytes }]);
    }
    let peakCalls = 0;
    let peakRate = 0;
    let pairs = 0;
    for (const list of reads.values()) {
      for (let start = 0, end = 0; end < list.length; end += 1) {
        while ((list[end] as Read).at - (list[start] as Read).at >= 1000) start += 1;
        peakCalls = Math.max(peakCalls, end - start + 1);
      }
      for (let index = 0; index + 1 < list.length; index += 1) {
        const gapMs = Math.max(1, (list[index + 1] as Read).at - (list[index] as Read).at);
        peakRate = Math.max(peakRate, (list[index] as Read).bytes / 1e6 / (gapMs / 1000));
        pairs += 1;
      }
    }
    return {
      shards: reads.size,
      calls: [...reads.values()].reduce((sum, list) => sum + list.length, 0),
      peakCallsPerSecond: peakCalls,
      peakMBPerSecond: Math.round(peakRate * 1000) / 1000,
      pairs,
      unattributed,
    };
  }
}
