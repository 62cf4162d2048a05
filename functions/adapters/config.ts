import type { LifecycleConfig } from '../domain/config.js';
import { ConfigError } from '../domain/errors.js';

/**
 * The name under which a function finds its configuration: the stack puts the validated configuration
 * there when it bundles the function (esbuild `define`, lib/lifecycle-function.ts), as base64 of its JSON so
 * that no character of it means anything to the shell that runs esbuild. Outside a bundle (a test importing
 * a Lambda entry) it is a global of that name, set with `provideConfig` (adapters/config-bundling.ts).
 */
export const BUNDLED_CONFIG_NAME = 'LIFECYCLE_BUNDLED_CONFIG';

declare const LIFECYCLE_BUNDLED_CONFIG: string | undefined;

/**
 * The configuration of the stack this function belongs to, as it was given to the stack when it was
 * synthesized and validated then (`bundledConfigValue`, adapters/config-bundling.ts); this module stays free
 * of the configuration's schema, so that no bundle carries it: each deployed function runs exactly the
 * configuration its stack was built with.
 */
export function loadConfig(): LifecycleConfig {
  const value = typeof LIFECYCLE_BUNDLED_CONFIG === 'undefined' ? undefined : LIFECYCLE_BUNDLED_CONFIG;
  if (value === undefined) {
    throw new ConfigError(
      '',
      'no configuration was bundled into this function: deploy it with the LifecycleEngine construct, which bundles its config',
    );
  }
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as LifecycleConfig;
}
