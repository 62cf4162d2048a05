import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** The variable that names the Chrome or Chromium executable for the browser tests, before any search. */
export const CHROMIUM_VARIABLE = 'CHROMIUM_PATH';

/** No Chrome or Chromium was found. The message says, in one line, how to get one or name one. */
export class ChromiumNotFoundError extends Error {
  constructor(detail: string) {
    super(
      `${detail}: the browser tests need Chrome or Chromium. Install one (Debian/Ubuntu: sudo apt-get install chromium; ` +
        `macOS: brew install --cask google-chrome; anywhere: npx playwright-core install chromium), ` +
        `or set ${CHROMIUM_VARIABLE} to its executable.`,
    );
    this.name = 'ChromiumNotFoundError';
  }
}

/** Where the machine is looked at: the real one in {@link launchChromium}, a made-up one in the tests. */
export interface ChromiumSearch {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly home: string;
  readonly exists: (path: string) => boolean;
  /** Where Playwright keeps the Chromium it downloads (`npx playwright-core install chromium`). */
  readonly playwrightChromium: () => string;
}

/** Chrome and Chromium where their packages put them, in the order they are tried. */
export function usualChromiumPaths(platform: NodeJS.Platform, home: string): string[] {
  if (platform === 'darwin') {
    const apps = [
      'Google Chrome.app/Contents/MacOS/Google Chrome',
      'Chromium.app/Contents/MacOS/Chromium',
      'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    ];
    return [...apps.map((app) => join('/Applications', app)), ...apps.map((app) => join(home, 'Applications', app))];
  }
  if (platform === 'linux') {
    return [
      // Debian's package, which CI installs; then Ubuntu's and Fedora's names, Google's packages, the snap.
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
      '/snap/bin/chromium',
    ];
  }
  return [];
}

/**
 * The Chrome or Chromium the browser tests run: the one {@link CHROMIUM_VARIABLE} names, else the one
 * Playwright downloaded, else the first installed at a usual place. Throws {@link ChromiumNotFoundError}.
 */
export function findChromium(search: ChromiumSearch): string {
  const named = search.env[CHROMIUM_VARIABLE];
  if (named) {
    if (search.exists(named)) return named;
    throw new ChromiumNotFoundError(`${CHROMIUM_VARIABLE} is ${named}, which does not exist`);
  }
  const candidates = [...playwrightChromium(search), ...usualChromiumPaths(search.platform, search.home)];
  const found = candidates.find((path) => search.exists(path));
  if (found) return found;
  throw new ChromiumNotFoundError('No Chrome or Chromium found');
}

function playwrightChromium(search: ChromiumSearch): string[] {
  try {
    return [search.playwrightChromium()];
  } catch {
    // No build of Playwright's Chromium for this platform.
    return [];
  }
}

/**
 * Headless Chrome or Chromium for the browser tests (see {@link findChromium}), with no background traffic
 * (the machine's network may be closed, and a refused connection must not slow a test down).
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium({
    env: process.env,
    platform: process.platform,
    home: homedir(),
    exists: existsSync,
    playwrightChromium: () => chromium.executablePath(),
  });
  return chromium.launch({
    executablePath,
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
