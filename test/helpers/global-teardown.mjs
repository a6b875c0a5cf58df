import { tsImport } from 'tsx/esm/api';

/**
 * Stops the emulator, then runs the permission proof over the whole run's call log (every worker and
 * CLI child process appended to it): a denied call fails the run (test/helpers/iam/run.ts).
 */
export default async function globalTeardown() {
  try {
    await globalThis.__emulator__?.stop();
  } finally {
    const { runPermissionProof } = await tsImport('./iam/run.ts', import.meta.url);
    await runPermissionProof(process.env.TRIGGERVAULT_CALL_LOG);
  }
}
