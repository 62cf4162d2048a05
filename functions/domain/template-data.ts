import { TemplateLinkSchema } from './web-address.js';
import * as z from './zod.js';

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
 * template can say something else without it. Each built-in template's contract extends it, in the journey
 * module that owns the template (functions/domain/journeys/<id>/journey.ts).
 */
export const CommonTemplateDataSchema = z.object({
  firstName: z.string().check(z.maxLength(50)),
  storeName: z.string().check(z.minLength(1)),
  storeUrl: TemplateLinkSchema,
  unsubscribeUrl: TemplateLinkSchema,
  postalAddress: z.string().check(z.minLength(1)),
  /**
   * The subject of an experiment's subject variant (docs/campaigns.md#experiments), for a subject that reads
   * `{{#if experimentSubject}}{{experimentSubject}}{{else}}…{{/if}}`; absent for every other send.
   */
  experimentSubject: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type CommonTemplateData = z.infer<typeof CommonTemplateDataSchema>;

/** A template's name: its folder in the templates directory, and (with the stack's prefix) its name in SES. */
export const TemplateNameSchema = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    message: 'expected a template name: lower-case letters, digits and "-", as the folder in templates/',
  }),
);
