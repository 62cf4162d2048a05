import { describe, expect, it } from 'vitest';
import {
  enrollmentMessage,
  InvalidDueWorkMessageError,
  parseDueWorkMessage,
} from '../../../functions/domain/services/dispatch/plan.js';

/** A due work message is untrusted input: a worker takes only what the product's schema allows. */
describe('a page of enrollment on the due work queue', () => {
  const page = { campaignId: 'spring', segment: 3, totalSegments: 20, resumeAfter: '{"pk":"CUSTOMER#c1"}' };

  it('comes back from its message as it was put there', () => {
    expect(parseDueWorkMessage(enrollmentMessage(page))).toEqual({ kind: 'enroll', page });
    const first = { campaignId: 'spring', segment: 0, totalSegments: 20 };
    expect(parseDueWorkMessage(enrollmentMessage(first))).toEqual({ kind: 'enroll', page: first });
  });

  it.each([
    ['a segment outside the scan', { ...page, segment: 20 }, 'enroll.segment'],
    ['a resume key of unbounded size', { ...page, resumeAfter: 'x'.repeat(5_000) }, 'enroll.resumeAfter'],
    ['a field of its own', { ...page, template: 'welcome-1' }, 'enroll'],
    ['no campaign', { ...page, campaignId: '' }, 'enroll.campaignId'],
  ])('is refused with %s, naming the field and not echoing it', (_, body, field) => {
    const parse = () => parseDueWorkMessage(JSON.stringify({ enroll: body }));
    expect(parse).toThrow(InvalidDueWorkMessageError);
    expect(parse).toThrow(`invalid due work message: ${field}`);
    expect(parse).not.toThrow('welcome-1');
  });
});
