import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SendingAccount } from '../../ports/mailer.js';
import type { SendingLimiter, SendPermit } from '../../ports/sending-limiter.js';
import { keys, TABLE_DESIGN } from './table-design.js';

export interface DynamoDbSendingLimiterOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The account's limits, as the mail service last reported them. */
  readonly account: SendingAccount;
  /** Wall-clock time and waiting. */
  readonly time: { readonly now: () => number; readonly sleep: (ms: number) => Promise<void> };
  /** How long an email waits when the 24-hour quota is spent. @default 15 minutes */
  readonly quotaRetryMs?: number;
  /** The places one update takes. @default about 1/50 of the rate, between 1 and 16 */
  readonly blockSize?: number;
}

/** The shared state: the next free sending slot, and the quota counted since the newest reading. */
interface LimitsItem {
  readonly nextSlot?: number;
  readonly readingAt?: number;
  /** What the 24-hour quota had left at the reading; -1 when unlimited. */
  readonly remaining?: number;
  readonly sinceReading?: number;
}

const UNLIMITED = -1;
/** Slots are this much further apart than the rate allows, so that any second holds at most the rate. */
const SPACING_MARGIN = 1.02;
/** How far ahead slots may be booked: beyond, a dispatcher waits before asking again. */
const BOOKING_HORIZON_MS = 2_000;
/** The furthest ahead of the clock a block starts, however slow the updates were. */
const MAX_LEAD_MS = 100;
/** The largest block of places one update takes. */
const MAX_BLOCK = 16;

/** What one update of the item gave: places (slot times), a spent quota, or nothing free yet. */
type Block = { readonly slots: readonly number[] } | { readonly quotaSpent: true } | undefined;

/**
 * The account's sending limits kept in one item of the table (`SENDING`/`LIMITS`), so that every
 * dispatcher and worker invocation running at the same time shares them: overlapping ticks of the
 * schedule, the fan-out's parallel workers, Lambda's retries of a failed invocation.
 *
 * - Rate: the item holds the next free slot; slots are `1 / MaxSendRate` seconds apart (plus 2%), and an
 *   invocation takes a block of consecutive slots in one atomic update, one for each of its sends waiting
 *   for a place (at most 16, about 1/50 of the rate): at scale the rate holds the sends back, they wait
 *   together, and the item is updated once per block rather than once per email. No place is taken ahead
 *   of a send that needs it, so none is wasted. Every email waits for its slot, so no second, counted from
 *   any moment, holds more places than the rate; no invocation books more than two seconds ahead.
 * - Quota: the quota left at the newest GetAccount reading (`Max24HourSend - SentLast24Hours`), less what
 *   every invocation took since that reading. A block is taken while the quota has room for one place at
 *   least; the places beyond its room are given back, so the quota is never exceeded.
 *
 * One write per block (two when the slots had fallen behind the clock): down to a sixteenth of a WRU per
 * email at scale, against the 14 of the send itself (docs/performance.md).
 */
export class DynamoDbSendingLimiter implements SendingLimiter {
  private readonly key = { [TABLE_DESIGN.partitionKey]: keys.sending, [TABLE_DESIGN.sortKey]: keys.sendingLimitsSk };
  private readonly intervalMs: number;
  private readonly maxBlock: number;
  /** Places taken and not yet used, oldest first. */
  private readonly held: number[] = [];
  /** The update under way, which every caller waiting for places shares. */
  private taking: Promise<Block> | undefined;
  /** Callers waiting for a place and holding none: the next block takes one for each (none is taken ahead). */
  private waiting = 0;
  /** How long an update of the item takes, as last measured. */
  private latencyMs = 0;
  /** Places the quota had no room for, counted all the same: given back with the next block. */
  private lost = 0;
  /** The reading the places held were counted under. */
  private readingAt: number | undefined;

  private constructor(private readonly options: DynamoDbSendingLimiterOptions) {
    const rate = Math.max(options.account.maxSendRate, 0.001);
    this.intervalMs = (1000 / rate) * SPACING_MARGIN;
    this.maxBlock = Math.max(1, Math.floor(options.blockSize ?? Math.min(MAX_BLOCK, rate / 50)));
  }

  /** A limiter for one invocation, after recording the account's reading if it is the newest. */
  static async start(options: DynamoDbSendingLimiterOptions): Promise<DynamoDbSendingLimiter> {
    const limiter = new DynamoDbSendingLimiter(options);
    await limiter.record(options.account);
    return limiter;
  }

