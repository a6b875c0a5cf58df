import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.TRIGGERVAULT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Loads a local page in headless Chromium (Debian's package, installed by scripts/ensure-chromium.sh)
 * with a fresh profile and no network side traffic; returns the DOM after rendering, or takes a
 * screenshot instead when `screenshot` is given.
 */
export function renderInChromium(page: string, screenshot?: string): string {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'tv-chromium-'));
  try {
    const result = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...(screenshot ? [`--screenshot=${screenshot}`, '--window-size=1100,1800'] : ['--dump-dom']),
        pathToFileURL(page).href,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
    );
    if (result.status !== 0)
      throw new Error(`chromium exited ${result.status}: ${result.stderr.slice(-2000)}`);
    return result.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
