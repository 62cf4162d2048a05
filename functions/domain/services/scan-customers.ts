import type { ScanPage, StoreModelRecords } from '../../ports/customer-store.js';

/**
 * Reads every customer and order of the store once, in `segments` parallel scans, handing each page to
 * `onPage` as it comes (pages of different segments interleave; a segment's next page waits for it).
 */
export async function scanAllCustomers(
  store: StoreModelRecords,
  segments: number,
  onPage: (page: ScanPage) => void | Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let resumeAfter: string | undefined;
      do {
        const page = await store.scanCustomers(segment, segments, resumeAfter);
        await onPage(page);
        resumeAfter = page.resumeAfter;
      } while (resumeAfter !== undefined);
    }),
  );
}
