import { defineConfig } from './functions/domain/config.js';

/**
 * The one configuration of this product, read by the CDK app, the Lambda functions (bundled in) and the
 * local runtime. Every field is documented in functions/domain/config.ts; a wrong value fails
 * `npm test`, `npx cdk synth` and `npm start` with a message naming the field.
 */
export default defineConfig({
  storeName: 'Demo Store',
  sender: { from: 'Demo Store <hello@example.com>' },
  postalAddress: 'Demo Store, 1 Example Street, Springfield, OR 97477, USA',
  reportingCurrency: 'USD',
  sources: { generic: { enabled: true } },
  journeys: {
    welcomeSeries: { enabled: true, secondEmailAfter: 'P2D' },
  },
});
