import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { BUNDLED_CONFIG_NAME } from '../functions/adapters/config.js';
import { bundledConfigValue } from '../functions/adapters/config-bundling.js';
import { PACKAGE_ROOT } from '../functions/adapters/package-files.js';
import type { LifecycleConfig } from '../functions/domain/config.js';
import { acknowledgeLogGroupChecks, acknowledgeNoVpc } from './policy-checks.js';
import { stackMetricsNamespace } from './product-metrics.js';

/** Where the functions' entries are: the sources in this repository, the compiled ones in the package. */
const HANDLERS = join(import.meta.dirname, '..', 'functions', 'handlers');

/** The file of a function's entry: its TypeScript source where there is one, else the compiled module. */
export function handlerEntry(handler: string): string {
  const source = join(HANDLERS, `${handler}.ts`);
  return existsSync(source) ? source : join(HANDLERS, `${handler}.js`);
}

/** A module of functions/adapters/ as a bundle takes it: its TypeScript source here, the compiled one in the package. */
function adapterModule(name: string): string {
  const source = join(HANDLERS, '..', 'adapters', `${name}.ts`);
  return existsSync(source) ? source : join(HANDLERS, '..', 'adapters', `${name}.js`);
}

/**
 * The packages a bundle replaces with one of ours (esbuild `alias`): the SDK clients' default credential chain
 * with the execution role's credentials from the environment, which is where Lambda puts them
 * (functions/adapters/lambda-credentials.ts); the SDK's event-stream marshalling, which no operation the
 * functions call uses, with a module that refuses it (functions/adapters/lambda-event-streams.ts); and the LRU
 * cache of the DynamoDB client's endpoint cache with one over a Map (functions/adapters/lambda-lru-cache.ts).
 */
export function bundleAliases(): Record<string, string> {
  return {
    '@aws-sdk/credential-provider-node': adapterModule('lambda-credentials'),
    '@smithy/core/event-streams': adapterModule('lambda-event-streams'),
    'mnemonist/lru-cache': adapterModule('lambda-lru-cache'),
  };
}

/** Gives an ES module bundle the `require` that some dependencies still call. */
const REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);";

/**
 * How esbuild bundles every function, in the terms of esbuild's build API (the tests bundle entries of their
 * own with them): one minified ES module for Node 22, with a source map beside it for the stack traces in the
 * logs. The map leaves out the sources' text, which a stack trace does not need (only files, lines and
 * names), and Node does not read it at start (no `--enable-source-maps`): the module injected at the top of
 * each bundle maps a stack when it is first formatted, reading the map then
 * (functions/adapters/lambda-stack-traces.ts).
 */
export function lambdaBundleOptions() {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    alias: bundleAliases(),
    inject: [adapterModule('lambda-stack-traces')],
  } satisfies BuildOptions;
}

/**
 * The lockfile the bundles' dependencies are pinned by: this repository's own when it builds itself, else
 * the application's (aws-lambda-nodejs finds it from the directory `cdk` runs in).
 */
const OWN_LOCKFILE = join(PACKAGE_ROOT, 'package-lock.json');

/**
 * Context key that makes each bundle come with esbuild's metafile (`index.meta.json` beside `index.mjs`): what
 * each input file contributes, for `npm run bench` to show. Off in a deploy, where the file would ship unused.
 */
export const BUNDLE_METAFILE_CONTEXT = 'lifecycle:bundle-metafile';

const CONFIG = Symbol.for('lifecycle-engine.bundled-config');

/** Makes every LifecycleFunction under `scope` bundle `config` as the configuration it runs. */
export function bundleConfigUnder(scope: Construct, config: LifecycleConfig): void {
  (scope as unknown as Record<symbol, LifecycleConfig>)[CONFIG] = config;
}

/** The configuration the nearest enclosing LifecycleEngine bundles into its functions. */
function bundledConfigFor(scope: Construct): LifecycleConfig | undefined {
  for (const ancestor of [...scope.node.scopes].reverse()) {
    const config = (ancestor as unknown as Record<symbol, LifecycleConfig | undefined>)[CONFIG];
    if (config !== undefined) return config;
  }
  return undefined;
}

export interface LifecycleFunctionProps {
  /** File under functions/handlers/, without extension, e.g. `webhook.lambda`. */
  readonly handler: string;
  /** Powertools service name, used in logs and metric dimensions. */
  readonly serviceName: string;
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly description?: string;
}

/**
 * The Lambda runtime of every function: the same major version as the toolchain (the `node`
 * devDependency) and the esbuild target, so what the tests run is what Lambda runs.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;

/**
 * Every function of the stack: Node.js 22 on arm64, bundled locally by esbuild into one ES module (no
 * Docker), JSON logs kept for a month, Powertools configured through the environment. Its role may write
 * its own log group and nothing else until a construct grants more (no AWS managed policy, whose log
 * permissions cover every log group of the account).
 */
export class LifecycleFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LifecycleFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.serviceName} function`,
    });
    logGroup.grantWrite(role);
    const config = bundledConfigFor(scope);
    const esbuild = lambdaBundleOptions();
    super(scope, id, {
      role,
      entry: handlerEntry(props.handler),
      handler: 'handler',
      ...(existsSync(OWN_LOCKFILE) ? { projectRoot: PACKAGE_ROOT, depsLockFilePath: OWN_LOCKFILE } : {}),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      description: props.description,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: stackMetricsNamespace(scope),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: esbuild.target,
        minify: esbuild.minify,
        sourceMap: esbuild.sourcemap,
        sourcesContent: esbuild.sourcesContent,
        mainFields: esbuild.mainFields,
        banner: esbuild.banner.js,
        inject: esbuild.inject,
        externalModules: [],
        metafile: scope.node.tryGetContext(BUNDLE_METAFILE_CONTEXT) === true,
        esbuildArgs: { '--alias': Object.entries(esbuild.alias).map(([name, path]) => `${name}=${path}`) },
        // The configuration the stack was built with is what its functions run (functions/adapters/config.ts).
        ...(config ? { define: { [BUNDLED_CONFIG_NAME]: JSON.stringify(bundledConfigValue(config)) } } : {}),
        // esbuild's warnings and errors, not its summary of every bundle: a synth says nothing unless
        // something is wrong (see quietBundling for aws-cdk-lib's own line).
        logLevel: LogLevel.WARNING,
      },
    });
    acknowledgeLogGroupChecks(logGroup);
    acknowledgeNoVpc(this);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 on purpose: the same major as the toolchain (node devDependency) and the esbuild target node22, so tests run what Lambda runs. Lambda supports nodejs22.x until Node.js 22 ends (April 2027); move runtime, toolchain and target together.',
    });
  }
}

/**
 * Drops the `Bundling asset <path>...` line aws-cdk-lib writes to stderr for every function it bundles
 * (there is no option for it), so that `cdk synth --quiet` prints nothing unless something is wrong. The
 * CDK CLI does not tell the app whether it was asked to be quiet, so the line goes in every synth; esbuild's
 * warnings and errors, and every other line, still show.
 */
export function quietBundling(stream: NodeJS.WriteStream = process.stderr): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && /^Bundling asset [^\n]*\.\.\.\n$/.test(chunk)
      ? true
      : write(chunk, ...rest)) as typeof stream.write;
}
