import { durationMs } from '../domain/duration.js';
import type { EmailFeedback, EmailFeedbackKind } from '../domain/email-feedback.js';
import type { CanonicalEvent, EventOfType } from '../domain/events.js';
import type { OutgoingEmail } from '../ports/mailer.js';
import type { Random } from './random.js';
import { DEFAULT_STOREFRONT_PROFILE } from './storefront-generator.js';

/** How simulated recipients respond to one variant of an email: any of the model's rates, overridden. */
export interface VariantResponse {
  readonly open?: number | undefined;
  readonly click?: number | undefined;
  readonly purchaseLift?: number | undefined;
}

/**
 * How simulated recipients respond to the emails the engine sends (docs/journeys.md, "Simulating before
 * deploying"). A delivered email is opened with probability `open`, clicked once opened with probability
 * `click`; for `window` after a click the customer's purchase hazard is multiplied by `1 + purchaseLift`.
 */
export interface ResponseSettings {
  readonly open: number;
  readonly click: number;
  readonly purchaseLift: number;
  /** ISO 8601 duration after a click during which the customer buys more. */
  readonly window: string;
  /**
   * The customer's purchase hazard the lift multiplies, in purchases a day: the synthetic storefront's
   * mean rate r / alpha (its orders are drawn before the simulation, so the lift adds the extra hazard
   * `purchaseLift × baseRate` as a second, independent process).
   */
  readonly baseRate: number;
  /** Per variant id (the email's `variant` tag): rates that differ from the model's. */
  readonly byVariant: Readonly<Record<string, VariantResponse>>;
}

export type ResponseSettingsInput = Partial<Omit<ResponseSettings, 'byVariant'>> & {
  readonly byVariant?: Readonly<Record<string, VariantResponse>> | undefined;
};

/**
 * Typical figures, not facts: e-commerce open rates are commonly reported around 20 % (and inflated since
 * Apple's Mail Privacy Protection), click rates around 2 % of delivered emails (so 10 % of opens); and a
 * click that doubles the week's purchase hazard (a lift of 1) makes, at the synthetic store's mean rate,
 * an extra order for about 2.5 % of clicks, near the 2–3 % of visits an online shop typically converts.
 */
export const DEFAULT_RESPONSE: Omit<ResponseSettings, 'byVariant'> = {
  open: 0.2,
  click: 0.1,
  purchaseLift: 1,
  window: 'P7D',
  baseRate: DEFAULT_STOREFRONT_PROFILE.purchase.r / DEFAULT_STOREFRONT_PROFILE.purchase.alpha,
};

/** When a simulated recipient opens a delivered email, and clicks after opening it. */
const OPEN_AFTER_MS = 60 * 60_000;
const CLICK_AFTER_OPEN_MS = 5 * 60_000;

/** The model's settings with the defaults, checked; throws a RangeError naming the setting. */
export function resolveResponseSettings(input: ResponseSettingsInput): ResponseSettings {
  const settings = { ...DEFAULT_RESPONSE, ...dropUndefined(input), byVariant: input.byVariant ?? {} };
  const share = (name: string, value: unknown) => {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1))
      throw new RangeError(`response.${name} must be a number between 0 and 1`);
  };
  const lift = (name: string, value: unknown) => {
    if (typeof value !== 'number' || !(value >= 0 && Number.isFinite(value)))
      throw new RangeError(`response.${name} must be a number of 0 or more`);
  };
  share('open', settings.open);
  share('click', settings.click);
  lift('purchaseLift', settings.purchaseLift);
  lift('baseRate', settings.baseRate);
  let window: number;
  try {
    window = durationMs(settings.window);
  } catch {
    window = 0;
  }
  if (!(window > 0)) throw new RangeError('response.window must be a positive ISO 8601 duration such as P7D');
  for (const [variant, rates] of Object.entries(settings.byVariant)) {
    if (rates.open !== undefined) share(`byVariant.${variant}.open`, rates.open);
    if (rates.click !== undefined) share(`byVariant.${variant}.click`, rates.click);
    if (rates.purchaseLift !== undefined) lift(`byVariant.${variant}.purchaseLift`, rates.purchaseLift);
  }
  return settings;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Something the recipients do later: a report of the mail service, or an extra order. */
export type Response =
  | { readonly kind: 'feedback'; readonly at: number; readonly feedback: EmailFeedback }
  | { readonly kind: 'order'; readonly at: number; readonly event: EventOfType<'order.placed'> };

