import { isDeepStrictEqual } from 'node:util';
import { type LifecycleConfig, parseConfig } from '../domain/config.js';
import { ConfigError } from '../domain/errors.js';
import { BUNDLED_CONFIG_NAME } from './config.js';

/*
 * The synth's side of a function's configuration (the function's side, loadConfig, is in adapters/config.ts
 * and carries no schema).
 */

/**
 * The value a function is given for its configuration: `config` validated here, at synth, and given as the
 * validated configuration's JSON, which the function then takes as it is (a function never carries the
 * configuration's schema, nor spends its cold start validating what the synth validated). Validation turns
 * its input into plain JSON and gives the same configuration back for it, which is checked here too.
 */
export function bundledConfigValue(config: LifecycleConfig): string {
  const validated = JSON.parse(JSON.stringify(parseConfig(JSON.parse(JSON.stringify(config))))) as LifecycleConfig;
  if (!isDeepStrictEqual(parseConfig(structuredClone(validated)), validated)) {
    throw new ConfigError('', 'the validated configuration does not survive its JSON: it cannot be bundled');
  }
  return Buffer.from(JSON.stringify(validated), 'utf8').toString('base64');
}

/** Gives the Lambda entries of this process a configuration, as bundling would: for tests that import them. */
export function provideConfig(config: LifecycleConfig): void {
  (globalThis as Record<string, unknown>)[BUNDLED_CONFIG_NAME] = bundledConfigValue(config);
}
