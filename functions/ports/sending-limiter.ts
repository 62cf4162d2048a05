/** Whether one more email may go now. */
export type SendPermit =
  /** The email may go: its place in the account's rate came at `at`. */
  | { readonly granted: true; readonly at: Date }
  /** The account's sending quota for the last 24 hours is spent: the email waits, it is not dropped. */
  | { readonly granted: false; readonly reason: 'daily_quota'; readonly retryAt: Date };

/**
 * The account's sending limits, shared by every dispatcher that sends at the same time: at most its send
 * rate per second, and no more than its 24-hour quota has left.
 */
export interface SendingLimiter {
  /** Waits until the send rate lets one more email go and takes its place; refuses when the quota is spent. */
  acquire(): Promise<SendPermit>;
}
