import type { Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { CloudTrailTemplateEditors } from '../../../functions/adapters/cloudtrail-template-editors.js';

/** An event as LookupEvents returns it, its record as CloudTrail writes one. */
function event(name: string, at: string, record: Record<string, unknown>, username = 'someone'): Event {
  return {
    EventName: name,
    EventTime: new Date(at),
    EventSource: String(record.eventSource ?? 'ses.amazonaws.com'),
    Username: username,
    CloudTrailEvent: JSON.stringify({ eventSource: 'ses.amazonaws.com', eventName: name, eventTime: at, ...record }),
  };
}

/** CloudTrail's answers by event name, newest first, as LookupEvents pages them. */
function trail(events: Record<string, Event[]>) {
  return {
    send: async (command: LookupEventsCommand) => {
      const name = command.input.LookupAttributes?.[0]?.AttributeValue ?? '';
      return { Events: events[name] ?? [] };
    },
  } as never;
}

const since = new Date('2026-08-01T09:00:00Z');
const until = new Date('2026-08-01T09:10:00Z');
const arn = (who: string) => ({ arn: `arn:aws:sts::123456789012:assumed-role/Editors/${who}` });

describe('who edited a template, from CloudTrail', () => {
  it("names the principal of the template's newest successful edit, through either SES API", async () => {
    const editors = new CloudTrailTemplateEditors(
      trail({
        UpdateEmailTemplate: [
          // Refused by SES: it changed nothing.
          event('UpdateEmailTemplate', '2026-08-01T09:08:00Z', {
            userIdentity: arn('refused'),
            errorCode: 'BadRequestException',
            requestParameters: { templateName: 'shop-welcome-1' },
          }),
          // Another template, and another service's call of the same name.
          event('UpdateEmailTemplate', '2026-08-01T09:07:00Z', {
            userIdentity: arn('other'),
            requestParameters: { templateName: 'shop-welcome-2' },
          }),
          event('UpdateEmailTemplate', '2026-08-01T09:06:30Z', {
            eventSource: 'pinpoint.amazonaws.com',
            userIdentity: arn('pinpoint'),
            requestParameters: { templateName: 'shop-welcome-1' },
          }),
          event('UpdateEmailTemplate', '2026-08-01T09:02:00Z', {
            userIdentity: arn('earlier'),
            requestParameters: { templateName: 'shop-welcome-1' },
          }),
        ],
        UpdateTemplate: [
          event('UpdateTemplate', '2026-08-01T09:05:00Z', {
            userIdentity: arn('v1'),
            requestParameters: { template: { templateName: 'shop-welcome-1' } },
          }),
        ],
      }),
      'shop-',
    );
    expect(await editors.whoEdited('welcome-1', since, until)).toBe(
      'arn:aws:sts::123456789012:assumed-role/Editors/v1',
    );
  });

  it('takes the user name when the record has no ARN, and says nothing when no edit is found', async () => {
    const editors = new CloudTrailTemplateEditors(
      trail({
        UpdateEmailTemplate: [
          event(
            'UpdateEmailTemplate',
            '2026-08-01T09:03:00Z',
            { requestParameters: { templateName: 'welcome-1' } },
            'ops',
          ),
        ],
      }),
      '',
    );
    expect(await editors.whoEdited('welcome-1', since, until)).toBe('ops');
    expect(await editors.whoEdited('welcome-2', since, until)).toBeUndefined();
  });
});
