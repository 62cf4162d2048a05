import { type LifecycleConfig, type LifecycleConfigInput, parseConfig } from '../../functions/domain/config.js';

/** A valid configuration for tests, with overrides. */
export function testConfig(overrides: Partial<LifecycleConfigInput> = {}): LifecycleConfig {
  return parseConfig({
    storeName: 'Test Shop',
    sender: { from: 'Test Shop <shop@example.com>' },
    postalAddress: 'Test Shop, 1 Test Road, Testville 12345',
    ...overrides,
  });
}
