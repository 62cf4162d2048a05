import type { LifecycleConfig } from './config.js';
import { builtInTemplateData, builtInTemplateProducts } from './journeys/catalogue.js';
import type { TemplateContext as JourneyTemplateContext, TemplateDataResult } from './journeys/journey-module.js';
import { npsLinks, storeData, supportAddress } from './journeys/shared.js';
import type { ProductRef } from './product-cards.js';
import { type CommonTemplateData, CommonTemplateDataSchema, plainText } from './template-data.js';

/*
 * The template data of a send (and of a preview), built from the configuration, the customer and the run,
 * and checked against the template's contract. A built-in template's own data and contract come from the
 * journey module that owns it (journeys/<id>/journey.ts); any other template gets the common data.
 */

/** Everything the template data of a send may draw on. */
export type TemplateContext = JourneyTemplateContext<LifecycleConfig>;
export type { TemplateDataResult };

/**
 * Builds the TemplateData of a send from the customer, the run and the store, and checks it against
 * the template's contract. Every text from a customer or a storefront is made safe with {@link plainText}.
 */
export function buildTemplateData(template: string, context: TemplateContext): TemplateDataResult {
  const { config, customer } = context;
  const common: CommonTemplateData = {
    firstName: plainText(customer.firstName ?? '', 50),
    ...storeData(config),
    unsubscribeUrl: context.links.unsubscribeUrl,
  };
  const builtIn = builtInTemplateData(template, context);
  const specific = builtIn?.result ?? { data: {} };
  if ('skip' in specific) return specific;
  const contract = builtIn?.contract ?? CommonTemplateDataSchema;
  return { data: contract.parse({ ...common, ...specific.data }) as Record<string, unknown> };
}

/**
 * The catalogue products the data of `template` may show in this send, to read (services/read-catalogue.ts)
 * into `context.catalogue` before {@link buildTemplateData}: none for a template no built-in journey owns.
 */
export function templateProducts(template: string, context: TemplateContext): readonly ProductRef[] {
  return builtInTemplateProducts(template, context);
}

/**
 * The data of a preview from a template's sample (templates/NAME/sample.json): the sample's own texts, with
 * what belongs to a store taken from the configuration (name, site, postal address, support address), the
 * sample store's links moved onto the configured site, and the signed links made by `links` as for a send.
 * A preview so never links to the sample's made-up brand, nor to its made-up tokens.
 */
export function sampleTemplateData(
  sample: Readonly<Record<string, unknown>>,
  config: LifecycleConfig,
  links: TemplateContext['links'],
): Record<string, unknown> {
  const sampleSite = typeof sample.storeUrl === 'string' ? sample.storeUrl.replace(/\/+$/, '') : undefined;
  const site = config.storeUrl.replace(/\/+$/, '');
  const onSite = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const rest = sampleSite && value.startsWith(sampleSite) ? value.slice(sampleSite.length) : undefined;
      return rest !== undefined && /^(?:$|[/?#])/.test(rest) ? `${site}${rest}` : value;
    }
    if (Array.isArray(value)) return value.map(onSite);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, onSite(inner)]));
    }
    return value;
  };
  const has = (key: string) => Object.hasOwn(sample, key);
  return {
    ...(onSite(sample) as Record<string, unknown>),
    ...storeData(config),
    unsubscribeUrl: links.unsubscribeUrl,
    ...(has('keepSubscribedUrl') ? { keepSubscribedUrl: links.keepSubscribedUrl } : {}),
    ...(has('confirmUrl') ? { confirmUrl: links.confirmUrl } : {}),
    ...(has('npsLinks') ? { npsLinks: npsLinks(links) } : {}),
    ...(has('supportEmail') ? { supportEmail: supportAddress(config) } : {}),
  };
}
