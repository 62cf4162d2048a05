import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportArchive } from '../../ports/report-archive.js';

/** Where the stack keeps reports: `reports/<id>.html` in its private bucket (expired by its lifecycle rule). */
export const REPORT_KEY_PREFIX = 'reports/';

/** The deployed stack's report archive: the stack's private bucket (lib/weekly-report.ts). */
export class S3ReportArchive implements ReportArchive {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly bucket: string,
  ) {}

  async save(reportId: string, html: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: keyOf(reportId),
        Body: html,
        ContentType: 'text/html; charset=utf-8',
      }),
    );
  }

  /** The report's HTML, or `undefined` when the bucket has no such report (expired, or never written). */
  async load(reportId: string): Promise<string | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: keyOf(reportId) }));
      return await object.Body?.transformToString('utf-8');
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}

function keyOf(reportId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(reportId)) throw new Error('invalid report id');
  return `${REPORT_KEY_PREFIX}${reportId}.html`;
}
