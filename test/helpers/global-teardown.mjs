import { rmSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';

/**
 * Stops the emulator, then runs the permission proof over the whole run's call log (every worker and
 * CLI child process appended to it): a denied call fails the run (test/helpers/iam/run.ts). The log
 * is removed when the proof passes, kept (and named) when it fails.
 */
export default async function globalTeardown() {
  const callLog = process.env.TRIGGERVAULT_CALL_LOG;
  await globalThis.__emulator__?.stop();
  const claims = process.env.TRIGGERVAULT_TEST_REGION_CLAIMS;
  if (claims) rmSync(claims, { recursive: true, force: true });
  const { runPermissionProof } = await tsImport('./iam/run.ts', import.meta.url);
  try {
    await runPermissionProof(callLog);
  } catch (error) {
    error.message = `${error.message}\n(call log kept in ${callLog})`;
    throw error;
  }
  if (callLog) rmSync(callLog, { recursive: true, force: true });
}
