import rawConfig from '../../lifecycle.config.js';
import { type LifecycleConfig, parseConfig } from '../domain/config.js';

/** The validated configuration from lifecycle.config.ts; throws a ConfigError naming the field. */
export function loadConfig(): LifecycleConfig {
  return parseConfig(rawConfig);
}
