import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../global-setup.js';
import { run, runSync, type Started, start } from '../helpers/processes.js';

/*
 * Every shell command of README.md, the pages of docs/ and the READMEs of tests/fixtures runs as written,
 * on a machine with nothing but this repository: the shell code blocks are cut into commands and run in
 * order, one bash per page (so that a variable or function a command defines serves the next ones), against
 * the local runtime this test starts the way the docs do (npm start). A command that cannot run here is skipped only by an entry of NOT_RUN,
 * which says why; a command added to the docs runs unless someone adds one.
 *
 * Ports: the docs use the defaults (3000, 8005, 8000). The runtime runs on free ports instead, and the
 * commands are rewritten to match (127.0.0.1:3000 becomes the API's port…) and run with PORT, SES_PORT and
 * DYNAMODB_PORT set, the variables the docs give for moving them: the defaults may well be taken on a
 * developer's machine, by their own npm start or by another run of the tests.
 *
 * The commands run in a copy of the repository (they write report.html, result.json, previews and pulled
 * templates), whose lifecycle.config.ts enables every webhook source, as docs/webhooks.md asks before its
 * examples. curl is given --fail-with-body, so that a command answered 4xx or 5xx fails as it should.
 */

/** Commands not run, by a pattern of their text; each says why. Every entry must still match a command. */
const NOT_RUN: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /^npm (install|ci)\b/, reason: 'installs the dependencies from the registry; they are in place' },
  { pattern: /^npm start\b/, reason: 'runs until Ctrl-C: this test starts it itself, on free ports, and stops it' },
  { pattern: /^npm test\b/, reason: 'the test suite, of which this test is a part' },
  { pattern: /\bcdk (bootstrap|deploy|destroy)\b/, reason: 'changes an AWS account, with its credentials' },
  { pattern: /(^|[\s;&|(])aws\s/, reason: 'the AWS CLI, against an AWS account' },
  {
    pattern: /(^|[\s;&|]|\$\()(output|resource)\s/,
    reason: 'reads a deployed stack through the AWS CLI (the output and resource functions of the docs)',
  },
  { pattern: /\s--stack\b/, reason: 'reads or changes a deployed stack, with AWS credentials' },
  { pattern: /^stripe\s/, reason: 'the Stripe CLI: a Stripe account, and stripe listen runs until stopped' },
  {
    pattern: /\bnpm run bench\b(?! -- --help)/,
    reason: 'measures for minutes (docs/performance.md says how long); its --help runs',
  },
  {
    pattern: /\s(orders\.ndjson|orders_export\.csv|recorded\.ndjson)\b/,
    reason: "the reader's own export or recording (tests/integration/cli.test.ts backfills and plays fixtures)",
  },
  {
    pattern: /\bnpm run study:clv\b(?!.*--scale 0\.1)/,
    reason: 'the full study of the predictions: about three minutes on two cores; its --scale 0.1 look runs',
  },
  {
    pattern: /\bsimulate\b(?!.*--customers)/,
    reason:
      'a year of 500 synthetic customers, 15 to 20 s on two cores each; the same code runs here with --customers and in tests/integration/cli.test.ts',
  },
];

/** The pages: the README, docs/ and the READMEs of the test fixtures, which show how to post each one. */
const PAGES = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
  ...readdirSync('tests/fixtures')
    .sort()
    .map((source) => `tests/fixtures/${source}/README.md`)
    .filter((page) => existsSync(page)),
];
const SHELLS = new Set(['sh', 'bash', 'shell', 'zsh']);
const DEFAULT_PORTS = { 3000: 'api', 8005: 'ses', 8000: 'dynamoDb' } as const;
const MARK = '@@docs-command ';

interface Command {
  readonly where: string;
  readonly text: string;
}

