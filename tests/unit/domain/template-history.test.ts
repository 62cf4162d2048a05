import { describe, expect, it } from 'vitest';
import {
  contentDigestInput,
  MAX_KEPT_PROBLEMS,
  MAX_WHO_LENGTH,
  nextVersion,
  rollbackTarget,
  type TemplateVersion,
} from '../../../functions/domain/template-history.js';

const content = (n: number) => ({ subject: `S${n}`, html: `<p>${n}</p>`, text: `${n}` });

function versions(verdicts: readonly ('passes' | 'broken')[]): TemplateVersion[] {
  let latest: TemplateVersion | undefined;
  return verdicts.map((verdict, index) => {
    latest = nextVersion(latest, {
      template: 'welcome-1',
      content: content(index + 1),
      hash: `h${index + 1}`,
      at: `2026-08-01T09:0${index}:00.000Z`,
      errors: verdict === 'broken' ? ['body.html: no unsubscribe link'] : [],
    });
    return latest;
  });
}

describe('template versions', () => {
  it('number from 1, and keep who and the problems bounded, on one line each', () => {
    const first = nextVersion(undefined, {
      template: 'welcome-1',
      content: content(1),
      hash: 'h1',
      at: '2026-08-01T09:00:00.000Z',
      errors: Array.from({ length: 30 }, (_, n) => `problem ${n}\n${'x'.repeat(1000)}`),
      who: `arn:aws:iam::123456789012:user/${'a'.repeat(1000)}\r\nforged line`,
    });
    expect(first).toMatchObject({ number: 1, verdict: 'broken', origin: 'seen' });
    expect(first.problems).toHaveLength(MAX_KEPT_PROBLEMS);
    expect(first.problems.every((problem) => problem.length <= 300 && !problem.includes('\n'))).toBe(true);
    expect(first.who?.length).toBe(MAX_WHO_LENGTH);
    expect(first.who).not.toMatch(/[\r\n]/);
    expect(
      nextVersion(first, { ...first, content: content(1), at: first.seenAt, errors: [], rollbackOf: 1 }),
    ).toMatchObject({
      number: 2,
      verdict: 'passes',
      origin: 'rollback',
      rollbackOf: 1,
    });
  });

  it('hash the parts with their lengths, so that moving text between parts makes another content', () => {
    expect(contentDigestInput({ subject: 'ab', html: 'c', text: '' })).not.toBe(
      contentDigestInput({ subject: 'a', html: 'bc', text: '' }),
    );
  });

  it('roll back to the newest earlier version that passes, or to the one asked for if it may be', () => {
    const kept = versions(['passes', 'passes', 'broken', 'broken']);
    expect(rollbackTarget(kept, undefined)).toMatchObject({ version: { number: 2 } });
    expect(rollbackTarget(kept, 1)).toMatchObject({ version: { number: 1 } });
    expect(rollbackTarget(kept, 3)).toEqual({ refused: 'version 3 fails lint: body.html: no unsubscribe link' });
    expect(rollbackTarget(kept, 4)).toEqual({ refused: 'version 4 is the current one' });
    expect(rollbackTarget(kept, 9)).toEqual({ refused: 'no version 9 (versions 1 to 4)' });
    const withoutContent = kept.map((version) => (version.number === 2 ? { ...version, content: undefined } : version));
    expect(rollbackTarget(withoutContent, undefined)).toMatchObject({ version: { number: 1 } });
    expect(rollbackTarget(withoutContent, 2)).toEqual({ refused: 'version 2 was too large to keep its content' });
    expect(rollbackTarget(versions(['broken', 'broken']), undefined)).toEqual({
      refused: 'no earlier version passes lint',
    });
    expect(rollbackTarget([], undefined)).toEqual({ refused: 'no version of it is kept yet' });
  });
});
