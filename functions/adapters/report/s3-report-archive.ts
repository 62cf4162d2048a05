import type { ReportArchive } from '../../ports/report-archive.js';
import type { S3Objects } from '../s3-objects.js';

/** Where the stack keeps reports: `reports/<id>.html` in its private bucket (expired by its lifecycle rule). */
export const REPORT_KEY_PREFIX = 'reports/';

/** The deployed stack's report archive: the stack's private bucket (lib/weekly-report.ts). */
export class S3ReportArchive implements ReportArchive {
  constructor(
    private readonly s3: S3Objects,
    private readonly bucket: string,
  ) {}

  async save(reportId: string, html: string): Promise<void> {
    await this.s3.send('PutObject', {
      Bucket: this.bucket,
      Key: keyOf(reportId),
      Body: html,
      ContentType: 'text/html; charset=utf-8',
    });
  }

  load(reportId: string): Promise<string | undefined> {
    return this.s3.send('GetObject', { Bucket: this.bucket, Key: keyOf(reportId) });
  }
}

function keyOf(reportId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(reportId)) throw new Error('invalid report id');
  return `${REPORT_KEY_PREFIX}${reportId}.html`;
}
