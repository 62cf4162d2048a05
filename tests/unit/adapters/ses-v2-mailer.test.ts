import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesSendingClient } from '../../../functions/adapters/aws-clients.js';
import { SesV2Mailer } from '../../../functions/adapters/ses-v2-mailer.js';
import { LOCAL_CREDENTIALS } from '../../../functions/local/credentials.js';
import { RecipientRefusedError, TemplateMissingError } from '../../../functions/ports/mailer.js';
import { AwsStandIn, json, restJson, restJsonError, type StandInAnswer } from '../../helpers/aws-stand-in.js';

/*
 * The SES v2 mailer against answers shaped as Amazon SES documents them (restJson1: the error's name in
 * `x-amzn-ErrorType`, its message in the body; GetAccount's response syntax from the API reference). The
 * local SES answers some of these differently, so what the dispatcher decides from them is proven here.
 */

let answerSend: () => StandInAnswer = () => json({ MessageId: 'm-1' });
let answerAccount: () => StandInAnswer = () => json({});
let standIn: AwsStandIn;

beforeAll(async () => {
  standIn = await AwsStandIn.start([
    restJson('SendEmail', 'POST', /^\/v2\/email\/outbound-emails$/, () => answerSend()),
    restJson('GetAccount', 'GET', /^\/v2\/email\/account$/, () => answerAccount()),
  ]);
});
afterAll(async () => {
  await standIn?.stop();
});

function mailer(): SesV2Mailer {
  return new SesV2Mailer({
    client: sesSendingClient({ endpoint: standIn.endpoint, region: 'eu-west-1', credentials: LOCAL_CREDENTIALS }),
    from: 'Shop <hello@shop.example.com>',
    configurationSetName: 'lifecycle-set',
  });
}

const email = {
  to: 'ada@example.com',
  templateName: 'lifecycle-welcome-1',
  templateData: {},
  category: 'marketing' as const,
  unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t',
  tags: { customer: 'cus_1' },
};

describe('SendEmail errors, as SES v2 documents them', () => {
  it('a template SES does not have (NotFoundException, 404) is a missing template, retried and alarmed on', async () => {
    answerSend = () => restJsonError(404, 'NotFoundException', 'Template lifecycle-welcome-1 does not exist.');
    await expect(mailer().send(email)).rejects.toBeInstanceOf(TemplateMissingError);
  });

  it('a configuration set SES does not have is a failure of the deployment, not a missing template', async () => {
    answerSend = () => restJsonError(404, 'NotFoundException', 'Configuration set <lifecycle-set> does not exist.');
    const failure = await mailer()
      .send(email)
      .catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(TemplateMissingError);
    expect((failure as Error).name).toBe('NotFoundException');
  });

  it('a recipient the sandbox has not verified is refused for good (MessageRejected, 400), not retried', async () => {
    answerSend = () =>
      restJsonError(
        400,
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: ada@example.com',
      );
    const failure = await mailer()
      .send(email)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RecipientRefusedError);
    expect((failure as RecipientRefusedError).reason).toBe('recipient_not_verified');
  });

  it('a sender SES has not verified yet is a failure to retry, not a refusal: the email goes once it is', async () => {
    answerSend = () =>
      restJsonError(
        400,
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: hello@shop.example.com, ada@example.com',
      );
    const failure = await mailer()
      .send(email)
      .catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(RecipientRefusedError);
    expect((failure as Error).name).toBe('SenderNotVerifiedError');
    answerSend = () =>
      restJsonError(
        400,
        'MessageRejected',
        'Email address is not verified. The following identities failed the check in region EU-WEST-1: shop.example.com',
      );
    expect(
      (
        (await mailer()
          .send(email)
          .catch((error: unknown) => error)) as Error
      ).name,
    ).toBe('SenderNotVerifiedError');
  });

  it('any other rejection of the message is refused for good too', async () => {
    answerSend = () => restJsonError(400, 'MessageRejected', 'Message contains a virus.');
    const failure = (await mailer()
      .send(email)
      .catch((error: unknown) => error)) as RecipientRefusedError;
    expect(failure.reason).toBe('message_rejected');
  });

  it('throttling and a paused account are thrown as they are, to be retried', async () => {
    answerSend = () => restJsonError(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.');
    await expect(mailer().send(email)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    answerSend = () => restJsonError(400, 'SendingPausedException', 'Sending is paused for this account.');
    await expect(mailer().send(email)).rejects.toMatchObject({ name: 'SendingPausedException' });
  });
});

describe('GetAccount', () => {
  const account = (overrides: Record<string, unknown>) =>
    json({
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: 'HEALTHY',
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 1_200 },
      SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      ...overrides,
    });

  it('reads the standing and quotas of an account with production access', async () => {
    answerAccount = () => account({});
    expect(await mailer().account()).toMatchObject({
      productionAccess: true,
      sendingEnabled: true,
      maxSendRate: 14,
      max24HourSend: 50_000,
      sentLast24Hours: 1_200,
    });
  });

  it('reads a sandboxed account, and -1 as an unlimited quota', async () => {
    answerAccount = () =>
      account({
        ProductionAccessEnabled: false,
        SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3 },
      });
    expect(await mailer().account()).toMatchObject({ productionAccess: false, maxSendRate: 1, max24HourSend: 200 });
    answerAccount = () => account({ SendQuota: { Max24HourSend: -1, MaxSendRate: 500, SentLast24Hours: 0 } });
    expect((await mailer().account())?.max24HourSend).toBeUndefined();
  });

  it('is undefined when SES does not answer, so that sending goes on unpaced', async () => {
    answerAccount = () => restJsonError(500, 'InternalFailure', 'try again');
    expect(await mailer().account()).toBeUndefined();
  });
});
