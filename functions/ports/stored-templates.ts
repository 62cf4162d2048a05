import type { TemplateContent } from '../domain/template-history.js';

/** The stack's templates in the mail service (SES), by their names without the stack's prefix. */
export interface StoredTemplates {
  /** The names of the stack's templates. */
  names(): Promise<string[]>;
  /** A template's content, or `undefined` when the mail service has no template of that name. */
  content(name: string): Promise<TemplateContent | undefined>;
  /** Replaces a template's content (a rollback). */
  replace(name: string, content: TemplateContent): Promise<void>;
}

/** Who changed a template, from the account's audit trail, best effort. */
export interface TemplateEditors {
  /**
   * The principal (an ARN) who last changed the template between `since` and `until`, or `undefined` when
   * the trail does not say (yet: it lags by minutes) or cannot be read.
   */
  whoEdited(name: string, since: Date, until: Date): Promise<string | undefined>;
}
