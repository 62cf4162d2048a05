import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LifecycleStack } from '../../lib/lifecycle-stack.js';
import { testConfig } from '../helpers/config.js';

function synth(config = testConfig()): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LifecycleStack(app, 'Test', { config, env: { account: '123456789012', region: 'eu-west-1' } });
  return Template.fromStack(stack);
}

const secretsOf = (template: Template) =>
  Object.entries(template.findResources('AWS::SecretsManager::Secret')).filter(([id]) =>
    id.startsWith('OfferCodesSecret'),
  );

describe('the offer codes of a shop, in the stack', { timeout: 180_000 }, () => {
  it('with Shopify making the codes: a secret for its token, named in an output, that only the dispatcher reads', () => {
    const template = synth(testConfig({ offerCodes: { provider: 'shopify', shop: 'example.myshopify.com' } }));
    const [[secretId] = []] = secretsOf(template);
    expect(secretId).toBeDefined();
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]?.Properties.Roles)).toMatch(/Dispatcher/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Claims due journey steps'),
      Environment: { Variables: Match.objectLike({ OFFER_CODES_SECRET_ARN: { Ref: secretId } }) },
    });
    expect(Object.keys(template.findOutputs('*')).some((name) => name.includes('OfferCodesSecretName'))).toBe(true);
  });

  it('with WooCommerce making the codes: a secret for its REST API key, that only the dispatcher reads', () => {
    const template = synth(testConfig({ offerCodes: { provider: 'woocommerce', site: 'https://shop.example.com' } }));
    const [[secretId, secret] = []] = secretsOf(template);
    expect(secretId).toBeDefined();
    expect(JSON.stringify(secret)).toContain('consumerKey');
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]?.Properties.Roles)).toMatch(/Dispatcher/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Claims due journey steps'),
      Environment: { Variables: Match.objectLike({ OFFER_CODES_SECRET_ARN: { Ref: secretId } }) },
    });
  });

  it('with Stripe making the codes: a secret for its restricted key, that only the dispatcher reads', () => {
    const template = synth(testConfig({ offerCodes: { provider: 'stripe' } }));
    const [[secretId, secret] = []] = secretsOf(template);
    expect(secretId).toBeDefined();
    expect(JSON.stringify(secret)).toContain('Promotion codes');
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers).toHaveLength(1);
    expect(JSON.stringify(readers[0]?.Properties.Roles)).toMatch(/Dispatcher/);
  });

  it('with codes from the pool (the default): no such secret', () => {
    expect(secretsOf(synth())).toEqual([]);
  });

  it('refuses a shop that is no myshopify.com domain, naming the field', () => {
    expect(() => testConfig({ offerCodes: { provider: 'shopify', shop: 'https://evil.example/x' } })).toThrow(
      'offerCodes.shop',
    );
  });

  it('refuses a WooCommerce site that is no https address, naming the field', () => {
    for (const site of ['http://shop.example.com', 'https://shop.example.com/?x=<b>', 'shop.example.com']) {
      expect(() => testConfig({ offerCodes: { provider: 'woocommerce', site } })).toThrow('offerCodes.site');
    }
  });
});