/** The shell code blocks of a Markdown page, with the line each starts on, unindented. */
function shellBlocks(page: string): { line: number; lines: string[] }[] {
  const blocks: { line: number; lines: string[] }[] = [];
  let open: { line: number; lines: string[]; indent: number; shell: boolean } | undefined;
  readFileSync(page, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const fence = /^( *)```(\S*)/.exec(text);
      if (fence && !open) {
        open = { line: index + 2, lines: [], indent: fence[1]?.length ?? 0, shell: SHELLS.has(fence[2] ?? '') };
      } else if (fence && open) {
        if (open.shell) blocks.push(open);
        open = undefined;
      } else if (open) {
        open.lines.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
      }
    });
  return blocks;
}

/** A page's commands: each block cut where bash sees a complete command; lines of comments alone dropped. */
function commandsOf(page: string): Command[] {
  const commands: Command[] = [];
  for (const block of shellBlocks(page)) {
    let pending: string[] = [];
    let first = block.line;
    block.lines.forEach((text, index) => {
      if (pending.length === 0) first = block.line + index;
      pending.push(text);
      const code = pending.join('\n');
      if (text.endsWith('\\') || runSync('bash', ['-n', '-c', code]).status !== 0) return;
      if (pending.some((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))) {
        commands.push({ where: `${page}:${first}`, text: code });
      }
      pending = [];
    });
    if (pending.length > 0) throw new Error(`${page}:${first}: a shell block ends inside a command`);
  }
  return commands;
}

const notRunBecause = (command: Command) => NOT_RUN.find(({ pattern }) => pattern.test(command.text))?.reason;

const commandsByPage = new Map<string, Command[]>();
const commandsOfPage = (page: string) => {
  const commands = commandsByPage.get(page) ?? commandsOf(page);
  commandsByPage.set(page, commands);
  return commands;
};

/**
 * The tool's commands already run by an earlier page: one that a page repeats word for word (README.md and
 * docs/templates.md share several) is not run twice, each taking seconds. Assignments and definitions are
 * always run, as the commands after them may need them.
 */
const toolCommandsRun = new Set<string>();
const asToolCommand = (command: Command) =>
  /^npx lifecycle [^\n]*$/.test(command.text) ? command.text.replace(/\s+#.*$/, '').replace(/\s+/g, ' ') : undefined;

let workspace: string;
let ports: Record<(typeof DEFAULT_PORTS)[keyof typeof DEFAULT_PORTS], number>;
let runtime: Started | undefined;
let shims: string;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'lifecycle-docs-'));
  const root = resolve('.');
  cpSync(root, join(workspace, 'repo'), {
    recursive: true,
    filter: (path) =>
      !['node_modules', '.git', '.lifecycle', 'cdk.out', 'coverage', 'bench-results'].includes(
        relative(root, path).split('/')[0] ?? '',
      ),
  });
  symlinkSync(join(root, 'node_modules'), join(workspace, 'repo', 'node_modules'));
  // docs/webhooks.md: "Enable a source in lifecycle.config.ts" before its examples send to it; docs/campaigns.md
  // sets report.recipients before `lifecycle report --email`.
  renameSync(join(workspace, 'repo', 'lifecycle.config.ts'), join(workspace, 'repo', 'shipped.config.ts'));
  writeFileSync(
    join(workspace, 'repo', 'lifecycle.config.ts'),
    `import { defineConfig } from './functions/domain/config.js';
import shipped from './shipped.config.js';

export default defineConfig({
  ...shipped,
  sources: { generic: { enabled: true }, shopify: { enabled: true }, woocommerce: { enabled: true }, stripe: { enabled: true } },
  // docs/campaigns.md: the weekly report, which \`lifecycle report --email\` sends.
  report: { recipients: ['marketing@example.com'] },
});
`,
  );
  mkdirSync(join(workspace, 'tmp'));

  // curl answers 0 to a 401 unless told to fail: a command the server refuses must fail here.
  const curl = runSync('sh', ['-c', 'command -v curl']).stdout.trim();
  if (!curl) throw new Error('curl is not installed: the commands of the docs use it (README.md, Tests)');
  shims = join(workspace, 'bin');
  mkdirSync(shims);
  writeFileSync(join(shims, 'curl'), `#!/bin/sh\nexec '${curl}' --fail-with-body --show-error "$@"\n`);
  chmodSync(join(shims, 'curl'), 0o755);

  ports = { api: await freePort(), ses: await freePort(), dynamoDb: await freePort() };
  runtime = start('npm', ['start'], { cwd: join(workspace, 'repo'), env: portVariables() });
  await runtime.waitFor('Press Ctrl-C to stop.');
});

afterAll(async () => {
  await runtime?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

function portVariables() {
  return { PORT: String(ports.api), SES_PORT: String(ports.ses), DYNAMODB_PORT: String(ports.dynamoDb) };
}

/** The command with the docs' default ports replaced by those of this test's runtime. */
function onTestPorts(text: string): string {
  return text.replace(
    /\b(127\.0\.0\.1|localhost):(3000|8005|8000)\b/g,
    (_, host: string, port: keyof typeof DEFAULT_PORTS) => `${host}:${ports[DEFAULT_PORTS[port]]}`,
  );
}

describe('the commands of README.md and docs/', { timeout: 180_000 }, () => {
  it('are skipped only by entries of NOT_RUN that each still match a command', () => {
    const commands = PAGES.flatMap(commandsOfPage);
    expect(commands.length).toBeGreaterThan(0);
    const unused = NOT_RUN.filter(({ pattern }) => !commands.some((command) => pattern.test(command.text)));
    expect(unused.map(({ pattern }) => String(pattern))).toEqual([]);
  });

  it.each(PAGES)('%s: every command runs as written', async (page) => {
    const commands = commandsOfPage(page).filter((command) => {
      if (notRunBecause(command) !== undefined) return false;
      const tool = asToolCommand(command);
      if (tool === undefined) return true;
      if (toolCommandsRun.has(tool)) return false;
      toolCommandsRun.add(tool);
      return true;
    });
    if (commands.length === 0) return;
    const script = [
      'exec 2>&1',
      ...commands.flatMap((command, index) => [
        `printf '\\n${MARK}%d\\n' ${index}`,
        onTestPorts(command.text),
        `__status=$?; if [ "$__status" -ne 0 ]; then printf '\\n${MARK}failed %d\\n' "$__status"; exit 1; fi`,
      ]),
    ].join('\n');
    const result = await run('bash', ['-c', script], {
      cwd: join(workspace, 'repo'),
      env: { ...portVariables(), PATH: `${shims}:${process.env.PATH ?? ''}`, TMPDIR: join(workspace, 'tmp') },
      timeoutMs: 150_000,
    });
    const sections = result.stdout.split(`\n${MARK}`).slice(1);
    const failed = /^failed (\d+)/.exec(sections.at(-1) ?? '');
    if (result.status === 0 && !failed) return;
    const ran = sections.filter((section) => !section.startsWith('failed '));
    const last = ran.at(-1) ?? '';
    const index = Number(/^\d+/.exec(last)?.[0] ?? 0);
    const command = commands[index] as Command;
    const why = failed
      ? `exited ${failed[1]}`
      : result.timedOut
        ? 'did not end in time'
        : `ended the shell (${result.status})`;
    expect.fail(`${command.where}: ${why}:\n${command.text}\n--- its output:\n${last.slice(last.indexOf('\n') + 1)}`);
  });
});
