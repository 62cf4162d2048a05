import type { LifecycleConfig } from '../../functions/domain/config.js';
import type { Customer } from '../../functions/domain/customer.js';
import { assess } from '../../functions/domain/intelligence/assess.js';
import { enabledJourneys } from '../../functions/domain/journeys/catalogue.js';
import type { DispatchDependencies } from '../../functions/domain/services/dispatch/dependencies.js';
import type { CustomerStore } from '../../functions/ports/customer-store.js';
import { aCustomer, aRun } from './customers.js';
import { uniqueEmail } from './engines.js';

/**
 * What a dispatch needs, against a test's store and mailer: the configuration's journeys, links shaped as the
 * local runtime's, no store model, nothing published, no re-assessment. `overrides` replace any part.
 */
export function dueRunDispatch(
  parts: Pick<DispatchDependencies, 'store' | 'mailer' | 'clock' | 'config' | 'owner'>,
  overrides: Partial<DispatchDependencies> = {},
): DispatchDependencies {
  return {
    ...parts,
    journeys: enabledJourneys(parts.config),
    links: (id) => ({
      unsubscribeUrl: `http://127.0.0.1:3000/unsubscribe?token=${id}.sig`,
      keepSubscribedUrl: `http://127.0.0.1:3000/unsubscribe?token=${id}.sig&keep=1`,
      npsUrl: (score) => `http://127.0.0.1:3000/feedback?token=${id}.f&score=${score}`,
      confirmUrl: `http://127.0.0.1:3000/confirm?token=${id}.c`,
    }),
    loadModel: async () => undefined,
    publisher: { publish: async () => undefined },
    reassess: async () => undefined,
    ...overrides,
  };
}

/**
 * A subscribed customer whose first welcome email is due at `dueAt`, stored as the customer function stores
 * one (with the stage and segments of their assessment then). Returns their address.
 */
export async function customerWithDueWelcome(
  store: Pick<CustomerStore, 'commitEvent'>,
  config: LifecycleConfig,
  id: string,
  dueAt: string,
  overrides: Partial<Customer> = {},
): Promise<string> {
  const email = uniqueEmail(id);
  const customer = aCustomer(id, email, overrides);
  const { stage, segments } = assess(customer, undefined, new Date(dueAt), config);
  await store.commitEvent({
    eventId: `evt-${id}`,
    customer: { ...customer, stage, segments },
    expectedVersion: undefined,
    claimEmail: email,
    enrollments: [{ enrollment: aRun('welcome-series', dueAt), expectedVersion: undefined }],
    timeline: [],
  });
  return email;
}
