import { CampaignSchema } from './campaigns/campaign.js';
import { ConditionSchema } from './conditions.js';
import { DurationSchema } from './duration.js';
import { ConfigError } from './errors.js';
import { enabledOfferSteps, JourneySettingsSchema, journeyIssue } from './journeys/catalogue.js';
import { JourneyDefinitionSchema } from './journeys/definition.js';
import { CurrencySchema } from './money.js';
import { closestMatch } from './suggest.js';
import { WebAddressSchema } from './web-address.js';
import { WEEKDAYS } from './weekdays.js';
import * as z from './zod.js';

/** `Name <address>` or a bare address, as SES accepts in FromEmailAddress. */
const SenderAddressSchema = z.string().check(
  z.trim(),
  z.regex(/^(?:[^<>\r\n]+<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, {
    message: 'expected an address such as "Acme <hello@acme.example>" or hello@acme.example',
  }),
);

const SourceSettingsSchema = z.strictObject({
  /** Accept webhooks from this source. @default false, except for the generic format */
  enabled: z.boolean(),
});

const ShopifySettingsSchema = z.extend(SourceSettingsSchema, {
  /**
   * The shop's myshopify.com domain. When set, every compliance request (`shop/redact`, `customers/redact`,
   * `customers/data_request`) must name it in its signed body, or it is refused instead of erasing or
   * exporting this store's data.
   */
  shopDomain: z.optional(
    z
      .string()
      .check(
        z.regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, { message: 'expected a domain such as acme.myshopify.com' }),
      ),
  ),
  /**
   * The shop's currency in Shopify: product payloads (`products/*`) give prices without one.
   * @default the reporting currency
   */
  currency: z.optional(CurrencySchema),
});

/** A web page's origin as a browser sends it: scheme, host and port when not the default, nothing else. */
const OriginSchema = z.string().check(
  z.regex(/^https?:\/\/(?:[a-z0-9-]+\.)*[a-z0-9-]+(?::\d{1,5})?$/, {
    message: 'expected an origin such as https://shop.example.com (lower case, no path, no trailing slash)',
  }),
);

/** One public write key of `POST /collect` (docs/collect.md). */
const CollectKeySchema = z.strictObject({
  /** A short name of the key, in metrics, logs and event ids: `[a-z0-9-]`, at most 32. */
  name: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { message: 'expected lower-case letters, digits and "-"' })),
  /** The key the snippet sends. Public, not a secret: it is in every page of the shop. */
  writeKey: z
    .string()
    .check(z.regex(/^[A-Za-z0-9_-]{16,64}$/, { message: 'expected 16 to 64 letters, digits, "-" or "_"' })),
  /** The origins whose pages may send with this key (CORS): `https://shop.example.com`. At most 20. */
  origins: z.array(OriginSchema).check(z.minLength(1), z.maxLength(20)),
  /** The source its events count as, for aliases and metrics. @default generic */
  source: z._default(z.enum(['generic', 'shopify', 'woocommerce', 'stripe']), 'generic'),
});
export type CollectKey = z.output<typeof CollectKeySchema>;

const WooCommerceSettingsSchema = z.extend(SourceSettingsSchema, {
  /**
   * The shop's currency in WooCommerce: product payloads (`product.*`) give prices without one.
   * @default the reporting currency
   */
  currency: z.optional(CurrencySchema),
});

/** A DNS name such as mail.example.com (lower case). */
const DomainNameSchema = z.string().check(
  z.regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
    message: 'expected a domain name such as mail.example.com',
  }),
);

/** An IANA time zone such as Europe/Paris. */
const TimeZoneSchema = z.string().check(
  z.refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected an IANA time zone such as Europe/Paris' },
  ),
);

export { WEEKDAYS };

