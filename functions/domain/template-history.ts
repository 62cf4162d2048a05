/**
 * The kept versions of the stored email templates: every content SES held for a template, from the first
 * sight of it (version 1) on, with the lint's verdict. A template whose newest version is broken is held:
 * the dispatcher defers its sends until a version passes again (an edit, or `lifecycle templates rollback`).
 */

/** What SES stores of a template: its subject and its two bodies. */
export interface TemplateContent {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** Whether a version passed the lint of `lifecycle templates lint` (its errors; warnings do not count). */
export type TemplateVerdict = 'passes' | 'broken';

/** Lint errors kept with a version: at most this many, each at most {@link MAX_PROBLEM_LENGTH} characters. */
export const MAX_KEPT_PROBLEMS = 10;
export const MAX_PROBLEM_LENGTH = 300;
/** Who changed a template, as kept: an ARN or principal, at most this long. */
export const MAX_WHO_LENGTH = 256;

/** One kept version of a template. */
export interface TemplateVersion {
  /** The template's name without the stack's prefix, as in templates/. */
  readonly template: string;
  /** 1 for the first content seen, then one more for each new content. */
  readonly number: number;
  /** SHA-256 of the content (see {@link contentDigestInput}), hex. */
  readonly hash: string;
  /** When the content was first seen (or written, by a rollback). */
  readonly seenAt: string;
  /** Who changed it, when known: an ARN or principal from CloudTrail, or the CLI's caller on a rollback. */
  readonly who?: string | undefined;
  readonly verdict: TemplateVerdict;
  /** The lint's errors, when broken. */
  readonly problems: readonly string[];
  /** How the version came: an edit noticed in SES, or a rollback to an earlier version. */
  readonly origin: 'seen' | 'rollback';
  /** The version this one rolled back to. */
  readonly rollbackOf?: number | undefined;
  /** The content; absent when it was too large to keep (then it cannot be rolled back to). */
  readonly content?: TemplateContent | undefined;
}

/** A template's newest version, as the dispatcher reads it before a send: one read per template per tick. */
export interface TemplateStatus {
  readonly template: string;
  readonly number: number;
  readonly hash: string;
  readonly verdict: TemplateVerdict;
  readonly seenAt: string;
  /** Who made the newest version, when known: the check asks again while it is not. */
  readonly who?: string | undefined;
}

/** The text a version's hash is taken of: the three parts, each with its length, so no two contents share it. */
export function contentDigestInput(content: TemplateContent): string {
  return [content.subject, content.html, content.text].map((part) => `${part.length}:${part}`).join('\n');
}

/** A new version after `latest` (or version 1), with its verdict from the lint's errors. */
export function nextVersion(
  latest: Pick<TemplateStatus, 'number'> | undefined,
  seen: {
    readonly template: string;
    readonly content: TemplateContent;
    readonly hash: string;
    readonly at: string;
    readonly errors: readonly string[];
    readonly who?: string | undefined;
    readonly rollbackOf?: number | undefined;
  },
): TemplateVersion {
  return {
    template: seen.template,
    number: (latest?.number ?? 0) + 1,
    hash: seen.hash,
    seenAt: seen.at,
    ...(seen.who ? { who: bounded(seen.who, MAX_WHO_LENGTH) } : {}),
    verdict: seen.errors.length > 0 ? 'broken' : 'passes',
    problems: seen.errors.slice(0, MAX_KEPT_PROBLEMS).map((problem) => bounded(problem, MAX_PROBLEM_LENGTH)),
    origin: seen.rollbackOf === undefined ? 'seen' : 'rollback',
    ...(seen.rollbackOf !== undefined ? { rollbackOf: seen.rollbackOf } : {}),
    content: seen.content,
  };
}

/** The status a version makes of its template. */
export function statusOf(version: TemplateVersion): TemplateStatus {
  const { template, number, hash, verdict, seenAt, who } = version;
  return { template, number, hash, verdict, seenAt, ...(who !== undefined ? { who } : {}) };
}

/**
 * How long after an edit was kept the check still asks the audit trail who made it: CloudTrail delivers an
 * event within about 15 minutes of the call, and the check runs every five.
 */
export const EDITOR_LOOKUP_WINDOW_MS = 60 * 60_000;

/**
 * Whether the check should ask again who made a template's newest version: an edit (not a first sight),
 * kept without who, less than {@link EDITOR_LOOKUP_WINDOW_MS} ago.
 */
export function editorStillUnknown(status: TemplateStatus, now: Date): boolean {
  return (
    status.who === undefined &&
    status.number > 1 &&
    now.getTime() - Date.parse(status.seenAt) <= EDITOR_LOOKUP_WINDOW_MS
  );
}

/** A kept version with who made it, found later. */
export function withEditor(version: TemplateVersion, who: string): TemplateVersion {
  return { ...version, who: bounded(who, MAX_WHO_LENGTH) };
}

/**
 * The version a rollback goes back to: the one asked for, else the newest before the current one that passes
 * and whose content was kept. A reason in words when there is none.
 */
export function rollbackTarget(
  versions: readonly TemplateVersion[],
  asked: number | undefined,
): { readonly version: TemplateVersion } | { readonly refused: string } {
  const current = versions.at(-1);
  if (!current) return { refused: 'no version of it is kept yet' };
  if (asked !== undefined) {
    const version = versions.find((v) => v.number === asked);
    if (!version) return { refused: `no version ${asked} (versions 1 to ${current.number})` };
    if (version.number === current.number) return { refused: `version ${asked} is the current one` };
    if (version.verdict === 'broken') return { refused: `version ${asked} fails lint: ${version.problems[0] ?? ''}` };
    if (!version.content) return { refused: `version ${asked} was too large to keep its content` };
    return { version };
  }
  const earlier = versions
    .filter((v) => v.number < current.number && v.verdict === 'passes' && v.content && v.hash !== current.hash)
    .at(-1);
  return earlier ? { version: earlier } : { refused: 'no earlier version passes lint' };
}

function bounded(text: string, length: number): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
