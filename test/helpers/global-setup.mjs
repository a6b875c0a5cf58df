import { randomUUID } from 'node:crypto';
// Jest loads global setup outside its transform pipeline, so the TypeScript launcher comes in through tsx.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

/**
 * One moto server for the whole test run, on a free port; tests isolate by unique names. And the
 * call log of the permission proof: every AWS call a handler makes in any worker (or CLI child
 * process) is appended under TRIGGERVAULT_CALL_LOG; global teardown replays it against the packaged
 * stack's policies (test/helpers/iam/proof.ts).
 */
export default async function globalSetup() {
  const { startEmulator } = await tsImport('../../src/local/emulator.ts', import.meta.url);
  // Every commercial region is owned by a test file already (test/helpers/region-claims.ts): files
  // beyond them name regions of their own (`tv-<file>-1`, valid to RegionName), which moto serves
  // only when asked to. Inherited by the emulator process.
  process.env.MOTO_ALLOW_NONEXISTENT_REGION = 'true';
  // Regions of our own for tests that need one no other file uses (accepted by RegionName).
  process.env.TRIGGERVAULT_EXTRA_REGIONS = [
    'tv-lookup-1',
    'tv-plan-1',
    'tv-crash-1',
    'tv-export-1',
    'zz-dmap-1',
    'zz-scale-1',
    'zz-verify-1',
    'tv-kinc-1',
    'tv-awsbr-1',
    'tv-redeploy-1',
    'tv-budget-1',
    'tv-budget-2',
    'tv-budget-3',
  ].join(',');
  const emulator = await startEmulator();
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_DEFAULT_REGION = 'us-east-1';
  process.env.TRIGGERVAULT_TEST_RUN = randomUUID();
  process.env.TRIGGERVAULT_CALL_LOG = mkdtempSync(join(tmpdir(), 'triggervault-calls-'));
  // The bench smoke test reads the emulator's CPU time.
  process.env.TRIGGERVAULT_EMULATOR_PID = String(emulator.pid ?? '');
  globalThis.__emulator__ = emulator;
  // Which test file owns which region, for this run (see test/helpers/region-claims.ts).
  process.env.TRIGGERVAULT_TEST_REGION_CLAIMS = mkdtempSync(join(tmpdir(), 'tv-region-claims-'));
  // The manifest signing key exists before any handler runs, as the deployed stack's does: handlers
  // only ever use it (a handler creating it would be a call no deployed role makes).
  const { ensureLocalSigningKey } = await tsImport('../../src/store/signature.ts', import.meta.url);
  await ensureLocalSigningKey();
}
