import { z } from 'zod';
import { TemplateLinkSchema } from './web-address.js';

/** Half of a surrogate pair, with no other half next to it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Characters that change how the text around them is shown without being seen: the bidirectional
 * embeddings, overrides and isolates (U+202A–202E, U+2066–2069; a U+202E in a name reverses the rest of a
 * subject), the zero-width characters and direction marks (U+200B–200F), the word joiner and invisible
 * operators (U+2060–2064), the Arabic letter mark (U+061C), the Mongolian vowel separator (U+180E) and the
 * byte order mark (U+FEFF). Emoji joined by U+200D show as their parts.
 */
const INVISIBLE_FORMATTING = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * Template data contracts. SES renders stored templates with Handlebars and does not HTML-escape the
 * values, so every value that comes from a customer is made safe here, once, for every part of the email:
 * no control characters (a CR/LF in a name must never reach a header or split a line), no markup
 * characters (a name must never become HTML), and no invisible formatting characters (a name must never
 * reverse or hide the text around it).
 */
export function plainText(value: string, maxLength = 100): string {
  return (
    value
      .replace(INVISIBLE_FORMATTING, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      // Half a surrogate pair is no character: SES would render it as U+FFFD, or not at all.
      .replace(LONE_SURROGATE, '')
      .replace(/[<>"`]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, maxLength)
      // The cut must not split an emoji (or any pair) either, nor leave a space at the end.
      .replace(/[\ud800-\udbff]$/, '')
      .trimEnd()
  );
}

/**
 * Data every template receives: the person's name, the store, and the footer's legal parts. `firstName` is
 * empty when the customer gave none (or nothing of it is left once made safe): always present, so that SES
 * renders a template that prints it anyway, and false in `{{#if firstName}}…{{else}}…{{/if}}`, so that a
 * template can say something else without it.
 */
export const CommonTemplateDataSchema = z.object({
  firstName: z.string().max(50),
  storeName: z.string().min(1),
  storeUrl: TemplateLinkSchema,
  unsubscribeUrl: TemplateLinkSchema,
  postalAddress: z.string().min(1),
});
export type CommonTemplateData = z.infer<typeof CommonTemplateDataSchema>;

const Text = z.string().min(1);
const Items = z.array(z.object({ name: Text, quantity: z.number().int().positive() })).max(10);
const Discount = { discountCode: z.string().optional(), discountText: z.string().optional() };
const with_ = <T extends z.ZodRawShape>(shape: T) => CommonTemplateDataSchema.extend(shape);

/**
 * The contract of each template in templates/: the variables its sender provides. A marketer may use
 * any of them, and only them (`lifecycle templates lint` checks it). Money is pre-formatted text in the
 * store's currency; lists are at most ten entries.
 */
export const TEMPLATE_CONTRACTS = {
  'welcome-1': CommonTemplateDataSchema,
  'welcome-2': CommonTemplateDataSchema,
  'welcome-3': with_(Discount),
  'thank-you-first': with_({ orderNumber: z.string(), items: Items }),
  'thank-you-repeat': with_({ orderNumber: z.string(), orderCount: z.number().int().positive(), items: Items }),
  'repeat-incentive': with_({ discountCode: Text, discountText: Text, validDays: z.number().int().positive() }),
  'review-request': with_({ reviewUrl: TemplateLinkSchema, items: Items }),
  'referral-request': with_({ referralUrl: TemplateLinkSchema, referralReward: Text }),
  'nps-survey': with_({
    npsLinks: z.array(z.object({ score: z.number().int().min(0).max(10), url: TemplateLinkSchema })).length(11),
  }),
  'support-follow-up': with_({ supportEmail: z.email() }),
  'replenishment-reminder': with_({ productName: Text, reorderUrl: TemplateLinkSchema }),
  'cross-sell': with_({
    basedOn: Text,
    recommendations: z
      .array(z.object({ name: Text, url: TemplateLinkSchema }))
      .min(1)
      .max(10),
  }),
  'vip-welcome': with_({ vipPerk: Text, ...Discount }),
  'win-back-1': with_({ daysSinceLastOrder: z.number().int().nonnegative(), ...Discount }),
  'win-back-2': with_({ daysSinceLastOrder: z.number().int().nonnegative(), ...Discount }),
  'confirm-subscription': with_({ confirmUrl: TemplateLinkSchema, validDays: z.number().int().positive() }),
  're-engagement-1': with_({ keepSubscribedUrl: TemplateLinkSchema }),
  're-engagement-2': with_({ keepSubscribedUrl: TemplateLinkSchema }),
  'abandoned-checkout-1': with_({
    checkoutUrl: TemplateLinkSchema,
    items: z.array(z.object({ name: Text, quantity: z.number().int().positive(), price: Text })).max(10),
    total: Text,
  }),
  'abandoned-checkout-2': with_({
    checkoutUrl: TemplateLinkSchema,
    items: z.array(z.object({ name: Text, quantity: z.number().int().positive(), price: Text })).max(10),
    total: Text,
    ...Discount,
  }),
} as const satisfies Record<string, z.ZodType>;

export type TemplateName = keyof typeof TEMPLATE_CONTRACTS;

/** A template's name: its folder in the templates directory, and (with the stack's prefix) its name in SES. */
export const TemplateNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
  message: 'expected a template name: lower-case letters, digits and "-", as the folder in templates/',
});

export function isKnownTemplate(name: string): name is TemplateName {
  return Object.hasOwn(TEMPLATE_CONTRACTS, name);
}
