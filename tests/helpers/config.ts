import { type LifecycleConfig, type LifecycleConfigInput, parseConfig } from '../../functions/domain/config.js';
import repositoryConfigFile from '../../lifecycle.config.js';

/**
 * A valid configuration for tests, with overrides. Quiet hours are off unless a test sets them: the
 * tests run at any hour of the day and must not depend on it.
 */
export function testConfig(overrides: Partial<LifecycleConfigInput> = {}): LifecycleConfig {
  return parseConfig({
    storeName: 'Test Shop',
    storeUrl: 'https://shop.example.com',
    sender: { from: 'Test Shop <shop@example.com>' },
    postalAddress: 'Test Shop, 1 Test Road, Testville 12345',
    quietHours: false,
    ...overrides,
  });
}

/** Every storefront source enabled: for the tests that speak to all four. */
export const ALL_SOURCES = {
  generic: { enabled: true },
  shopify: { enabled: true },
  woocommerce: { enabled: true },
  stripe: { enabled: true },
} as const;

/** This repository's own configuration (lifecycle.config.ts), validated: what bin/app.ts deploys. */
export function repositoryConfig(): LifecycleConfig {
  return parseConfig(repositoryConfigFile, 'lifecycle.config.ts');
}
