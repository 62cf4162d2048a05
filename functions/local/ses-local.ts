import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocalModule from 'aws-ses-v2-local';
import { loopbackRefusal } from './loopback.js';
import { PortInUseError } from './ports.js';

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
 * templates and received emails in the memory of this process. The inbox shows every email sent and has a
 * button that deletes them all, so, as the runtime's API does, it answers only requests addressed to the
 * loopback interface by name and refuses requests from other web sites (loopback.ts).
 */
export async function startSesLocal(options: { port: number }): Promise<RunningSesLocal> {
  process.env.AWS_SES_ACCOUNT ??= JSON.stringify(LOCAL_SES_ACCOUNT);
  const server: Server = await sesLocal({ host: '127.0.0.1', port: options.port });
  // Express reports a failure to listen to its callback only, and the callback ignores it.
  if (!server.listening) throw new PortInUseError([{ port: options.port, variable: 'SES_PORT' }]);
  const port = (server.address() as AddressInfo).port;
  const [inbox] = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request, response) => {
    const refused = loopbackRefusal(request.headers, port, { crossOrigin: 'refuse' });
    if (!refused) return inbox?.(request, response);
    response.writeHead(refused.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(refused.body));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
