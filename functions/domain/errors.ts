/**
 * Named errors of the domain. Each carries a stable `code` so that handlers can map it to an answer or a
 * metric without parsing messages. Messages never contain personal data.
 */
export class DomainError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The configuration is invalid; `field` is the dotted path of the first offending field (empty when the
 * file as a whole is wrong, e.g. a syntax error). The message is one sentence naming the file, when known,
 * and the field.
 */
export class ConfigError extends DomainError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('InvalidConfig', message);
    this.field = field;
  }
}

/** A journey definition is invalid; names the journey and, when known, the step. */
export class JourneyDefinitionError extends DomainError {
  readonly journeyId: string;
  readonly stepId: string | undefined;

  constructor(journeyId: string, stepId: string | undefined, message: string) {
    super('InvalidJourney', `journey "${journeyId}"${stepId ? `, step "${stepId}"` : ''}: ${message}`);
    this.journeyId = journeyId;
    this.stepId = stepId;
  }
}

/** A campaign definition that does not validate: the campaign and the field are named. */
export class CampaignDefinitionError extends DomainError {
  readonly campaignId: string;

  constructor(campaignId: string, message: string) {
    super('InvalidCampaign', `campaign "${campaignId}": ${message}`);
    this.campaignId = campaignId;
  }
}

/** Optimistic concurrency lost after the allowed number of retries. Retrying the whole event is safe. */
export class ConcurrentUpdateError extends DomainError {
  constructor(what: string) {
    super('ConcurrentUpdate', `concurrent update of ${what} did not settle; the event will be retried`);
  }
}

/** A canonical event that does not match the schema of its version. Sent to the dead-letter queue. */
export class InvalidCanonicalEventError extends DomainError {
  constructor(message: string) {
    super('InvalidCanonicalEvent', message);
  }
}

/** The name logs give a validation error that zod's `.parse()` threw (zod/mini names it `$ZodError`). */
export const VALIDATION_ERROR = 'ValidationError';

/** The most field paths a log line names of one validation error. */
const MAX_LOGGED_FIELDS = 5;

/** What a log may say of an error: its name and, for a validation error, the paths of the fields at fault. */
export interface LoggedError {
  readonly name: string;
  readonly fields?: readonly string[];
}

/**
 * What a log may say of `error`. A validation error is named {@link VALIDATION_ERROR} with the paths of its
 * first issues (`data.customer.email`), never its message nor the values it was given; a path segment
 * that is not a plain name or an index (a record's key, which is input) is written `*`.
 */
export function loggedError(error: unknown): LoggedError {
  if (isValidationError(error)) {
    const paths = error.issues.map((issue) => issue.path.map(pathSegment).join('.') || '(root)');
    return { name: VALIDATION_ERROR, fields: [...new Set(paths)].slice(0, MAX_LOGGED_FIELDS) };
  }
  return { name: error instanceof Error ? error.name : 'UnknownError' };
}

/** The name a log or a timeline entry gives `error` (see {@link loggedError}). */
export function errorName(error: unknown): string {
  return loggedError(error).name;
}

/**
 * `error` in one line of a log: `Name: message`, and a validation error as `ValidationError at <paths>`
 * (see {@link loggedError}).
 */
export function errorLine(error: unknown): string {
  const { name, fields } = loggedError(error);
  if (fields) return `${name} at ${fields.join(', ')}`;
  return error instanceof Error ? `${name}: ${error.message}` : name;
}

/**
 * Whether `error` is what zod's `.parse()` throws: recognised by its name and issues rather than by zod's
 * class, whose namespace would carry every zod locale into the bundles that log errors.
 */
function isValidationError(error: unknown): error is Error & { readonly issues: readonly { path: PropertyKey[] }[] } {
  return error instanceof Error && error.name === '$ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}

function pathSegment(segment: PropertyKey): string {
  if (typeof segment === 'number') return String(segment);
  return typeof segment === 'string' && /^[A-Za-z_$][\w$]{0,63}$/.test(segment) ? segment : '*';
}
