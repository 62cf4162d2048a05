/**
 * Where the weekly reports are kept, privately: the HTML of each by its id. The scheduled job saves, the
 * links function loads (`GET /report?token=…`); nothing else reads them.
 */
export interface ReportArchive {
  save(reportId: string, html: string): Promise<void>;
  /** The report's HTML; `undefined` when it is not kept (never written, or expired). */
  load(reportId: string): Promise<string | undefined>;
}

/** The id of a report made at `at`: its minute in UTC, `2026-12-07-0800`. Letters, digits and "-" only. */
export function reportIdAt(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}
