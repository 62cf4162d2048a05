import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportArchive } from '../../ports/report-archive.js';

/** The local runtime's report archive: one file per report in a directory, readable by its owner only. */
export class DirectoryReportArchive implements ReportArchive {
  constructor(private readonly directory: string) {}

  async save(reportId: string, html: string): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await writeFile(this.pathOf(reportId), html, { mode: 0o600 });
  }

  async load(reportId: string): Promise<string | undefined> {
    try {
      return await readFile(this.pathOf(reportId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private pathOf(reportId: string): string {
    // Ids come from verified tokens, but the archive keeps to its directory whatever it is given.
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(reportId)) throw new Error('invalid report id');
    return join(this.directory, `${reportId}.html`);
  }
}
