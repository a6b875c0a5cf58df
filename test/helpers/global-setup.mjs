// Jest loads global setup outside its transform pipeline, so the TypeScript launcher comes in through tsx.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

/** One moto server for the whole test run, on a free port; tests isolate by unique names. */
export default async function globalSetup() {
  const { startEmulator } = await tsImport('../../src/local/emulator.ts', import.meta.url);
  const emulator = await startEmulator();
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_DEFAULT_REGION = 'us-east-1';
  // The bench smoke test reads the emulator's CPU time.
  process.env.TRIGGERVAULT_EMULATOR_PID = String(emulator.pid ?? '');
  globalThis.__emulator__ = emulator;
  // Which test file owns which region, for this run (see test/helpers/region-claims.ts).
  process.env.TRIGGERVAULT_TEST_REGION_CLAIMS = mkdtempSync(join(tmpdir(), 'tv-region-claims-'));
}
