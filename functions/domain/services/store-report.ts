import type { Clock } from '../../ports/clock.js';
import type { CustomerStore } from '../../ports/customer-store.js';
import type { LifecycleConfig } from '../config.js';
import type { Customer } from '../customer.js';
import type { OrderRecord } from '../orders.js';
import { buildReport, type ReportData } from '../reporting/report-data.js';

/**
 * Gathers everything the report needs with one parallel scan (customers, their orders, the store's
 * orders without a customer) and builds it as of now with the current store model.
 */
export async function buildStoreReport(
  dependencies: { readonly store: CustomerStore; readonly clock: Clock; readonly config: LifecycleConfig },
  options: { readonly scanSegments?: number; readonly onProgress?: (customers: number) => void } = {},
): Promise<ReportData> {
  const { store, clock, config } = dependencies;
  const segments = options.scanSegments ?? 4;
  const customers: Customer[] = [];
  const orders: { customerId?: string | undefined; order: OrderRecord }[] = [];
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let resumeAfter: string | undefined;
      do {
        const page = await store.scanCustomers(segment, segments, resumeAfter);
        for (const { customer } of page.customers) customers.push(customer);
        orders.push(...page.orders);
        options.onProgress?.(customers.length);
        resumeAfter = page.resumeAfter;
      } while (resumeAfter !== undefined);
    }),
  );
  return buildReport({ customers, orders, model: await store.loadModel(), config, now: clock.now() });
}
