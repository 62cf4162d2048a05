import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The name the package is published under. */
export const PACKAGE_NAME = 'lifecycle-engine';

/**
 * The root of this package: the repository when it runs from its sources, the installed package
 * (node_modules/lifecycle-engine) when an application uses it. Found from this file, so that it is right in
 * both, and whether the code runs from sources or from the compiled dist/.
 */
export const PACKAGE_ROOT: string = (() => {
  for (let directory = import.meta.dirname; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME)
      return directory;
    if (dirname(directory) === directory) throw new Error(`${PACKAGE_NAME}: cannot find the package's root`);
  }
})();

/** The built-in templates, shipped with the package: an application's own directory adds to and overrides them. */
export const BUILT_IN_TEMPLATES = join(PACKAGE_ROOT, 'templates');
