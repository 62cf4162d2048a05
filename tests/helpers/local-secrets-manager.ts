import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Secrets Manager's GetSecretValue over HTTP (AWS JSON 1.1), for the functions that read
 * their secrets at start: point `AWS_ENDPOINT_URL_SECRETS_MANAGER` at `endpoint`. Every secret has the
 * same value; nothing else of the API is answered.
 */
export class LocalSecretsManager {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(secretValue: string): Promise<LocalSecretsManager> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: 'InvalidRequestException', message: 'only GetSecretValue' }));
          return;
        }
        const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({
            ARN: SecretId,
            Name: SecretId.split(':').at(-1),
            SecretString: secretValue,
            VersionId: '00000000-0000-0000-0000-000000000000',
            VersionStages: ['AWSCURRENT'],
            CreatedDate: 1_700_000_000,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new LocalSecretsManager(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
