/** What recording one canonical event did (recordCustomerEvent and the privacy requests it hands on). */
export type RecordOutcome =
  | {
      readonly outcome: 'recorded';
      readonly customerId: string;
      readonly created: boolean;
      readonly journeysEntered: readonly string[];
      readonly unconvertedCurrencies: readonly string[];
      /** The journeys whose single-use offers the event's order redeemed, one entry per offer. */
      readonly offersRedeemed?: readonly string[];
    }
  | { readonly outcome: 'duplicate'; readonly customerId?: string | undefined }
  | { readonly outcome: 'store_order'; readonly orderKey: string }
  | { readonly outcome: 'erased'; readonly customers: number }
  | { readonly outcome: 'exported'; readonly requestKey: string; readonly found: boolean }
  | { readonly outcome: 'shop_erasure'; readonly finished: boolean }
  | { readonly outcome: 'ignored'; readonly reason: string }
  /**
   * A catalogue change: `stale` when a change as new or newer was kept already, and nothing was written;
   * `unknown` when a stock change names an inventory item no product payload named.
   */
  | {
      readonly outcome: 'catalogued';
      readonly write: 'written' | 'stale' | 'unknown';
      /** Customers told of the change (back in stock, or a price drop). */
      readonly told?: number | undefined;
      /** More were interested than one change tells: the rest were not told. */
      readonly untold?: boolean | undefined;
    };
