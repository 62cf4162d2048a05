import { z } from 'zod';
import { ConditionSchema } from './conditions.js';
import { DurationSchema } from './duration.js';
import { ConfigError } from './errors.js';
import { CurrencySchema } from './money.js';

/** `Name <address>` or a bare address, as SES accepts in FromEmailAddress. */
const SenderAddressSchema = z
  .string()
  .trim()
  .regex(/^(?:[^<>\r\n]+<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, {
    message: 'expected an address such as "Acme <hello@acme.example>" or hello@acme.example',
  });

const SourceSettingsSchema = z.object({
  /** Accept webhooks from this source. @default false, except for the generic format */
  enabled: z.boolean(),
});

const ShopifySettingsSchema = SourceSettingsSchema.extend({
  /**
   * The shop's myshopify.com domain. When set, a `shop/redact` for any other shop is ignored instead of
   * erasing this store's data.
   */
  shopDomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, { message: 'expected a domain such as acme.myshopify.com' })
    .optional(),
});

export const LifecycleConfigSchema = z.object({
  /** The shop's name as customers know it; used in emails. */
  storeName: z.string().trim().min(1).max(100),
  sender: z.object({
    /** The From address of every email. Its domain (or the address) must be verified in SES. */
    from: SenderAddressSchema,
    /** Where replies go. @default the From address */
    replyTo: z.email().optional(),
  }),
  /** The postal address printed in every marketing email footer (CAN-SPAM, and good practice elsewhere). */
  postalAddress: z.string().trim().min(10, { message: 'a full postal address is required in every marketing email' }),
  /** The currency reports and monetary metrics are kept in. @default USD */
  reportingCurrency: CurrencySchema.default('USD'),
  /**
   * Prefix of every SES template this product creates, so that two stacks can share an account.
   * @default "lifecycle-"
   */
  templatePrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/, { message: 'letters, digits, "-" and "_" only, at most 32' })
    .default('lifecycle-'),
  sources: z
    .object({
      generic: SourceSettingsSchema.default({ enabled: true }),
      shopify: ShopifySettingsSchema.default({ enabled: false }),
      woocommerce: SourceSettingsSchema.default({ enabled: false }),
      stripe: SourceSettingsSchema.default({ enabled: false }),
    })
    .default({
      generic: { enabled: true },
      shopify: { enabled: false },
      woocommerce: { enabled: false },
      stripe: { enabled: false },
    }),
  /**
   * Exchange rates into the reporting currency: `{ EUR: 1.08 }` means 1 EUR = 1.08 reporting units.
   * Orders in a currency without a rate are recorded, counted, and left out of monetary metrics.
   * @default {}
   */
  currencyRates: z
    .record(CurrencySchema, z.number().positive({ message: 'a rate must be a positive number' }))
    .default({}),
  journeys: z
    .object({
      welcomeSeries: z
        .object({
          enabled: z.boolean().default(true),
          /** Wait between the first and the second welcome email. @default P2D */
          secondEmailAfter: DurationSchema.default('P2D'),
        })
        .default({ enabled: true, secondEmailAfter: 'P2D' }),
    })
    .default({ welcomeSeries: { enabled: true, secondEmailAfter: 'P2D' } }),
  intelligence: z
    .object({
      /** A customer is at risk once this many times their usual time between orders has passed. @default 1.5 */
      atRiskFactor: z.number().min(1).default(1.5),
      /** … and lapsed after this many times. @default 3 */
      lapsedFactor: z.number().min(1).default(3),
      /** Usual time between orders when neither the customer nor the store has enough history. @default 60 */
      defaultLatencyDays: z.number().positive().default(60),
      /** Orders from which a customer counts as loyal. @default 4 */
      loyalOrderCount: z.number().int().min(2).default(4),
      /** The top share of customers by revenue who are VIP (as are RFM champions). @default 0.05 */
      vipTopShare: z.number().gt(0).lt(1).default(0.05),
      /** How far back opens, clicks and visits count as engagement. @default P90D */
      engagementWindow: DurationSchema.default('P90D'),
      /** How long after the first order a customer is new. @default P30D */
      newCustomerWindow: DurationSchema.default('P30D'),
      /** Marketing emails without an open or click after which a subscriber is unresponsive. @default 5 */
      unresponsiveAfterEmails: z.number().int().positive().default(5),
      /** Spread of the intervals between orders (sd / mean) under which a buyer is regular. @default 0.5 */
      regularMaxVariation: z.number().positive().default(0.5),
    })
    .default({
      atRiskFactor: 1.5,
      lapsedFactor: 3,
      defaultLatencyDays: 60,
      loyalOrderCount: 4,
      vipTopShare: 0.05,
      engagementWindow: 'P90D',
      newCustomerWindow: 'P30D',
      unresponsiveAfterEmails: 5,
      regularMaxVariation: 0.5,
    }),
  /** Segments of your own, in the condition language journeys use (docs/intelligence.md). @default [] */
  segments: z
    .array(
      z.object({
        id: z
          .string()
          .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'expected lower-case letters, digits, "-" and "_"' }),
        name: z.string().min(1).optional(),
        condition: ConditionSchema,
      }),
    )
    .default([]),
  dispatcher: z
    .object({
      /** Partitions of the due-timer index; more spreads writes of very large stores. @default 8 */
      dueShards: z.number().int().min(1).max(64).default(8),
      /** How long a claimed timer is reserved for one dispatcher before another may take it. @default PT2M */
      lease: DurationSchema.default('PT2M'),
    })
    .default({ dueShards: 8, lease: 'PT2M' }),
});

/** The configuration as written in lifecycle.config.ts (defaults optional). */
export type LifecycleConfigInput = z.input<typeof LifecycleConfigSchema>;
/** The configuration after validation, with every default filled in. */
export type LifecycleConfig = z.output<typeof LifecycleConfigSchema>;

/** Identity function that gives lifecycle.config.ts its types. */
export function defineConfig(config: LifecycleConfigInput): LifecycleConfigInput {
  return config;
}

/** Validates a configuration; throws {@link ConfigError} naming the first invalid field. */
export function parseConfig(input: unknown): LifecycleConfig {
  const result = LifecycleConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
  }
  return result.data;
}
