import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package; CHROMIUM_PATH overrides it. Playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Flags known to work in this sandbox: no GPU, no sandbox (root in a container), and none of
 * Chromium's background traffic (it would flood the closed network with connection attempts).
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launch headless chromium with a fresh, empty profile (Playwright's `launch` creates a
 * temporary user-data dir and deletes it on close). Fails, never skips, when it is missing.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `chromium is not installed at ${CHROMIUM_PATH}: the dashboard browser test needs Debian's chromium. ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (CI\'s .ci/run does this), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}
