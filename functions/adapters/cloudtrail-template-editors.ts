import { type CloudTrailClient, type Event, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { TemplateEditors } from '../ports/stored-templates.js';

/**
 * The SES calls that change a template's content: API v2's `UpdateEmailTemplate` (the SES console, the CLI's
 * `sesv2`, this package's rollback) and API v1's `UpdateTemplate` (older tools and scripts).
 */
export const TEMPLATE_EDIT_EVENTS = ['UpdateEmailTemplate', 'UpdateTemplate'] as const;
const SES_EVENT_SOURCE = 'ses.amazonaws.com';
/** LookupEvents answers at most 50 events a page; pages read per event name at most. */
const PAGE_SIZE = 50;
const MAX_PAGES = 4;
/** The JSON of one event is a few KB; one far larger is not read. */
const MAX_EVENT_JSON = 100_000;

/**
 * Who edited a template, from CloudTrail's event history: the management events of the account's last 90
 * days, kept without a trail (`LookupEvents`, two requests a second per account and region). The newest
 * successful edit of the template in the window names its principal: the ARN of `userIdentity`, else the
 * event's user name.
 */
export class CloudTrailTemplateEditors implements TemplateEditors {
  constructor(
    private readonly client: Pick<CloudTrailClient, 'send'>,
    /** The stack's template prefix: SES's names are `<prefix><name>`. */
    private readonly prefix: string,
  ) {}

  async whoEdited(name: string, since: Date, until: Date): Promise<string | undefined> {
    const templateName = `${this.prefix}${name}`;
    let newest: { readonly at: number; readonly who: string } | undefined;
    for (const eventName of TEMPLATE_EDIT_EVENTS) {
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await this.client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
            // CloudTrail's event times are whole seconds: an edit in the second of `since` counts.
            StartTime: new Date(Math.floor(since.getTime() / 1000) * 1000),
            EndTime: until,
            MaxResults: PAGE_SIZE,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        // Newest first: the first edit of the template on a page is the newest of this event name.
        const edit = (answer.Events ?? []).map((event) => editOf(event, templateName)).find((e) => e !== undefined);
        if (edit) {
          if (!newest || edit.at > newest.at) newest = edit;
          break;
        }
        token = answer.NextToken;
        if (!token) break;
      }
    }
    return newest?.who;
  }
}

/** The time and principal of an event that changed this template; `undefined` for any other event. */
function editOf(event: Event, templateName: string): { at: number; who: string } | undefined {
  const json = event.CloudTrailEvent;
  if (!json || json.length > MAX_EVENT_JSON) return undefined;
  let record: CloudTrailRecord;
  try {
    record = JSON.parse(json) as CloudTrailRecord;
  } catch {
    return undefined;
  }
  // A call SES refused changed nothing.
  if (record.eventSource !== SES_EVENT_SOURCE || record.errorCode !== undefined) return undefined;
  const names = [
    record.requestParameters?.templateName,
    record.requestParameters?.template?.templateName,
    ...(event.Resources ?? []).map((resource) => resource.ResourceName),
  ];
  if (!names.includes(templateName)) return undefined;
  const who = stringOf(record.userIdentity?.arn) ?? stringOf(event.Username);
  const at = event.EventTime?.getTime() ?? Date.parse(String(record.eventTime));
  return who && Number.isFinite(at) ? { at, who } : undefined;
}

/** The fields read of a CloudTrail record (the `CloudTrailEvent` JSON), as CloudTrail's record contents document them. */
interface CloudTrailRecord {
  readonly eventSource?: string;
  readonly eventTime?: string;
  readonly errorCode?: string;
  readonly userIdentity?: { readonly arn?: unknown };
  readonly requestParameters?: {
    /** API v2: `UpdateEmailTemplate`. */
    readonly templateName?: unknown;
    /** API v1: `UpdateTemplate`. */
    readonly template?: { readonly templateName?: unknown };
  } | null;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