export const LifecycleConfigSchema = z.strictObject({
  /** The shop's name as customers know it; used in emails. */
  storeName: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  sender: z.strictObject({
    /** The From address of every email. Its domain (or the address) must be verified in SES. */
    from: SenderAddressSchema,
    /** Where replies go. @default the From address */
    replyTo: z.optional(z.email()),
  }),
  /** The shop's website, where emails send people (buttons, reorder links). */
  storeUrl: WebAddressSchema,
  /** Where customers write for help; used in the support follow-up. @default the sender address */
  supportEmail: z.optional(z.email()),
  /** Who is told when an alarm fires (deliverability, failures): subscribed to the stack's alarm topic. */
  alarmEmail: z.optional(z.email()),
  /** The postal address printed in every marketing email footer (CAN-SPAM, and good practice elsewhere). */
  postalAddress: z
    .string()
    .check(z.trim(), z.minLength(10, { message: 'a full postal address is required in every marketing email' })),
  /** Time zone of customers whose own is unknown, for quiet hours and waits. @default UTC */
  timezone: z._default(TimeZoneSchema, 'UTC'),
  /**
   * No marketing email between these local times of the customer (deferred, never dropped unless stale);
   * `false` to send at any hour. @default 21:00 to 08:00
   */
  quietHours: z._default(
    z.union([
      z.literal(false),
      z.strictObject({
        start: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time such as 21:00' })),
        end: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a time such as 08:00' })),
      }),
    ]),
    { start: '21:00', end: '08:00' },
  ),
  /** At most `max` marketing emails per `per`, across all journeys. @default 1 per 16 hours and 3 per 7 days */
  frequencyCap: z._default(
    z.array(z.strictObject({ max: z.number().check(z.int(), z.positive()), per: DurationSchema })),
    [
      { max: 1, per: 'PT16H' },
      { max: 3, per: 'P7D' },
    ],
  ),
  /** The currency reports and monetary metrics are kept in. @default USD */
  reportingCurrency: z._default(CurrencySchema, 'USD'),
  /**
   * Prefix of every SES template this product creates, so that two stacks can share an account.
   * @default "lifecycle-"
   */
  templatePrefix: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{0,32}$/, { message: 'letters, digits, "-" and "_" only, at most 32' })),
    'lifecycle-',
  ),
  /**
   * Where the codes of send steps' single-use offers come from (docs/journeys.md#offers): `pool`, the codes
   * imported with `lifecycle offers import`; `shopify`, a discount made per send through the shop's Admin
   * API, with the access token in the stack's `OfferCodesSecret`; `woocommerce`, a coupon per send through the
   * store's REST API, with its key in that secret; `stripe`, a promotion code per send, with a restricted API
   * key in that secret. @default pool
   */
  offerCodes: z._default(
    z.discriminatedUnion('provider', [
      z.strictObject({ provider: z.literal('pool') }),
      z.strictObject({
        provider: z.literal('shopify'),
        /** The shop's `*.myshopify.com` domain. */
        shop: z.string().check(
          z.regex(/^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/, {
            message: "expected the shop's domain, such as example.myshopify.com",
          }),
        ),
      }),
      z.strictObject({
        provider: z.literal('woocommerce'),
        /** The store's https address, with its path when WordPress lives under one. */
        site: z.string().check(
          z.regex(/^https:\/\/[a-z0-9.-]{1,253}(:\d{1,5})?(\/[A-Za-z0-9._~-]{1,100}){0,5}\/?$/, {
            message: "expected the store's https address, such as https://shop.example.com",
          }),
        ),
      }),
      z.strictObject({ provider: z.literal('stripe') }),
    ]),
    { provider: 'pool' },
  ),
  sources: z._default(
    z.strictObject({
      generic: z._default(SourceSettingsSchema, { enabled: true }),
      shopify: z._default(ShopifySettingsSchema, { enabled: false }),
      woocommerce: z._default(WooCommerceSettingsSchema, { enabled: false }),
      stripe: z._default(SourceSettingsSchema, { enabled: false }),
    }),
    {
      generic: { enabled: true },
      shopify: { enabled: false },
      woocommerce: { enabled: false },
      stripe: { enabled: false },
    },
  ),
  /**
   * Exchange rates into the reporting currency: `{ EUR: 1.08 }` means 1 EUR = 1.08 reporting units.
   * Orders in a currency without a rate are recorded, counted, and left out of monetary metrics.
   * @default {}
   */
  currencyRates: z._default(
    z.record(CurrencySchema, z.number().check(z.positive({ message: 'a rate must be a positive number' }))),
    {},
  ),
  /** The built-in journeys (docs/journeys.md): each can be switched off and tuned here. */
  journeys: JourneySettingsSchema,
  /**
   * The topics of the preference page: groups of journeys a person can opt out of while staying
   * subscribed to the rest. Given here, the list replaces the default one. Every enabled journey's topic
   * must be one of these. @default newsletter, orders and offers
   */
  topics: z._default(
    z.record(
      z
        .string()
        .check(z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'expected lower-case letters, digits, "-" and "_"' })),
      z.strictObject({
        /** The checkbox label, e.g. "Offers". */
        label: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
        /** One sentence under the label: what the person gets. */
        description: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(300))),
      }),
    ),
    {
      newsletter: { label: 'Newsletter', description: 'News from the shop, tips and stories.' },
      orders: {
        label: 'About your orders',
        description: 'Thank-yous, review and survey requests, and reminders when you may be running out.',
      },
      offers: { label: 'Offers', description: 'Discounts and product recommendations.' },
    },
  ),
  /**
   * The topic of a journey, by journey id, instead of its built-in one: `{ 'cross-sell': 'orders' }`.
   * @default {}
   */
  journeyTopics: z._default(z.record(z.string(), z.string()), {}),
  intelligence: z._default(
    z.strictObject({
      /** A customer is at risk once this many times their usual time between orders has passed. @default 1.5 */
      atRiskFactor: z._default(z.number().check(z.gte(1)), 1.5),
      /** … and lapsed after this many times. @default 3 */
      lapsedFactor: z._default(z.number().check(z.gte(1)), 3),
      /** Usual time between orders when neither the customer nor the store has enough history. @default 60 */
      defaultLatencyDays: z._default(z.number().check(z.positive()), 60),
      /** Orders from which a customer counts as loyal. @default 4 */
      loyalOrderCount: z._default(z.number().check(z.int(), z.gte(2)), 4),
      /** The top share of customers by revenue who are VIP (as are RFM champions). @default 0.05 */
      vipTopShare: z._default(z.number().check(z.gt(0), z.lt(1)), 0.05),
      /** How far back opens, clicks and visits count as engagement. @default P90D */
      engagementWindow: z._default(DurationSchema, 'P90D'),
      /** How long after the first order a customer is new. @default P30D */
      newCustomerWindow: z._default(DurationSchema, 'P30D'),
      /** Marketing emails without an open or click after which a subscriber is unresponsive. @default 5 */
      unresponsiveAfterEmails: z._default(z.number().check(z.int(), z.positive()), 5),
      /** Spread of the intervals between orders (sd / mean) under which a buyer is regular. @default 0.5 */
      regularMaxVariation: z._default(z.number().check(z.positive()), 0.5),
    }),
    {
      atRiskFactor: 1.5,
      lapsedFactor: 3,
      defaultLatencyDays: 60,
      loyalOrderCount: 4,
      vipTopShare: 0.05,
      engagementWindow: 'P90D',
      newCustomerWindow: 'P30D',
      unresponsiveAfterEmails: 5,
      regularMaxVariation: 0.5,
    },
  ),
  /**
   * Journeys of your own (docs/extending.md), written with `defineJourney` and validated like the built-in
   * ones; each sends templates of the templates directory. @default []
   */
  customJourneys: z._default(z.array(JourneyDefinitionSchema), []),
  /**
   * Campaigns: one email to an audience at a time, written with `defineCampaign` and driven by
   * `lifecycle campaigns` (docs/campaigns.md). Each runs as the journey `campaign-<id>`. @default []
   */
  campaigns: z._default(z.array(CampaignSchema), []),
  /** Segments of your own, in the condition language journeys use (docs/intelligence.md). @default [] */
  segments: z._default(
    z.array(
      z.strictObject({
        id: z
          .string()
          .check(
            z.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'expected lower-case letters, digits, "-" and "_"' }),
          ),
        name: z.optional(z.string().check(z.minLength(1))),
        condition: ConditionSchema,
      }),
    ),
    [],
  ),
  dispatcher: z._default(
    z.strictObject({
      /** Partitions of the due-timer index; more spreads writes of very large stores. @default 8 */
      dueShards: z._default(z.number().check(z.int(), z.gte(1), z.lte(64)), 8),
      /** How long a claimed timer is reserved for one dispatcher before another may take it. @default PT2M */
      lease: z._default(DurationSchema, 'PT2M'),
      /**
       * The fan-out (docs/campaigns.md, "Sending at scale"): how many workers run at once (the queue's event
       * source mapping's maximum concurrency, 2 to 1,000). @default 20
       */
      workers: z._default(z.number().check(z.int(), z.gte(2), z.lte(1000)), 20),
      /** Due items per queue message, one message per worker invocation. @default 50 */
      messageSize: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), 50),
      /** The most due items one planning pass (a minute) enqueues; the account's rate bounds it too. @default 100000 */
      planLimit: z._default(z.number().check(z.int(), z.gte(100), z.lte(1_000_000)), 100_000),
    }),
    { dueShards: 8, lease: 'PT2M', workers: 20, messageSize: 50, planLimit: 100_000 },
  ),
  /** Bounces, complaints, double opt-in and the sending domain (docs/deliverability.md). */
  deliverability: z.prefault(
    z.strictObject({
      /** Transient bounces in a row (no delivery between) after which an address is suppressed. @default 3 */
      softBounceLimit: z._default(z.number().check(z.int(), z.gte(1), z.lte(20)), 3),
      /**
       * Sources whose sign-ups must confirm by email before any marketing (double opt-in), e.g.
       * `['generic']`. Their consent stays `pending` until the link in the confirmation email is used.
       * @default []
       */
      doubleOptIn: z._default(z.array(z.enum(['generic', 'shopify', 'woocommerce', 'stripe'])), []),
      /** How long a confirmation link stays valid. @default P7D */
      confirmationValidFor: z._default(DurationSchema, 'P7D'),
      /**
       * A send whose template is missing or does not render is retried (and alarmed on) for this long
       * after its first failure, then dropped with its reason. @default P3D
       */
      templateRetryFor: z._default(DurationSchema, 'P3D'),
      /** Alarm thresholds on the SES account's reputation metrics, as fractions. */
      alarms: z.prefault(
        z.strictObject({
          /** SES reviews an account at 5% bounces and may pause it at 10%. @default 0.03 */
          bounceRate: z._default(z.number().check(z.gt(0), z.lt(1)), 0.03),
          /** SES reviews at 0.1% complaints; Gmail wants under 0.3% and ideally 0.1%. @default 0.0008 */
          complaintRate: z._default(z.number().check(z.gt(0), z.lt(1)), 0.0008),
        }),
        {},
      ),
      /**
       * The sending domain, verified with Easy DKIM and a custom MAIL FROM domain by the stack. The DNS
       * records to add are printed as stack outputs. Leave out to manage the identity yourself.
       */
      domain: z.optional(
        z.strictObject({
          name: DomainNameSchema,
          /** The MAIL FROM subdomain (bounce handling, SPF alignment). @default bounce */
          mailFromSubdomain: z._default(z.string().check(z.regex(/^[a-z0-9-]{1,63}$/)), 'bounce'),
        }),
      ),
    }),
    {},
  ),
  /** On-site signals from browsers, `POST /collect` (docs/collect.md). */
  collect: z.prefault(
    z.strictObject({
      /** The public write keys and the origins each allows. None: every request is refused. @default [] */
      keys: z._default(z.array(CollectKeySchema).check(z.maxLength(20)), []).check(
        z.refine((keys) => new Set(keys.map((key) => key.name)).size === keys.length, {
          message: 'every key has a name of its own',
        }),
        z.refine((keys) => new Set(keys.map((key) => key.writeKey)).size === keys.length, {
          message: 'every key has a write key of its own',
        }),
      ),
      /** Requests one IP address may send per minute, across every key; beyond, 429. @default 120 */
      perIpPerMinute: z._default(z.number().check(z.int(), z.positive(), z.lte(100_000)), 120),
      /** Requests one key accepts per minute, from everyone; beyond, 429. @default 6000 */
      perKeyPerMinute: z._default(z.number().check(z.int(), z.positive(), z.lte(1_000_000)), 6000),
    }),
    {},
  ),
  /**
   * The weekly report by email (docs/campaigns.md#the-weekly-report): each week, at a local hour of a
   * weekday, the team's addresses get the week's key figures and a link to the full HTML report, kept
   * privately for 90 days. Leave out for no weekly email (and no job in the stack).
   */
  report: z.optional(
    z.strictObject({
      /** The team's addresses (not customers'): at most 10. */
      recipients: z.array(z.email()).check(z.minLength(1), z.maxLength(10)),
      /** The day of the week it is sent. @default monday */
      weekday: z._default(z.enum(WEEKDAYS), 'monday'),
      /** The local hour it is sent, 0–23. @default 8 */
      hour: z._default(z.number().check(z.int(), z.gte(0), z.lte(23)), 8),
      /** The time zone of that hour. @default the store's `timezone` */
      timeZone: z.optional(TimeZoneSchema),
      /** How long the link in the email opens the report. @default P7D */
      linkValidFor: z._default(DurationSchema, 'P7D'),
    }),
  ),
  /** The public API: storefront webhooks, and the unsubscribe, preference and confirmation links of emails. */
  api: z.prefault(
    z.strictObject({
      /**
       * A domain of the store for the API (e.g. `hooks.shop.example.com`), so that the links in emails show
       * it instead of an `execute-api` address: the name, and the ARN of an ACM certificate for it in the
       * stack's region. The stack outputs the DNS record to add (docs/deploy.md). Leave out to use the API's
       * own address.
       */
      domain: z.optional(
        z.strictObject({
          name: DomainNameSchema,
          certificateArn: z.string().check(
            z.regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, {
              message:
                'expected the ARN of an ACM certificate, such as arn:aws:acm:eu-west-1:123456789012:certificate/…',
            }),
          ),
        }),
      ),
    }),
    {},
  ),
});