/**
 * Simulated recipients. Every email handed to the simulator's mailer is delivered; whether it is opened
 * and clicked is drawn from the model's own random stream (never the storefront's or the offers', so with
 * a lift of 0 the storefront's orders are exactly those of a run without the model). The reports go
 * through the same email-feedback path as SES's in production; a click adds, for the window, extra orders
 * at `purchaseLift × baseRate` a day (windows of one customer do not stack: the hazard is multiplied
 * once). Responses come out in time order.
 */
export class SimulatedRecipients {
  private readonly pending: (Response & { readonly seq: number })[] = [];
  private seq = 0;
  private extraOrders = 0;
  /** Until when each recipient's purchase hazard is already lifted. */
  private readonly liftedUntil = new Map<string, number>();
  /** The latest order seen per recipient, and of the store: what an extra order buys. */
  private readonly lastOrder = new Map<string, EventOfType<'order.placed'>['data']['order']>();
  private storeLastOrder: EventOfType<'order.placed'>['data']['order'] | undefined;
  readonly counts = { opened: 0, clicked: 0, extraOrders: 0 };

  constructor(
    private readonly settings: ResponseSettings,
    private readonly random: Random,
  ) {}

  /** An email went out at `at`: its delivery, and maybe its open, click and the orders the click brings. */
  sent(email: OutgoingEmail, messageId: string, at: number): void {
    const tag = email.tags.variant;
    const variant =
      tag !== undefined && Object.hasOwn(this.settings.byVariant, tag) ? this.settings.byVariant[tag] : undefined;
    const open = variant?.open ?? this.settings.open;
    const click = variant?.click ?? this.settings.click;
    const lift = variant?.purchaseLift ?? this.settings.purchaseLift;
    const report = (kind: EmailFeedbackKind, when: number) =>
      this.push({
        kind: 'feedback',
        at: when,
        feedback: { kind, messageId, at: new Date(when).toISOString(), tags: email.tags },
      });
    report('delivery', at);
    if (!this.random.chance(open)) return;
    this.counts.opened++;
    report('open', at + OPEN_AFTER_MS);
    if (!this.random.chance(click)) return;
    this.counts.clicked++;
    const clickedAt = at + OPEN_AFTER_MS + CLICK_AFTER_OPEN_MS;
    report('click', clickedAt);
    this.buyMore(email.to.toLowerCase(), clickedAt, lift);
  }

  /** A storefront order as played: what the customer, and the store, last bought. */
  played(event: CanonicalEvent): void {
    if (event.type !== 'order.placed') return;
    this.storeLastOrder = event.data.order;
    const email = event.data.customer?.email?.toLowerCase();
    if (email !== undefined) this.lastOrder.set(email, event.data.order);
  }

  /** When the next response is due, in milliseconds. */
  nextAt(): number | undefined {
    return this.pending[0]?.at;
  }

  /** Takes the responses due at `now`, in time order. */
  due(now: number): Response[] {
    const index = this.pending.findIndex((response) => response.at > now);
    return this.pending.splice(0, index === -1 ? this.pending.length : index);
  }

  private push(response: Response): void {
    const entry = { ...response, seq: this.seq++ };
    // Kept sorted by time, then by the order pushed: ties keep their order, so a seed gives one result.
    let index = this.pending.length;
    while (index > 0 && (this.pending[index - 1] as Response).at > entry.at) index--;
    this.pending.splice(index, 0, entry);
  }

  /** Extra orders at the lifted hazard over the part of the window not lifted already. */
  private buyMore(email: string, from: number, lift: number): void {
    const rate = lift * this.settings.baseRate; // a day
    const end = from + durationMs(this.settings.window);
    const start = Math.max(from, this.liftedUntil.get(email) ?? from);
    this.liftedUntil.set(email, Math.max(end, this.liftedUntil.get(email) ?? end));
    if (rate <= 0 || start >= end) return;
    for (let at = start + this.random.exponential(1 / rate) * 86_400_000; at < end; ) {
      const order = this.lastOrder.get(email) ?? this.storeLastOrder;
      if (order !== undefined) this.push({ kind: 'order', at, event: this.extraOrder(email, at, order) });
      at += this.random.exponential(1 / rate) * 86_400_000;
    }
  }

  /** An order like the customer's last one (the store's last for a customer who never ordered). */
  private extraOrder(
    email: string,
    at: number,
    like: EventOfType<'order.placed'>['data']['order'],
  ): EventOfType<'order.placed'> {
    const n = ++this.extraOrders;
    this.counts.extraOrders = n;
    const placedAt = new Date(Math.round(at)).toISOString();
    return {
      schemaVersion: 1,
      id: `generic:sim-response-${n}`,
      source: 'generic',
      occurredAt: placedAt,
      type: 'order.placed',
      data: {
        customer: { email },
        order: { id: `sim-response-${n}`, placedAt, total: like.total, lineItems: like.lineItems },
      },
    };
  }
}
