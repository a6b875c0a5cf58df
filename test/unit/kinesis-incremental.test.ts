import { describe, expect, it } from '@jest/globals';
import type { Artifact } from '../../schemas/work-item.js';
import {
  EXPIRY_MARGIN_MS,
  type PreviousBackup,
  planShards,
} from '../../src/kinds/kinesis-stream/incremental.js';
import type { PartStats } from '../../src/kinds/kinesis-stream/positions.js';

// The decisions of an incremental stream backup, on a fixed clock: Kinesis retention cannot be made
// to pass on the emulator (moto never trims records), so expiry is checked here.
const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const hoursAgo = (hours: number) => new Date(NOW - hours * HOUR).toISOString();

const SHARD_A = 'shardId-000000000000';
const SHARD_B = 'shardId-000000000001';

function part(shardId: string, chunk: number, firstHoursAgo: number, lastHoursAgo: number): PartStats {
  return {
    path: `blobs/parts/r/kinesis-stream/s/20261130T000000Z-aaaaaa/records/c${String(chunk).padStart(5, '0')}-${shardId}.ndjson.gz`,
    shardId,
    chunk,
    records: 10,
    firstSeq: `${chunk}00`,
    lastSeq: `${chunk}99`,
    firstArrival: hoursAgo(firstHoursAgo),
    lastArrival: hoursAgo(lastHoursAgo),
  };
}

const artifactOf = (stats: PartStats): Artifact => ({
  role: 'records',
  path: stats.path,
  sha256: 'a'.repeat(64),
  bytes: 100,
  counts: { records: stats.records },
});

function previous(parts: PartStats[], shards = [SHARD_A, SHARD_B], extra: Artifact[] = []): PreviousBackup {
  return { runId: 'earlier', shards, parts, artifacts: [...parts.map(artifactOf), ...extra] };
}

