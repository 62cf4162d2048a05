import type { Clock } from '../../../ports/clock.js';
import type {
  CampaignStateWithoutProgress,
  CustomerRecords,
  DueWork,
  ExperimentRecords,
  JourneyStatistics,
  Outbox,
  ProductCatalogue,
  TemplateVersions,
} from '../../../ports/customer-store.js';
import type { EventPublisher } from '../../../ports/event-publisher.js';
import type { Mailer } from '../../../ports/mailer.js';
import type { IssuedOffers, OfferCodes } from '../../../ports/offer-codes.js';
import type { SendingLimiter } from '../../../ports/sending-limiter.js';
import type { TemplateContext } from '../../build-template-data.js';
import type { LifecycleConfig } from '../../config.js';
import type { StoreModel } from '../../intelligence/store-model.js';
import type { JourneyDefinition } from '../../journeys/definition.js';
import type { CampaignDependencies } from '../campaigns.js';

/** What the dispatcher works with: the tick, a run's steps and the send all take it. */
export interface DispatchDependencies {
  /** The customer records, the due work, and the catalogue for the products an email shows. */
  readonly store: CustomerRecords &
    DueWork &
    Outbox &
    JourneyStatistics &
    ExperimentRecords &
    Pick<ProductCatalogue, 'findProducts'> &
    Pick<TemplateVersions, 'templateStatus'> &
    IssuedOffers;
  readonly mailer: Mailer;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  readonly journeys: ReadonlyMap<string, JourneyDefinition>;
  /** Identifies this dispatcher in leases (the Lambda request id, or a local name). */
  readonly owner: string;
  /** The signed links of a customer's emails: unsubscribe, keep-subscribed, survey answers. */
  readonly links: (customerId: string) => TemplateContext['links'];
  /** Publishes outbox entries whose writer stopped before it could. */
  readonly publisher: EventPublisher;
  /** Assesses a customer again when a time-driven check falls due (services/assessment.ts). */
  readonly reassess: (customerId: string, dueAt: string) => Promise<unknown>;
  /** The store model, cached. */
  readonly loadModel: () => Promise<StoreModel | undefined>;
  /** The account's send rate and 24-hour quota, shared with every dispatcher sending at the same time. */
  readonly limiter?: SendingLimiter | undefined;
  /** Where the codes of send steps' offers come from; without it, such a send falls back to its static code. */
  readonly offerCodes?: OfferCodes | undefined;
  /**
   * Whether a template's newest version fails lint, so that its sends are held: read once per template and
   * tick (the tick sets it, see tick.ts); without it, each send reads the template's status.
   */
  readonly templateHeld?: ((template: string) => Promise<boolean>) | undefined;
  /** A number in [0, 1) from a string, the same every time: stable A/B assignment. @default stableHash */
  readonly hash?: ((key: string) => number) | undefined;
  /** Campaigns' states and their audience scan; without it, the tick starts no campaign. */
  readonly campaignStore?: CampaignDependencies['store'] | undefined;
  /** The campaigns' states as this tick read them: a run of a cancelled campaign ends instead of sending. */
  readonly campaignStates?: ReadonlyMap<string, CampaignStateWithoutProgress> | undefined;
}
