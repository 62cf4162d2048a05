import type { Customer } from '../customer.js';
import type { StoreModel } from '../intelligence/store-model.js';
import type { OrderRecord } from '../orders.js';
import type { CatalogueView, ProductRef } from '../product-cards.js';
import type * as z from '../zod.js';
import type { JourneyDefinition } from './definition.js';
import type { Enrollment } from './enrollment.js';

/**
 * A built-in journey, whole: its settings, its definition built from them, whether the configuration enables
 * it, and the templates it owns with each one's data contract and data. One folder per journey, named by its
 * id (`welcome-series/journey.ts`); the catalogue (catalogue.ts) is the list of them. A module never imports
 * the configuration (config.ts is built from the modules): what else of it a module reads comes in as a
 * parameter, typed here.
 */
export interface JourneyModule<
  Schema extends z.ZodMiniType = z.ZodMiniType,
  Key extends string = string,
  Names extends string = string,
> {
  /** The journey's id: its folder's name. */
  readonly id: string;
  /** Its settings: `journeys.<key>` in lifecycle.config.ts, with their defaults. None for a journey without. */
  readonly settings?: { readonly key: Key; readonly schema: Schema };
  /** Whether the configuration switches it on. */
  enabled(settings: z.output<Schema>, config: JourneyConfig): boolean;
  /** Its definition, built (and so validated) from its settings. */
  journey(settings: z.output<Schema>, config: JourneyConfig): JourneyDefinition;
  /**
   * The templates it owns (folders of templates/), each with its data contract and the builder of its own
   * data. A journey may send a template another module owns: the owner's contract and data apply.
   */
  readonly templates: { readonly [Name in Names]: JourneyTemplate<z.output<Schema>> };
}

/** A template a journey owns: the variables its sends provide, and how its own variables are made. */
export interface JourneyTemplate<Settings> {
  /** Every variable a send provides: the common ones (CommonTemplateDataSchema) and its own. */
  readonly contract: z.ZodMiniObject;
  /** Its own variables for a send, from the journey's settings; none (only the common data) when absent. */
  data?(settings: Settings, context: TemplateContext): TemplateDataResult;
  /**
   * The catalogue products its data may show (at most a few dozen): the dispatcher reads them before it
   * builds the data, into `context.catalogue`. None when absent.
   */
  products?(settings: Settings, context: TemplateContext): readonly ProductRef[];
}

/** What a module reads of the configuration besides its own settings: a `LifecycleConfig` is one. */
export interface JourneyConfig {
  readonly deliverability: {
    /** The sources whose sign-ups must confirm by email (double opt-in). */
    readonly doubleOptIn: readonly string[];
    /** How long a confirmation link works. */
    readonly confirmationValidFor: string;
  };
}

/** What a template's data may draw on of the configuration: a `LifecycleConfig` is one. */
export interface TemplateConfig extends JourneyConfig {
  readonly storeName: string;
  readonly storeUrl: string;
  readonly postalAddress: string;
  readonly supportEmail?: string | undefined;
  readonly sender: { readonly from: string };
  /** What the replenishment journey knows of consumables: cross-sell may recommend them again. */
  readonly journeys: {
    readonly replenishment: {
      readonly intervals: readonly {
        readonly productId?: string | undefined;
        readonly category?: string | undefined;
      }[];
      readonly learn: boolean;
    };
  };
}

/** Everything the template data of a send may draw on. */
export interface TemplateContext<Config extends TemplateConfig = TemplateConfig> {
  readonly config: Config;
  readonly customer: Customer;
  readonly orders: ReadonlyMap<string, OrderRecord>;
  readonly run: Enrollment;
  readonly model?: StoreModel | undefined;
  /** The catalogue's entries for the products the template names (JourneyTemplate.products), read for the send. */
  readonly catalogue?: CatalogueView | undefined;
  readonly links: {
    readonly unsubscribeUrl: string;
    /** A page where one click keeps the person subscribed (re-engagement). */
    readonly keepSubscribedUrl: string;
    /** The link recording an NPS answer of `score`. */
    readonly npsUrl: (score: number) => string;
    /** Double opt-in: the page where the person confirms the subscription (the link expires). */
    readonly confirmUrl: string;
  };
}

/** The data of a send, or why there is nothing worth sending (no product to recommend, say). */
export type TemplateDataResult = { readonly data: Record<string, unknown> } | { readonly skip: string };

/**
 * A module, with its types read from it: the key and schema of its settings, and its template names. A
 * module without settings gets `undefined` for them.
 */
export function defineJourneyModule<
  Schema extends z.ZodMiniType = z.ZodMiniUndefined,
  const Key extends string = never,
  const Names extends string = never,
>(module: JourneyModule<Schema, Key, Names>): JourneyModule<Schema, Key, Names> {
  return module;
}
