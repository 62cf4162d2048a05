import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: playwright cannot download browsers here, and CI installs this package. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium for the browser tests, with no background traffic (the machine's network is closed,
 * and a refused connection must not slow a test down). Fails with how to install it when it is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (sudo apt-get install chromium) to run the browser tests.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