/** The configuration as written in lifecycle.config.ts (defaults optional). */
export type LifecycleConfigInput = z.input<typeof LifecycleConfigSchema>;
/** The configuration after validation, with every default filled in. */
export type LifecycleConfig = z.output<typeof LifecycleConfigSchema>;

/** Identity function that gives lifecycle.config.ts its types. */
export function defineConfig(config: LifecycleConfigInput): LifecycleConfigInput {
  return config;
}

/**
 * Validates a configuration; throws {@link ConfigError} naming the first invalid field in one sentence,
 * prefixed with `source` (the file it came from) when given. A setting the schema does not know is an
 * error at every level, reported before anything else (a typo is why a required setting looks missing),
 * with the known setting it most likely meant.
 */
export function parseConfig(input: unknown, source?: string): LifecycleConfig {
  const fail = (field: string, sentence: string) =>
    new ConfigError(field, source ? `${source}: ${sentence}` : sentence);
  const result = LifecycleConfigSchema.safeParse(input, { reportInput: true, error: plainMessage });
  if (!result.success) {
    const issues = result.error.issues.flatMap(leafIssues);
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    if (!issue) throw fail('', 'invalid configuration');
    const { field, sentence } = describeIssue(issue);
    throw fail(field, sentence);
  }
  const sending = result.data.deliverability.domain?.name;
  const from = /<([^>]+)>/.exec(result.data.sender.from)?.[1] ?? result.data.sender.from;
  const fromDomain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  if (sending && fromDomain !== sending && !fromDomain.endsWith(`.${sending}`)) {
    // SES authorises a send by an identity that covers the From address: the stack's would not.
    throw fail(
      'sender.from',
      invalidAt(
        'sender.from',
        `the From address must be at the sending domain ${sending} (deliverability.domain), or SES refuses every email`,
      ),
    );
  }
  // Journeys are built from the settings above: only now can their ids and topics be checked.
  const journeysIssue = journeyIssue(result.data);
  if (journeysIssue) throw fail(journeysIssue.field, invalidAt(journeysIssue.field, journeysIssue.message));
  // Stripe's coupons take off an amount or a percentage, never the shipping: found here, not at the first send.
  const freeShipping = enabledOfferSteps(result.data).find(({ offer }) => offer.kind === 'free_shipping');
  if (result.data.offerCodes.provider === 'stripe' && freeShipping) {
    const { journeyId, stepId, offer } = freeShipping;
    throw fail(
      'offerCodes.provider',
      invalidAt(
        'offerCodes.provider',
        `Stripe cannot make free-shipping codes, and the offer "${offer.name}" of journey "${journeyId}" (step "${stepId}") is one: give it a percentage or fixed amount, or take its codes from the pool`,
      ),
    );
  }
  return result.data;
}

