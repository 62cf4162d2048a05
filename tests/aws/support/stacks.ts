import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { LifecycleConfig } from '../../../functions/domain/config.js';
import { LifecycleStack } from '../../../lib/lifecycle-stack.js';
import { ALL_SOURCES, repositoryConfig, testConfig } from '../../helpers/config.js';
import { type CfnTemplate, DeployedTemplate, EXAMPLE_DEPLOYMENT } from './deployed-template.js';

/** The template of the stack built with `config`, as `npx cdk synth` writes it (functions not bundled). */
export function synthesize(config: LifecycleConfig): CfnTemplate {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LifecycleStack(app, EXAMPLE_DEPLOYMENT.stackName, {
    config,
    env: { account: EXAMPLE_DEPLOYMENT.account, region: EXAMPLE_DEPLOYMENT.region },
  });
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

/** The stacks the AWS checks read: this repository's configuration, and every option switched on. */
export function stackVariants(): { name: string; config: LifecycleConfig; template: DeployedTemplate }[] {
  const everything = testConfig({
    sender: { from: 'Test Shop <shop@mail.shop.example.com>' },
    sources: { ...ALL_SOURCES, shopify: { enabled: true, shopDomain: 'test-shop.myshopify.com' } },
    deliverability: { domain: { name: 'mail.shop.example.com' } },
    alarmEmail: 'ops@shop.example.com',
    report: { recipients: ['marketing@shop.example.com'], timeZone: 'Europe/Paris' },
    api: {
      domain: {
        name: 'hooks.shop.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/0d8f6a52-3c51-4f55-9c4a-1a0b2c3d4e5f',
      },
    },
  });
  return [
    { name: 'lifecycle.config.ts', config: repositoryConfig() },
    { name: 'every option on', config: everything },
  ].map((variant) => ({ ...variant, template: new DeployedTemplate(synthesize(variant.config)) }));
}
