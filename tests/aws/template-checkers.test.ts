import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { LifecycleConfig } from '../../functions/domain/config.js';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { GUARD_RULE_PREFIX, policyChecks } from '../../lib/policy-checks.js';
import { runSync } from '../helpers/processes.js';
import { stackVariants, synthesize } from './support/stacks.js';

/*
 * AWS's own checkers of CloudFormation templates: cfn-lint (the resource specification: types, properties,
 * values, references) and the Guard rules of AWS Control Tower's proactive controls, run by the CDK's
 * policy-validation plugin on every synthesis (bin/app.ts), next to cdk-nag.
 */

const variants = stackVariants();

/** A synthesis with every check of bin/app.ts; throws the validation report when a check fails. */
function synthesizeChecked(config: LifecycleConfig, extend?: (stack: LifecycleStack) => void): void {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Validations.of(app).addPlugins(...policyChecks(app));
  const stack = new LifecycleStack(app, 'Checked', { config, env: { account: '111122223333', region: 'eu-west-1' } });
  extend?.(stack);
  app.synth();
}

describe('cfn-lint', () => {
  const version = runSync('cfn-lint', ['--version']);

  it('is installed', () => {
    expect(
      version.status,
      'cfn-lint is not installed: `pip install cfn-lint` (Python 3.9+), or `apt-get install cfn-lint` on Debian, then run npm test again',
    ).toBe(0);
  });

  it.each(variants)(
    'finds no error in the template built from $name',
    ({ config }) => {
      const directory = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
      try {
        const file = join(directory, 'Lifecycle.template.json');
        writeFileSync(file, JSON.stringify(synthesize(config)));
        const result = runSync('cfn-lint', ['--format', 'json', '--non-zero-exit-code', 'error', '--', file], {
          env: { HOME: directory },
          timeoutMs: 120_000,
        });
        const findings = JSON.parse(result.stdout || '[]') as {
          Level: string;
          Rule: { Id: string };
          Message: string;
        }[];
        const errors = findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`);
        expect(errors).toEqual([]);
        expect(result.status, result.stderr).toBe(0);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

describe("AWS's Guard rules (Control Tower proactive controls)", () => {
  it.each(variants)(
    'find nothing unacknowledged in the stack built from $name',
    ({ config }) => {
      expect(() => synthesizeChecked(config)).not.toThrow();
    },
    120_000,
  );

  it('stop a synthesis on a resource that breaks one, naming the rule and the resource', () => {
    const config = variants[0]?.config as LifecycleConfig;
    let report = '';
    try {
      synthesizeChecked(config, (stack) => {
        new LogGroup(stack, 'Unchecked', { removalPolicy: RemovalPolicy.DESTROY });
      });
    } catch (error) {
      report = String(error);
    }
    expect(report).toContain('CT.CLOUDWATCH.PR.3');
    expect(report).toContain('Checked/Unchecked');
  }, 120_000);

  it('are each acknowledged on the construct they concern, and listed in the runbook with the reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new LifecycleStack(app, 'Checked', { config: variants[1]?.config as LifecycleConfig });
    const rules = new Set(
      acknowledgedIds(stack)
        .filter((id) => id.startsWith(GUARD_RULE_PREFIX))
        .map((id) => id.slice(GUARD_RULE_PREFIX.length)),
    );
    expect(rules.size).toBeGreaterThan(0);
    const runbook = readFileSync('docs/operations.md', 'utf8');
    const start = runbook.indexOf('## Security checks of the infrastructure');
    const section = runbook.slice(start, runbook.indexOf('\n## ', start + 1));
    for (const rule of rules) expect(section, `${rule} is listed`).toContain(`\`${rule}\``);
  });
});

function acknowledgedIds(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.keys(entry.data as Record<string, string>)),
    );
}
