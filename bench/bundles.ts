import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { median } from '../functions/domain/metrics.js';
import { LocalSecretsManager } from '../tests/helpers/local-secrets-manager.js';
import { jsonFromChild } from './child.js';
import { type BenchContext, UsageError } from './context.js';
import { fmt, type Section } from './report.js';

/** A function of the synthesised stack, with its bundle. */
export interface StackFunction {
  /** POWERTOOLS_SERVICE_NAME: webhook, customer, dispatcher… */
  readonly name: string;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, unknown>>;
  /** index.mjs of its asset, as the CDK bundled it. */
  readonly bundle: string;
}

let synthesised: Promise<{ functions: StackFunction[]; seconds: number }> | undefined;

/**
 * Synthesises the stack of lifecycle.config.ts into a temporary directory, as `cdk synth` does: the CDK
 * bundles every function with esbuild (lib/lifecycle-function.ts). Runs bench/synth-child.ts in a process
 * of its own; returns our functions (those with a POWERTOOLS_SERVICE_NAME), their memory size and
 * environment from the template, and their bundles. Done once per run; the directory is removed when the
 * bench exits.
 */
export function stackFunctions(): Promise<{ functions: StackFunction[]; seconds: number }> {
  synthesised ??= (async () => {
    const started = performance.now();
    const outdir = mkdtempSync(join(tmpdir(), 'lifecycle-bench-cdk-'));
    process.on('exit', () => rmSync(outdir, { recursive: true, force: true }));
    const { functions } = await jsonFromChild<{ functions: StackFunction[] }>(
      ['--import', 'tsx', 'bench/synth-child.ts', outdir],
      { marker: '{"functions"', what: 'cdk synth of the stack' },
    );
    functions.sort((a, b) => a.name.localeCompare(b.name));
    return { functions, seconds: (performance.now() - started) / 1000 };
  })();
  return synthesised;
}

/**
 * What the Lambda environment would hold for a variable the template fills with a reference (a table
 * name, an ARN): a plausible value of the same shape. Literal values are kept.
 */
function environmentFor(fn: StackFunction, secretsEndpoint: string): Record<string, string> {
  const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`;
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: `lifecycle-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    // The functions that read a secret at start (unsubscribe) get it from a local stand-in.
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
  };
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') environment[name] = value;
    else if (name.endsWith('_ARNS'))
      environment[name] = JSON.stringify({ generic: arn('generic'), shopify: arn('shopify') });
    else if (name.endsWith('_ARN')) environment[name] = arn(name.toLowerCase());
    else if (name.endsWith('_URL')) environment[name] = 'https://bench.example.com';
    else environment[name] = `bench-${name.toLowerCase().replace(/_/g, '-')}`;
  }
  return environment;
}

/** Where a bundled input comes from: its package, or for the product's own code its folder (functions/domain/journeys). */
export function partOf(path: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (pkg) return pkg;
  const folders = path
    .replace(/^.*?(?=functions\/)/, '')
    .split('/')
    .slice(0, -1);
  return folders.length > 0 ? folders.slice(0, 3).join('/') : path;
}

/**
 * The files a bundle is made of, from the esbuild metafile beside it (lib/lifecycle-function.ts writes it when
 * the synth asks): the bytes each input file contributes to the minified output, largest first; files esbuild
 * read and then shook out to nothing are left out. Paths are as esbuild names them (`node_modules/…`, `functions/…`).
 */