/**
 * The issues under a union that matched none of its forms: those of the form the input came closest to
 * (the deepest issue), so that `quietHours: { start: 25 }` is about `quietHours.start`.
 */
function leafIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  // The form that got furthest into the value, and of those the one with the fewest complaints.
  const rank = (issues: z.core.$ZodIssue[]) => Math.max(...issues.map((i) => i.path.length)) * 1000 - issues.length;
  const closest = issue.errors.reduce((best, issues) => (rank(issues) > rank(best) ? issues : best));
  if (rank(closest) < 0) return [issue];
  return closest.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })).flatMap(leafIssues);
}

/** One sentence about an issue, naming the field by its dotted path. */
function describeIssue(issue: z.core.$ZodIssue): { field: string; sentence: string } {
  const at = (path: readonly PropertyKey[]) => path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = settingsAt(LifecycleConfigSchema, issue.path);
    const keys = issue.keys.map((key) => ({ path: at([...issue.path, key]), meant: closestMatch(key, known) }));
    const first = keys[0] as (typeof keys)[number];
    const list =
      keys.length === 1
        ? `unknown setting ${first.path}${first.meant ? `; did you mean ${first.meant}?` : ''}`
        : `unknown settings ${keys.map((k) => `${k.path}${k.meant ? ` (did you mean ${k.meant}?)` : ''}`).join(', ')}`;
    const hint =
      keys.every((k) => !k.meant) && known.length > 0 && known.length <= 8
        ? `; the settings ${issue.path.length === 0 ? 'here' : `of ${at(issue.path)}`} are ${known.join(', ')}`
        : '';
    return { field: first.path, sentence: list + hint };
  }
  const field = at(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return { field, sentence: field ? `the required setting ${field} is missing` : 'there is no configuration' };
  if (issue.code === 'invalid_type' && issue.expected === 'int')
    return { field, sentence: `${field} should be a whole number` };
  if (issue.code === 'invalid_key')
    return { field, sentence: invalidAt(field, issue.issues[0]?.message ?? 'invalid name') };
  if (issue.code === 'invalid_union') {
    const forms = issue.errors.map((branch) => expectation(branch[0]));
    if (forms.every((form) => form !== undefined))
      return {
        field,
        sentence: `${field || 'the configuration'} should be ${[...new Set(forms)].join(' or ')}, not ${kindOf(issue.input)}`,
      };
  }
  if (issue.code === 'invalid_type')
    return {
      field,
      sentence: `${field || 'the configuration'} should be ${kind(issue.expected)}, not ${kindOf(issue.input)}`,
    };
  return { field, sentence: invalidAt(field, issue.message) };
}

