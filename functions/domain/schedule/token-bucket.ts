/**
 * A token bucket: at most `ratePerSecond` takes per second on average, with bursts up to `burst`. Time and
 * waiting come in as parameters, so it is exact in tests and the simulator and real in Lambda.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly time: { readonly now: () => number; readonly sleep: (ms: number) => Promise<void> },
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('a send rate must be positive');
    this.tokens = burst;
    this.last = time.now();
  }

  /** Resolves when a token is available, and takes it. Callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.time.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.time.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }
}