  private async record(account: SendingAccount): Promise<void> {
    const remaining =
      account.max24HourSend === undefined ? UNLIMITED : Math.max(0, account.max24HourSend - account.sentLast24Hours);
    try {
      await this.update({
        UpdateExpression: 'SET readingAt = :at, remaining = :remaining, sinceReading = :zero',
        ConditionExpression: 'attribute_not_exists(readingAt) OR readingAt < :at',
        ExpressionAttributeValues: { ':at': account.readAt, ':remaining': remaining, ':zero': 0 },
      });
    } catch (error) {
      // Another invocation recorded a newer reading: that one counts.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async acquire(): Promise<SendPermit> {
    const { time } = this.options;
    // Counted as waiting until it holds a place: a caller asleep until its slot needs no other.
    this.waiting++;
    let waiting = true;
    try {
      for (;;) {
        const now = time.now();
        const slot = this.held.shift();
        if (slot !== undefined) {
          this.waiting--;
          waiting = false;
          if (slot > now) await time.sleep(slot - now);
          return { granted: true, at: new Date(slot) };
        }
        const block = await this.takeBlock(now);
        if (block && 'quotaSpent' in block) {
          return {
            granted: false,
            reason: 'daily_quota',
            retryAt: new Date(now + (this.options.quotaRetryMs ?? 15 * 60_000)),
          };
        }
      }
    } finally {
      if (waiting) this.waiting--;
    }
  }

  /**
   * Gives places back to the 24-hour quota, only while the reading they were counted under is the newest
   * (a newer reading counts from zero again, and what SES counted is in it).
   */
  private async giveBack(places: number): Promise<void> {
    if (this.readingAt === undefined) return;
    try {
      await this.update({
        UpdateExpression: 'SET sinceReading = sinceReading - :places',
        ConditionExpression: 'readingAt = :at AND sinceReading >= :places',
        ExpressionAttributeValues: { ':places': places, ':at': this.readingAt },
      });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** One update for a block of places, shared by every caller that finds none held. */
  private takeBlock(now: number): Promise<Block> {
    if (!this.taking) {
      this.taking = this.nextBlock(now).finally(() => {
        this.taking = undefined;
      });
    }
    return this.taking;
  }

  private async nextBlock(now: number): Promise<Block> {
    const { time } = this.options;
    // Places counted beyond the quota's room go back to it, in one write.
    if (this.lost > 0) {
      const lost = this.lost;
      this.lost = 0;
      await this.giveBack(lost);
    }
    // One place for each caller waiting without one: when the rate holds the sends back, callers wait
    // together and blocks grow to the most allowed; a caller alone takes one.
    const places = Math.max(1, Math.min(this.maxBlock, this.waiting - this.held.length));
    // The block starts no sooner than the update's answer is expected back, so its first places are not
    // already late when they arrive.
    const soon = now + Math.min(Math.ceil(this.latencyMs), MAX_LEAD_MS);
    const taken = (await this.nextInLine(soon, places)) ?? (await this.firstInLine(soon, places));
    // A moving average of how long the taking took: one slow answer does not push every block far ahead.
    this.latencyMs = this.latencyMs * 0.7 + (time.now() - now) * 0.3;
    if (taken) {
      this.held.push(...taken);
      return { slots: taken };
    }
    const item = await this.read();
    const remaining = item.remaining ?? UNLIMITED;
    if (remaining !== UNLIMITED && (item.sinceReading ?? 0) >= remaining) return { quotaSpent: true };
    // The slots are booked two seconds ahead: wait for some of them to pass.
    await time.sleep(Math.max(this.intervalMs, (item.nextSlot ?? now) - BOOKING_HORIZON_MS - now));
    return undefined;
  }

  /** A block of the next free slots when slots are booked from `soon` on (within the horizon), taking them. */
  private async nextInLine(soon: number, places: number): Promise<number[] | undefined> {
    try {
      const result = await this.update({
        UpdateExpression: 'SET nextSlot = nextSlot + :span, sinceReading = sinceReading + :places',
        ConditionExpression: `nextSlot >= :soon AND nextSlot < :horizon AND ${QUOTA_LEFT}`,
        ExpressionAttributeValues: {
          ':span': this.intervalMs * places,
          ':places': places,
          ':soon': soon,
          ':horizon': soon + BOOKING_HORIZON_MS,
          ':unlimited': UNLIMITED,
        },
        ReturnValues: 'ALL_OLD',
      });
      const old = (result.Attributes ?? {}) as LimitsItem;
      return this.slotsFrom(old.nextSlot ?? soon, places, old);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** A block starting at `soon`, when no slot is booked from then on, taking it. */
  private async firstInLine(soon: number, places: number): Promise<number[] | undefined> {
    try {
      const result = await this.update({
        UpdateExpression: 'SET nextSlot = :next, sinceReading = if_not_exists(sinceReading, :zero) + :places',
        ConditionExpression: `(attribute_not_exists(nextSlot) OR nextSlot < :soon) AND ${QUOTA_LEFT}`,
        ExpressionAttributeValues: {
          ':next': soon + this.intervalMs * places,
          ':soon': soon,
          ':zero': 0,
          ':places': places,
          ':unlimited': UNLIMITED,
        },
        ReturnValues: 'ALL_OLD',
      });
      return this.slotsFrom(soon, places, (result.Attributes ?? {}) as LimitsItem);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * The block's slots from `first`: as many as the quota had room for, by the item as it was before the
   * update. The places beyond the room were counted all the same, and go back.
   */
  private slotsFrom(first: number, places: number, before: LimitsItem): number[] {
    this.readingAt = before.readingAt;
    const remaining = before.remaining ?? UNLIMITED;
    const room = remaining === UNLIMITED ? places : Math.max(0, remaining - (before.sinceReading ?? 0));
    const granted = Math.min(places, room);
    this.lost += places - granted;
    return Array.from({ length: granted }, (_, i) => first + i * this.intervalMs);
  }

  private update(expression: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>) {
    return this.options.client.send(
      new UpdateCommand({ TableName: this.options.tableName, Key: this.key, ...expression }),
    );
  }

  private async read(): Promise<LimitsItem> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: this.key, ConsistentRead: true }),
    );
    return (result.Item ?? {}) as LimitsItem;
  }
}

/** The 24-hour quota has room for one more email at least (no reading yet counts as room). */
const QUOTA_LEFT = '(attribute_not_exists(remaining) OR remaining = :unlimited OR sinceReading < remaining)';

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
