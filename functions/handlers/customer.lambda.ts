import { hashEmail } from '../adapters/email-hash.js';
import { createCustomerHandler } from './customer.js';
import { deployedParts } from './deployed-parts.js';
import { powertools } from './powertools.js';
import { customerChanges } from './wiring.js';

export const handler = createCustomerHandler({
  ...customerChanges(deployedParts()),
  hashEmail,
  ...powertools('customer'),
});