describe('planShards', () => {
  it('continues every shard after its last stored record and carries every part within retention', () => {
    // Prepare
    const parts = [part(SHARD_A, 1, 30, 20), part(SHARD_A, 3, 20, 2), part(SHARD_B, 2, 10, 1)];
    // Act
    const plan = planShards(previous(parts), [SHARD_A, SHARD_B], 48, NOW);
    // Assess
    expect(plan.starts).toEqual({ [SHARD_A]: { seq: '399' }, [SHARD_B]: { seq: '299' } });
    expect(plan.chunk).toBe(3);
    expect(plan.carried.map((carried) => carried.path)).toEqual(parts.map((carried) => carried.path));
    expect(plan.summary).toMatchObject({
      from: 'earlier',
      continued: 2,
      fromTrimHorizon: {},
      carriedParts: 3,
      carriedRecords: 30,
      droppedParts: 0,
    });
  });

  it('reads a shard whose position expired from TRIM_HORIZON, says so, and drops its parts', () => {
    // Prepare: shard A's last record arrived 30 h ago, past a 24 h retention; shard B's 1 h ago.
    const parts = [part(SHARD_A, 1, 40, 30), part(SHARD_B, 2, 3, 1)];
    // Act
    const plan = planShards(previous(parts), [SHARD_A, SHARD_B], 24, NOW);
    // Assess
    expect(plan.starts).toEqual({ [SHARD_A]: {}, [SHARD_B]: { seq: '299' } });
    expect(plan.summary.fromTrimHorizon[SHARD_A]).toMatch(/position expired: .* 24 h retention/);
    expect(plan.carried.map((carried) => carried.shardId)).toEqual([SHARD_B]);
    expect(plan.summary).toMatchObject({ continued: 1, droppedParts: 1, carriedRecords: 10 });
  });

  it('treats a position within the safety margin of the retention boundary as expired', () => {
    // Prepare
    const edge = (24 * HOUR - EXPIRY_MARGIN_MS / 2) / HOUR;
    const parts = [part(SHARD_A, 1, edge, edge)];
    // Act
    const plan = planShards(previous(parts, [SHARD_A]), [SHARD_A], 24, NOW);
    // Assess
    expect(plan.starts[SHARD_A]).toEqual({});
    expect(plan.summary.fromTrimHorizon[SHARD_A]).toMatch(/position expired/);
  });

  it('drops only the parts wholly past retention and keeps a part that straddles the boundary', () => {
    // Prepare
    const gone = part(SHARD_A, 1, 50, 40);
    const straddling = part(SHARD_A, 2, 30, 20);
    const recent = part(SHARD_A, 3, 5, 1);
    // Act
    const plan = planShards(previous([gone, straddling, recent], [SHARD_A]), [SHARD_A], 24, NOW);
    // Assess
    expect(plan.starts[SHARD_A]).toEqual({ seq: '399' });
    expect(plan.carried).toEqual([straddling, recent]);
    expect(plan.summary.droppedParts).toBe(1);
    expect(plan.chunk).toBe(3);
  });

  it('reads shards that appeared since from TRIM_HORIZON and drops the parts of shards that are gone', () => {
    // Prepare: B was split into C and D after the earlier run; A is gone (expired and deleted).
    const shardC = 'shardId-000000000002';
    const shardD = 'shardId-000000000003';
    const parts = [part(SHARD_A, 1, 3, 2), part(SHARD_B, 1, 3, 1)];
    // Act
    const plan = planShards(previous(parts), [SHARD_B, shardC, shardD], 24, NOW);
    // Assess
    expect(plan.starts).toEqual({ [SHARD_B]: { seq: '199' }, [shardC]: {}, [shardD]: {} });
    expect(Object.keys(plan.summary.fromTrimHorizon).sort()).toEqual([shardC, shardD]);
    expect(plan.summary.fromTrimHorizon[shardC]).toMatch(/the shard set changed/);
    expect(plan.carried.map((carried) => carried.shardId)).toEqual([SHARD_B]);
    expect(plan.summary.droppedParts).toBe(1);
  });

  it('reads a shard that held nothing then from TRIM_HORIZON as a continuation (all its records are new)', () => {
    // Act
    const plan = planShards(previous([part(SHARD_B, 1, 3, 1)]), [SHARD_A, SHARD_B], 24, NOW);
    // Assess
    expect(plan.starts[SHARD_A]).toEqual({});
    expect(plan.summary.fromTrimHorizon).toEqual({});
    expect(plan.summary.continued).toBe(2);
  });

  it('carries the files kept beside a carried part (its lookup document) with it', () => {
    // Prepare
    const stats = part(SHARD_A, 1, 3, 1);
    const lookup: Artifact = {
      role: 'lookup',
      path: stats.path.replace(/\.ndjson\.gz$/, '.lookup.json'),
      sha256: 'b'.repeat(64),
      bytes: 10,
    };
    const config: Artifact = { role: 'config', path: 'runs/x/config.json', sha256: 'c'.repeat(64), bytes: 5 };
    // Act
    const plan = planShards(previous([stats], [SHARD_A], [lookup, config]), [SHARD_A], 24, NOW);
    // Assess
    expect(plan.carriedArtifacts.map((artifact) => artifact.role)).toEqual(['records', 'lookup']);
  });

  it('reads everything from TRIM_HORIZON when positions name a part the manifest does not list', () => {
    // Prepare
    const listed = part(SHARD_A, 1, 3, 1);
    const unlisted = part(SHARD_B, 1, 3, 1);
    const earlier: PreviousBackup = { ...previous([listed]), parts: [listed, unlisted] };
    // Act
    const plan = planShards(earlier, [SHARD_A, SHARD_B], 24, NOW);
    // Assess
    expect(plan.starts).toEqual({ [SHARD_A]: {}, [SHARD_B]: {} });
    expect(plan.carried).toEqual([]);
    expect(plan.summary.reason).toMatch(/does not list/);
  });

  it('reads everything from TRIM_HORIZON, with the reason, when there is no earlier run', () => {
    // Act
    const plan = planShards({ reason: 'no earlier complete run' }, [SHARD_A], 24, NOW);
    // Assess
    expect(plan).toMatchObject({
      starts: { [SHARD_A]: {} },
      chunk: 0,
      summary: { reason: 'no earlier complete run' },
    });
  });
});