/**
 * Plain words for zod's own messages ("Too small: expected string to have >=1 characters"); a message of
 * the schema's own, such as the sender address's, comes first.
 */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const small = issue.code === 'too_small';
    const limit = Number(small ? issue.minimum : issue.maximum);
    const inclusive = issue.inclusive !== false;
    if (issue.origin === 'string')
      return small && limit === 1
        ? 'should not be empty'
        : `should have ${small ? 'at least' : 'at most'} ${limit} characters`;
    if (issue.origin === 'array')
      return `should have ${small ? 'at least' : 'at most'} ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
    const comparison = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
    return `should be ${comparison} ${limit}`;
  }
  if (issue.code === 'invalid_value') {
    const known = issue.values.filter((value) => typeof value === 'string');
    const meant = typeof issue.input === 'string' ? closestMatch(issue.input, known) : undefined;
    if (meant) return `unknown value; did you mean "${meant}"?`;
    return `should be ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_format' && issue.format === 'email') return 'should be an email address';
  if (issue.code === 'invalid_format' && issue.format === 'url') return 'should be a full address such as https://…';
  return undefined;
}

function invalidAt(field: string, reason: string): string {
  return `invalid configuration at ${field || '(root)'}: ${reason}`;
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

function kind(expected: string): string {
  return KINDS[expected] ?? expected;
}

/** What a form of a union wants, when its first issue says it at the top. */
function expectation(issue: z.core.$ZodIssue | undefined): string | undefined {
  if (issue?.path.length !== 0) return undefined;
  if (issue.code === 'invalid_type') return kind(issue.expected);
  if (issue.code === 'invalid_value') return issue.values.map((value) => JSON.stringify(value)).join(' or ');
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return kind('array');
  return kind(typeof value);
}

/** The settings an object of the schema knows at `path` (indices and record keys step into elements). */
function settingsAt(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  let nodes: z.core.$ZodType[] = [schema];
  for (const step of path) nodes = nodes.flatMap((node) => children(node, String(step)));
  return [...new Set(nodes.flatMap((node) => forms(node)).flatMap((node) => objectKeys(node)))];
}

/** A schema without its wrappers (default, optional, lazy, …), as the forms it accepts: several for a union. */
function forms(schema: z.core.$ZodType): z.core.$ZodType[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
    getter?: () => z.core.$ZodType;
    options?: z.core.$ZodType[];
  };
  if (def.innerType) return forms(def.innerType);
  if (def.type === 'pipe' && def.in) return forms(def.in);
  if (def.type === 'lazy' && def.getter) return forms(def.getter());
  if (def.type === 'union' && def.options) return def.options.flatMap(forms);
  return [schema];
}

function children(schema: z.core.$ZodType, step: string): z.core.$ZodType[] {
  return forms(schema).flatMap((node) => {
    const def = node._zod.def as z.core.$ZodTypeDef & {
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
    };
    if (def.type === 'object' && def.shape && Object.hasOwn(def.shape, step))
      return [def.shape[step] as z.core.$ZodType];
    if (def.type === 'array' && def.element) return [def.element];
    if (def.type === 'record' && def.valueType) return [def.valueType];
    return [];
  });
}

function objectKeys(schema: z.core.$ZodType): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & { shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
