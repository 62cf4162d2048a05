import { z } from 'zod';
import type { LifecycleConfig } from './config.js';
import type { Customer } from './customer.js';

/**
 * Template data contracts. SES renders stored templates with Handlebars and does not HTML-escape the
 * values, so every value that comes from a customer is made safe here, once, for every part of the email:
 * no control characters (a CR/LF in a name must never reach a header or split a line) and no markup
 * characters (a name must never become HTML).
 */
export function plainText(value: string, maxLength = 100): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/[<>"`]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, maxLength)
  );
}

/** Data every template receives: the person's name, the store, and the footer's legal parts. */
export const CommonTemplateDataSchema = z.object({
  firstName: z.string().min(1),
  storeName: z.string().min(1),
  unsubscribeUrl: z.url(),
  postalAddress: z.string().min(1),
});
export type CommonTemplateData = z.infer<typeof CommonTemplateDataSchema>;

/** The contract of each template in templates/: the variables its sender provides. */
export const TEMPLATE_CONTRACTS = {
  'welcome-1': CommonTemplateDataSchema,
  'welcome-2': CommonTemplateDataSchema,
} as const satisfies Record<string, z.ZodType>;

export type TemplateName = keyof typeof TEMPLATE_CONTRACTS;

export function isKnownTemplate(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATE_CONTRACTS, name);
}

/** Greeting used when a customer's first name is unknown or empty once made safe. */
export const FIRST_NAME_FALLBACK = 'there';

/** Builds and checks the TemplateData of a send against the template's contract. */
export function buildTemplateData(
  template: string,
  customer: Customer,
  context: { readonly config: LifecycleConfig; readonly unsubscribeUrl: string },
): Record<string, unknown> {
  const firstName = plainText(customer.firstName ?? '', 50) || FIRST_NAME_FALLBACK;
  const common: CommonTemplateData = {
    firstName,
    storeName: context.config.storeName,
    unsubscribeUrl: context.unsubscribeUrl,
    postalAddress: context.config.postalAddress,
  };
  const contract: z.ZodType = isKnownTemplate(template) ? TEMPLATE_CONTRACTS[template] : CommonTemplateDataSchema;
  return contract.parse(common) as Record<string, unknown>;
}
