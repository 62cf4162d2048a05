import type { Clock } from '../../ports/clock.js';
import type { TemplateVersions } from '../../ports/customer-store.js';
import type { StoredTemplates, TemplateEditors } from '../../ports/stored-templates.js';
import type { LifecycleConfig } from '../config.js';
import {
  editorStillUnknown,
  nextVersion,
  rollbackTarget,
  type TemplateContent,
  type TemplateStatus,
  type TemplateVersion,
  withEditor,
} from '../template-history.js';
import { type LintProblem, storedTemplateErrors, templateUses } from '../template-lint.js';

export interface TemplateHistoryDependencies {
  readonly store: TemplateVersions;
  readonly templates: StoredTemplates;
  /** Who changed a template; without it, versions are kept without `who`. */
  readonly editors?: TemplateEditors | undefined;
  readonly clock: Clock;
  readonly config: LifecycleConfig;
  /** The content's hash (SHA-256 of `contentDigestInput`, hex): given, as the domain computes none. */
  readonly hash: (content: TemplateContent) => string;
}

/** What one check of the stored templates found. */
export interface TemplateCheckResult {
  /** Templates compared with their newest kept version. */
  readonly checked: number;
  /** The versions this check kept (a first sight, or an edit). */
  readonly kept: readonly TemplateVersion[];
  /** Versions kept by an earlier check without who, whose editor the audit trail names now. */
  readonly named: readonly TemplateVersion[];
}

/**
 * Compares every stored template of the stack with its newest kept version, and keeps each new content as
 * the next version (version 1 at a template's first sight), linted against its data contract and the footer
 * rules, with who changed it when the audit trail says. The trail lags by minutes: an edit kept without who
 * is asked about again at each check while it is the newest version, for an hour. A version that fails lint
 * holds the template's sends (the dispatcher reads its verdict) until a later version passes.
 */
export async function checkTemplates(dependencies: TemplateHistoryDependencies): Promise<TemplateCheckResult> {
  const uses = templateUses(dependencies.config);
  const names = await dependencies.templates.names();
  const kept: TemplateVersion[] = [];
  const named: TemplateVersion[] = [];
  for (const name of names) {
    const content = await dependencies.templates.content(name);
    if (!content) continue;
    const hash = dependencies.hash(content);
    const latest = await dependencies.store.templateStatus(name);
    if (latest?.hash === hash) {
      const version = await nameLateEditor(dependencies, latest);
      if (version) named.push(version);
      continue;
    }
    const now = dependencies.clock.now();
    const who = latest ? await whoEdited(dependencies, name, new Date(latest.seenAt), now) : undefined;
    const version = nextVersion(latest, {
      template: name,
      content,
      hash,
      at: now.toISOString(),
      errors: storedTemplateErrors(name, content, uses).map(problemText),
      who,
    });
    // A conflict: another check kept this edit first.
    if ((await dependencies.store.keepTemplateVersion(version, latest?.number)) === 'kept') kept.push(version);
  }
  return { checked: names.length, kept, named };
}

/** What `lifecycle templates rollback` did: the version gone back to, and the new version that made. */
export interface RollbackResult {
  readonly to: TemplateVersion;
  readonly kept: TemplateVersion;
}

/** Why a rollback was not made. */
export class RollbackRefusedError extends Error {
  override readonly name = 'RollbackRefusedError';
}

/**
 * Puts an earlier version's content back in the mail service (`to`, else the newest earlier version that
 * passes lint) and keeps it as the next version, by `who`: a rollback lifts the hold of a broken edit.
 */
export async function rollbackTemplate(
  dependencies: Omit<TemplateHistoryDependencies, 'editors'>,
  name: string,
  options: { readonly to?: number | undefined; readonly who: string },
): Promise<RollbackResult> {
  const versions = await dependencies.store.templateVersions(name);
  const target = rollbackTarget(versions, options.to);
  if ('refused' in target) throw new RollbackRefusedError(`${name}: ${target.refused}`);
  const content = target.version.content as TemplateContent;
  await dependencies.templates.replace(name, content);
  const uses = templateUses(dependencies.config);
  for (let attempt = 0; attempt < 3; attempt++) {
    const latest = await dependencies.store.templateStatus(name);
    const version = nextVersion(latest, {
      template: name,
      content,
      hash: dependencies.hash(content),
      at: dependencies.clock.now().toISOString(),
      errors: storedTemplateErrors(name, content, uses).map(problemText),
      who: options.who,
      rollbackOf: target.version.number,
    });
    if ((await dependencies.store.keepTemplateVersion(version, latest?.number)) === 'kept') {
      return { to: target.version, kept: version };
    }
  }
  throw new RollbackRefusedError(`${name}: its versions kept changing while the rollback was kept; run it again`);
}

/**
 * Asks the audit trail again who made a template's newest version, kept without who less than an hour ago,
 * over the same window as when it was kept: from the version before to the time it was seen.
 */
async function nameLateEditor(
  dependencies: TemplateHistoryDependencies,
  latest: TemplateStatus,
): Promise<TemplateVersion | undefined> {
  if (!dependencies.editors || !editorStillUnknown(latest, dependencies.clock.now())) return undefined;
  const versions = await dependencies.store.templateVersions(latest.template);
  const [previous, newest] = versions.slice(-2);
  if (!previous || !newest || newest.number !== latest.number || newest.who !== undefined) return undefined;
  const who = await whoEdited(dependencies, latest.template, new Date(previous.seenAt), new Date(newest.seenAt));
  if (!who) return undefined;
  const version = withEditor(newest, who);
  return (await dependencies.store.nameTemplateEditor(version)) === 'kept' ? version : undefined;
}

async function whoEdited(
  dependencies: Pick<TemplateHistoryDependencies, 'editors'>,
  name: string,
  since: Date,
  until: Date,
): Promise<string | undefined> {
  try {
    return await dependencies.editors?.whoEdited(name, since, until);
  } catch {
    // Best effort: a version is kept without who rather than not at all.
    return undefined;
  }
}

function problemText(problem: LintProblem): string {
  return `${problem.file ? `${problem.file}: ` : ''}${problem.message}`;
}