export function bundleFiles(bundle: string): { file: string; bytes: number }[] {
  const metafile = join(bundle, '..', 'index.meta.json');
  if (!existsSync(metafile)) return [];
  const { outputs } = JSON.parse(readFileSync(metafile, 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = Object.entries(outputs).find(([name]) => name.endsWith('.mjs'))?.[1];
  return Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([file, input]) => ({ file: file.replace(/^(\.\.\/)+/, ''), bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}

/** What a bundle is made of: the bytes each part (package or folder of ours) contributes, largest first. */
export function bundleParts(bundle: string): { part: string; bytes: number }[] {
  const bytes = new Map<string, number>();
  for (const { file, bytes: n } of bundleFiles(bundle)) bytes.set(partOf(file), (bytes.get(partOf(file)) ?? 0) + n);
  return [...bytes].map(([part, n]) => ({ part, bytes: n })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * In a fresh Node process: the time to import the bundle (module evaluation, the cold start's own part), and the
 * CPU time of it (user and system), which a loaded machine inflates less than the wall time.
 */
const IMPORT_SCRIPT = `
const cpu = process.cpuUsage();
const started = performance.now();
const module = await import(process.argv[1]);
const imported = performance.now();
const { user, system } = process.cpuUsage(cpu);
if (typeof module.handler !== 'function') throw new Error('no handler export');
console.log(JSON.stringify({ importMs: imported - started, cpuMs: (user + system) / 1000, sinceProcessStartMs: imported, rss: process.memoryUsage.rss() }));
`;

function importOnce(
  bundle: string,
  environment: Record<string, string>,
): Promise<{ importMs: number; cpuMs: number; sinceProcessStartMs: number; rss: number }> {
  return jsonFromChild(['--input-type=module', '-e', IMPORT_SCRIPT, pathToFileURL(bundle).href], {
    marker: '{"importMs"',
    what: `importing ${bundle}`,
    env: environment,
  });
}

/**
 * Figure 6: every Lambda bundle as `cdk synth` makes it (lib/lifecycle-function.ts: esbuild, ESM, minified,
 * source map beside it), its size, and its cold initialisation: the import of the bundle in a fresh Node 22
 * process with the function's environment, median of several runs, in wall time and in CPU time.
 */
export async function bundleSizes(context: BenchContext): Promise<Section> {
  const runs = context.quick ? 3 : 7;
  const { functions, seconds: synthSeconds } = await stackFunctions();
  context.log(`bundles     synthesised ${functions.length} functions in ${fmt(synthSeconds, 1)} s`);
  const listed = context.bundleFiles;
  if (listed !== undefined && !functions.some((fn) => fn.name === listed)) {
    throw new UsageError(
      `--bundle-files: no function "${listed}" (one of ${functions.map((fn) => fn.name).join(', ')})`,
    );
  }
  const secrets = await LocalSecretsManager.start('bench-secret-value-0123456789');
  const rows: (string | number)[][] = [];
  const data: unknown[] = [];
  const partsNotes: string[] = [];
  const filesNotes: string[] = [];
  try {
    for (const fn of functions) {
      const environment = environmentFor(fn, secrets.endpoint);
      const wall: number[] = [];
      const cpu: number[] = [];
      const sinceStart: number[] = [];
      let rss = 0;
      for (let i = 0; i < runs; i++) {
        const deployed = await importOnce(fn.bundle, environment);
        wall.push(deployed.importMs);
        cpu.push(deployed.cpuMs);
        sinceStart.push(deployed.sinceProcessStartMs);
        rss = Math.max(rss, deployed.rss);
      }
      const bytes = statSync(fn.bundle).size;
      const mapBytes = existsSync(`${fn.bundle}.map`) ? statSync(`${fn.bundle}.map`).size : 0;
      const gzipBytes = gzipSync(readFileSync(fn.bundle)).length;
      const parts = bundleParts(fn.bundle);
      if (fn.name === listed) {
        const files = bundleFiles(fn.bundle);
        filesNotes.push(
          `Every file of ${fn.name}'s bundle, minified bytes, largest first (${files.length} files):`,
          ...files.map(({ file, bytes: n }) => `${String(n).padStart(7)}  ${file}`),
        );
      }
      partsNotes.push(
        `${fn.name} carries ${parts
          .slice(0, 8)
          .map(({ part, bytes: n }) => `${part} ${fmt(n / 1024, 0)}`)
          .join(', ')} (KB)`,
      );
      const figures = {
        name: fn.name,
        memoryMb: fn.memoryMb,
        bundleBytes: bytes,
        sourceMapBytes: mapBytes,
        gzipBytes,
        initMs: median(wall),
        initCpuMs: median(cpu),
        processStartToReadyMs: median(sinceStart),
        rssBytes: rss,
        parts,
        runs: { wall, cpu },
      };
      data.push(figures);
      rows.push([
        fn.name,
        fn.memoryMb,
        fmt(bytes / 1024, 0),
        fmt(gzipBytes / 1024, 0),
        fmt(mapBytes / 1024, 0),
        fmt(figures.initMs, 0),
        fmt(figures.initCpuMs, 0),
        fmt(figures.processStartToReadyMs, 0),
        fmt(rss / 2 ** 20, 0),
      ]);
      context.log(`bundles     ${fn.name}: ${fmt(bytes / 1024, 0)} KB, init ${fmt(figures.initMs, 0)} ms`);
    }
  } finally {
    await secrets.stop();
  }
  return {
    id: 'bundles',
    title: '6. Lambda bundles (cdk synth → esbuild) and cold initialisation in a fresh Node 22 process',
    columns: [
      'function',
      'memory MB',
      'bundle KB',
      'gzip KB',
      'map KB',
      'init ms',
      'init CPU ms',
      'process→ready ms',
      'RSS MB',
    ],
    rows,
    notes: [
      `Bundles from a synth of lib/lifecycle-stack.ts (bench/synth-child.ts) (${fmt(synthSeconds, 1)} s, bundling included); memory sizes from the template.`,
      `init ms: median of ${runs} imports of index.mjs, each in a fresh process, with the function's environment; init CPU ms: the user and system time of the same imports, median.`,
      'The source map is read at the first stack trace, not at start (functions/adapters/lambda-stack-traces.ts).',
      'unsubscribe reads a secret from Secrets Manager at start: a local stand-in answers at once, so AWS adds one round trip (tens of ms) to its start.',
      'Not included: the Lambda runtime bootstrap and code download, which AWS adds to every cold start.',
      'The largest parts of each bundle, from its esbuild metafile (minified bytes by package, or by folder of functions/):',
      ...partsNotes,
      ...filesNotes,
    ],
    data: { synthSeconds, functions: data },
  };
}
