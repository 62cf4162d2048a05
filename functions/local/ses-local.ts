import type { Server } from 'node:http';
import sesLocalModule from 'aws-ses-v2-local';

// A CommonJS module: Node hands over module.exports, bundlers and test runners may unwrap `default`.
const sesLocal = (
  typeof sesLocalModule === 'function' ? sesLocalModule : sesLocalModule.default
) as typeof sesLocalModule.default;

/** What GetAccount answers locally: a production account sending up to 14 emails a second. */
const LOCAL_SES_ACCOUNT = {
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'MARKETING',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Local development',
    WebsiteURL: 'http://127.0.0.1',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
};

export interface RunningSesLocal {
  /** The SES v2 API endpoint, which is also the inbox page. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts the local SES v2 endpoint with its inbox page (aws-ses-v2-local) on 127.0.0.1:`port`. It keeps
 * templates and received emails in the memory of this process.
 */
export async function startSesLocal(options: { port: number }): Promise<RunningSesLocal> {
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify(LOCAL_SES_ACCOUNT);
  const server: Server = await sesLocal({ host: '127.0.0.1', port: options.port });
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
  }
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
