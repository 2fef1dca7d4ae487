// Debian's chromium driven by playwright-core (Playwright's own browser download does not work here).
// A fresh profile per launch; a missing browser fails the test with what to install.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** `trustSelfSigned`: accept the certificate the server generated for itself (a pilot's self-signed pair). */
export async function launchChromium(o: { trustSelfSigned?: boolean } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup-test-host.sh (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'ratwatch-chromium-'));
  // launchPersistentContext is how Playwright takes a --user-data-dir: a fresh one per test file
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 }, // laptop width
    acceptDownloads: true,
    ignoreHTTPSErrors: o.trustSelfSigned ?? false,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
