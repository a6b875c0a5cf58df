import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The browser scripts/ensure-chromium.sh finds or installs: $TRIGGERVAULT_CHROMIUM, else on the PATH. */
function findChromium(): string | undefined {
  if (process.env.TRIGGERVAULT_CHROMIUM) return process.env.TRIGGERVAULT_CHROMIUM;
  const directories = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser'])
    for (const directory of directories) if (existsSync(join(directory, name))) return join(directory, name);
  return undefined;
}

/**
 * Loads a local page in headless Chromium (Debian's package, which `npm test` installs first when it
 * can: scripts/ensure-chromium.sh) with a fresh profile and no network side traffic; returns the DOM
 * after rendering, or takes a screenshot instead when `screenshot` is given.
 */
export function renderInChromium(page: string, screenshot?: string, windowSize = '1100,1800'): string {
  const chromium = findChromium();
  if (!chromium || !existsSync(chromium))
    throw new Error(
      `Chromium is missing (${chromium ?? 'neither chromium nor chromium-browser is on the PATH'}): ` +
        'run scripts/ensure-chromium.sh as root (apt-get install chromium) or set TRIGGERVAULT_CHROMIUM',
    );
  const profile = mkdtempSync(join(tmpdir(), 'tv-chromium-'));
  try {
    const result = spawnSync(
      chromium,
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
        ...(screenshot
          ? [
              `--screenshot=${screenshot}`,
              `--window-size=${windowSize}`,
              '--force-device-scale-factor=1',
              '--hide-scrollbars',
            ]
          : [`--window-size=${windowSize}`, '--dump-dom']),
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
