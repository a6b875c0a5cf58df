import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  await globalThis.__emulator__?.stop();
  const claims = process.env.TRIGGERVAULT_TEST_REGION_CLAIMS;
  if (claims) rmSync(claims, { recursive: true, force: true });
}
