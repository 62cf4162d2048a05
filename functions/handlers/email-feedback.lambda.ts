import { hashEmail } from '../adapters/email-hash.js';
import { deployedParts } from './deployed-parts.js';
import { createEmailFeedbackHandler } from './email-feedback.js';
import { powertools } from './powertools.js';
import { customerChanges } from './wiring.js';

export const handler = createEmailFeedbackHandler({
  ...customerChanges(deployedParts()),
  hashEmail,
  ...powertools('email-feedback'),
});
