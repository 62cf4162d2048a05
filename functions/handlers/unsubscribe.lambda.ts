import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { s3Client } from '../adapters/aws-clients.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { S3ReportArchive } from '../adapters/report/s3-report-archive.js';
import { deployedParts } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { createUnsubscribeHandler } from './unsubscribe.js';
import { customerChanges } from './wiring.js';

const parts = deployedParts();
const secretArn = requireEnv(ENV.unsubscribeSecretArn);
// Set only when the configuration has a weekly report: the stack then has its bucket.
const reportBucket = process.env[ENV.reportBucket];

export const handler = createUnsubscribeHandler({
  ...customerChanges(parts),
  storeName: parts.config.storeName,
  tokenSecret: async () => String(await getSecret(secretArn, { maxAge: 3600 })),
  reports: reportBucket ? new S3ReportArchive(s3Client(), reportBucket) : undefined,
  ...powertools('unsubscribe'),
});
