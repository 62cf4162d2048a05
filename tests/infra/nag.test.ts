import { readFileSync } from 'node:fs';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { GUARD_RULE_PREFIX } from '../../lib/policy-checks.js';
import { ALL_SOURCES, testConfig } from '../helpers/config.js';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: it reports through the validation report of a synthesis
 * (or `validateScope`), not through annotations, and rules are acknowledged with
 * `Validations.of(construct).acknowledge({ id, reason })` at the narrowest construct.
 */

/** Every source enabled, a sending domain and an alarm address: every resource the stack can have. */
const everything = testConfig({
  sources: ALL_SOURCES,
  sender: { from: 'Test Shop <shop@mail.shop.example.com>' },
  deliverability: { domain: { name: 'mail.shop.example.com' } },
  api: {
    domain: {
      name: 'hooks.shop.example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0d8f6a52-3c51-4f55-9c4a-1a0b2c3d4e5f',
    },
  },
  alarmEmail: 'ops@example.com',
  report: { recipients: ['marketing@example.com'] },
});

function stackOf(config = testConfig(), env?: { account: string; region: string }): { app: App; stack: Stack } {
  // Bundling is exercised by the synth test; here it is skipped to keep the checks fast.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new LifecycleStack(app, 'Test', { config, ...(env ? { env } : {}) }) };
}

/** The findings cdk-nag reports, one line per resource, for a readable failure. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) =>
        `${violation.severity} ${violation.ruleName} at ${resource.constructPath}: ${violation.description}`,
    ),
  );
}

/** Every acknowledgment in the tree: rule id (as cdk-nag reads it), where, and why. */
function acknowledgments(scope: IConstruct): { id: string; path: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          path: construct.node.path,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions checks', { timeout: 120_000 }, () => {
  it('finds no unacknowledged error or warning in the stack as configured by default', () => {
    const { stack } = stackOf(testConfig(), { account: '123456789012', region: 'eu-west-1' });
    expect(findings(stack)).toEqual([]);
  });

  it('finds none with every source, a sending domain and an alarm address, in any account and region', () => {
    expect(findings(stackOf(everything, { account: '123456789012', region: 'us-east-1' }).stack)).toEqual([]);
    // Environment-agnostic: ARNs hold pseudo parameters, and the acknowledgments must still match.
    expect(findings(stackOf(everything).stack)).toEqual([]);
  });

  it('passes as a validation plugin of a real synthesis, which fails on any violation', () => {
    const { app } = stackOf(everything, { account: '123456789012', region: 'eu-west-1' });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('acknowledges rules only on resources, never on the stack, each with its own reason', () => {
    const { stack } = stackOf(everything, { account: '123456789012', region: 'eu-west-1' });
    // Guard's rules are acknowledged the same way, under their own prefix (tests/aws/template-checkers.test.ts).
    const all = acknowledgments(stack).filter((a) => !a.id.startsWith(GUARD_RULE_PREFIX));
    expect(all.length).toBeGreaterThan(0);
    for (const acknowledgment of all) {
      expect(acknowledgment.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      // Never the whole stack or a whole capability: the construct the finding is on, or its function.
      expect(acknowledgment.path.split('/').length, acknowledgment.path).toBeGreaterThanOrEqual(3);
      expect(acknowledgment.reason.length, `${acknowledgment.id} at ${acknowledgment.path}`).toBeGreaterThan(60);
    }
    // Wildcards are acknowledged finding by finding (AwsSolutions-IAM5[Resource::…]), never for the rule.
    expect(all.filter((a) => a.id === 'AwsSolutions-IAM5')).toEqual([]);
  });

  it('lists every acknowledged rule in the runbook, with its reason', () => {
    const { stack } = stackOf(everything, { account: '123456789012', region: 'eu-west-1' });
    const runbook = readFileSync('docs/operations.md', 'utf8');
    const start = runbook.indexOf('## Security checks of the infrastructure');
    expect(start, 'docs/operations.md has a "Security checks of the infrastructure" section').toBeGreaterThan(-1);
    const section = runbook.slice(start, runbook.indexOf('\n## ', start + 1));
    const rules = new Set(
      acknowledgments(stack)
        .filter((a) => !a.id.startsWith(GUARD_RULE_PREFIX))
        .map((a) => a.id.replace(/\[.*\]$/, '')),
    );
    for (const rule of rules) expect(section, `${rule} is listed`).toContain(`| \`${rule}`);
  });
});
