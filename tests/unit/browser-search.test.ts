import { describe, expect, it } from 'vitest';
import { CHROMIUM_VARIABLE, type ChromiumSearch, findChromium } from '../helpers/browser.js';

/*
 * Which Chrome or Chromium the browser tests run (tests/helpers/browser.ts), on made-up machines: the
 * file-exists function says what is installed and records where the search looked.
 */

const PLAYWRIGHT = '/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';

function machine(installed: string[], overrides: Partial<ChromiumSearch> = {}) {
  const looked: string[] = [];
  const search: ChromiumSearch = {
    env: {},
    platform: 'linux',
    home: '/home/dev',
    exists: (path) => {
      looked.push(path);
      return installed.includes(path);
    },
    playwrightChromium: () => PLAYWRIGHT,
    ...overrides,
  };
  return { search, looked };
}

describe('the browser of the browser tests', () => {
  it(`is the one ${CHROMIUM_VARIABLE} names, before anything installed`, () => {
    const { search, looked } = machine(['/opt/chrome-canary/chrome', PLAYWRIGHT, '/usr/bin/chromium'], {
      env: { [CHROMIUM_VARIABLE]: '/opt/chrome-canary/chrome' },
    });
    expect(findChromium(search)).toBe('/opt/chrome-canary/chrome');
    expect(looked).toEqual(['/opt/chrome-canary/chrome']);
  });

  it(`fails, naming ${CHROMIUM_VARIABLE}, when it names nothing, rather than run another browser`, () => {
    const { search } = machine(['/usr/bin/chromium'], { env: { [CHROMIUM_VARIABLE]: '/nowhere/chrome' } });
    expect(() => findChromium(search)).toThrow(`${CHROMIUM_VARIABLE} is /nowhere/chrome, which does not exist`);
  });

  it("is Playwright's own Chromium when it was downloaded, before the system's", () => {
    const { search } = machine([PLAYWRIGHT, '/usr/bin/chromium', '/usr/bin/google-chrome']);
    expect(findChromium(search)).toBe(PLAYWRIGHT);
  });

  it('is looked for on Linux in this order, the first one installed winning', () => {
    const { search, looked } = machine([]);
    expect(() => findChromium(search)).toThrow();
    expect(looked).toEqual([
      PLAYWRIGHT,
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
      '/opt/google/chrome/chrome',
      '/snap/bin/chromium',
    ]);
    expect(findChromium(machine(['/usr/bin/google-chrome-stable', '/snap/bin/chromium']).search)).toBe(
      '/usr/bin/google-chrome-stable',
    );
  });

  it('is Google Chrome or Chromium in /Applications or ~/Applications on macOS', () => {
    const { search, looked } = machine([], { platform: 'darwin', home: '/Users/dev' });
    expect(() => findChromium(search)).toThrow();
    expect(looked.slice(1)).toEqual([
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
      '/Users/dev/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Users/dev/Applications/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    ]);
    const chromiumOnly = machine(['/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium'], {
      platform: 'darwin',
      home: '/Users/dev',
    });
    expect(findChromium(chromiumOnly.search)).toBe('/Users/dev/Applications/Chromium.app/Contents/MacOS/Chromium');
  });

  it('is searched past Playwright when Playwright has no Chromium for the platform', () => {
    const { search } = machine(['/usr/bin/chromium'], {
      playwrightChromium: () => {
        throw new Error('ERROR: Playwright does not support chromium on this platform');
      },
    });
    expect(findChromium(search)).toBe('/usr/bin/chromium');
  });

  it(`is missing with a one-line hint that says how to install one and names ${CHROMIUM_VARIABLE}`, () => {
    const { search } = machine([]);
    let message = '';
    try {
      findChromium(search);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^No Chrome or Chromium found: the browser tests need Chrome or Chromium\. Install one/);
    expect(message).toContain('sudo apt-get install chromium');
    expect(message).toContain('npx playwright-core install chromium');
    expect(message).toContain(`set ${CHROMIUM_VARIABLE} to its executable`);
  });
});
