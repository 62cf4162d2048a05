import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { s3Client, sesSendingClient } from '../adapters/aws-clients.js';
import { DynamoDbSendingLimiter } from '../adapters/dynamodb/sending-limiter.js';
import { ENV, requireEnv } from '../adapters/environment.js';
import { renderReport } from '../adapters/report/render-report.js';
import { S3ReportArchive } from '../adapters/report/s3-report-archive.js';
import { SesV2Mailer } from '../adapters/ses-v2-mailer.js';
import { wallClock } from '../adapters/system-clock.js';
import { reportUrl } from '../adapters/unsubscribe-token.js';
import { deployedParts, stackTable } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { createWeeklyReportHandler } from './weekly-report.js';

const table = stackTable();
const parts = deployedParts(table);
const publicApiUrl = requireEnv(ENV.publicApiUrl);
const linkSecret = String(await getSecret(requireEnv(ENV.unsubscribeSecretArn)));

export const handler = createWeeklyReportHandler({
  store: parts.store,
  clock: parts.clock,
  config: parts.config,
  archive: new S3ReportArchive(s3Client(), requireEnv(ENV.reportBucket)),
  mailer: new SesV2Mailer({
    client: sesSendingClient(),
    from: parts.config.sender.from,
    replyTo: parts.config.sender.replyTo,
    configurationSetName: requireEnv(ENV.configurationSetName),
  }),
  render: renderReport,
  reportLink: (reportId, expiresAt) => reportUrl(publicApiUrl, reportId, linkSecret, expiresAt),
  // The account's send rate and quota, shared with the dispatchers.
  sendingLimiter: (account) => DynamoDbSendingLimiter.start({ ...table, account, time: wallClock }),
  ...powertools('weekly-report'),
});
