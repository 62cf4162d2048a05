import rawConfig from '../../lifecycle.config.js';
import { type LifecycleConfig, parseConfig } from '../domain/config.js';

/**
 * The validated configuration from lifecycle.config.ts, bundled into each function by esbuild; throws a
 * ConfigError naming the file and the field. The command-line tool and the CDK app read the file with
 * loadConfigFile (config-file.ts) instead, which also reports a syntax error in it.
 */
export function loadConfig(): LifecycleConfig {
  return parseConfig(rawConfig, 'lifecycle.config.ts');
}
