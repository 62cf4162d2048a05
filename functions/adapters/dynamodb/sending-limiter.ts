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

/**
 * The account's sending limits kept in one item of the table (`SENDING`/`LIMITS`), so that every
 * dispatcher invocation running at the same time shares them: overlapping ticks of the schedule, a tick
 * that runs until its timeout while the next starts, Lambda's retries of a failed invocation.
 *
 * - Rate: every email takes the next free slot, `1 / MaxSendRate` seconds (plus 2%) after the one before,
 *   by an atomic update of the item, and waits for its slot before it is sent. Sends are paced evenly, so no
 *   second, counted from any moment, holds more than the rate; no dispatcher books more than two seconds
 *   ahead.
 * - Quota: the quota left at the newest GetAccount reading (`Max24HourSend - SentLast24Hours`), less what
 *   every dispatcher took since that reading. A newer reading replaces an older one, never the other way.
 *
 * One write per email (two when the slots had fallen behind the clock): about 1 WRU, against the 14 of the
 * send itself (docs/performance.md).
 */
export class DynamoDbSendingLimiter implements SendingLimiter {
  private readonly key = { [TABLE_DESIGN.partitionKey]: keys.sending, [TABLE_DESIGN.sortKey]: keys.sendingLimitsSk };
  private readonly intervalMs: number;

  private constructor(private readonly options: DynamoDbSendingLimiterOptions) {
    this.intervalMs = (1000 / Math.max(options.account.maxSendRate, 0.001)) * SPACING_MARGIN;
  }

  /** A limiter for one dispatcher tick, after recording the account's reading if it is the newest. */
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
      // Another dispatcher recorded a newer reading: that one counts.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async acquire(): Promise<SendPermit> {
    const { time } = this.options;
    for (;;) {
      const now = time.now();
      const slot = (await this.nextInLine(now)) ?? (await this.firstInLine(now));
      if (slot !== undefined) {
        if (slot > now) await time.sleep(slot - now);
        return { granted: true, at: new Date(slot) };
      }
      const item = await this.read();
      const remaining = item.remaining ?? UNLIMITED;
      if (remaining !== UNLIMITED && (item.sinceReading ?? 0) >= remaining) {
        return {
          granted: false,
          reason: 'daily_quota',
          retryAt: new Date(now + (this.options.quotaRetryMs ?? 15 * 60_000)),
        };
      }
      // The slots are booked two seconds ahead: wait for some of them to pass.
      await time.sleep(Math.max(this.intervalMs, (item.nextSlot ?? now) - BOOKING_HORIZON_MS - now));
    }
  }

  /** The next free slot when slots are booked ahead of `now` (within the horizon), taking it. */
  private async nextInLine(now: number): Promise<number | undefined> {
    try {
      const result = await this.update({
        UpdateExpression: 'SET nextSlot = nextSlot + :interval, sinceReading = sinceReading + :one',
        ConditionExpression: `nextSlot >= :now AND nextSlot < :horizon AND ${QUOTA_LEFT}`,
        ExpressionAttributeValues: {
          ':interval': this.intervalMs,
          ':one': 1,
          ':now': now,
          ':horizon': now + BOOKING_HORIZON_MS,
          ':unlimited': UNLIMITED,
        },
        ReturnValues: 'UPDATED_OLD',
      });
      return (result.Attributes as LimitsItem | undefined)?.nextSlot;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** `now` itself, when no slot is booked ahead of it, taking it. */
  private async firstInLine(now: number): Promise<number | undefined> {
    try {
      await this.update({
        UpdateExpression: 'SET nextSlot = :next, sinceReading = if_not_exists(sinceReading, :zero) + :one',
        ConditionExpression: `(attribute_not_exists(nextSlot) OR nextSlot < :now) AND ${QUOTA_LEFT}`,
        ExpressionAttributeValues: {
          ':next': now + this.intervalMs,
          ':now': now,
          ':zero': 0,
          ':one': 1,
          ':unlimited': UNLIMITED,
        },
      });
      return now;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
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

/** The 24-hour quota has room for one more email (no reading yet counts as room). */
const QUOTA_LEFT = '(attribute_not_exists(remaining) OR remaining = :unlimited OR sinceReading < remaining)';

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
