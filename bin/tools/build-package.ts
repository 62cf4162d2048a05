/*
 * `npm run build` (and `npm pack`, through prepack): compiles what the package ships into dist/ (the
 * construct library, the functions, the command-line tool) with their type declarations, and copies the
 * files the compiler does not (the Java launcher of the local DynamoDB).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const compiled = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
for (const file of readdirSync(join(root, 'functions', 'local')).filter((name) => name.endsWith('.java'))) {
  copyFileSync(join(root, 'functions', 'local', file), join(dist, 'functions', 'local', file));
}
