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
