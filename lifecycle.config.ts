import { defineConfig } from './functions/domain/config.js';

/**
 * The one configuration of this product, read by the CDK app, the Lambda functions (bundled in) and the
 * local runtime. Every field is documented in functions/domain/config.ts; a wrong value fails
 * `npm test`, `npx cdk synth` and `npm start` with a message naming the field.
 */
export default defineConfig({
  storeName: 'Demo Store',
  storeUrl: 'https://shop.example.com',
  sender: { from: 'Demo Store <hello@example.com>' },
  postalAddress: 'Demo Store, 1 Example Street, Springfield, OR 97477, USA',
  reportingCurrency: 'USD',
  sources: { generic: { enabled: true } },
  journeys: {
    welcomeSeries: { secondAfter: 'P2D', thirdAfter: 'P4D' },
    repeatIncentive: {
      discountCode: 'COMEBACK10',
      discountText: '10% off your next order',
      // A code of their own per customer, from the pool `lifecycle offers import` fills; COMEBACK10 when it is empty.
      offer: { name: 'comeback', kind: 'percentage', value: 10, validFor: 'P14D', terms: 'One use, on one order.' },
    },
    replenishment: { intervals: [] },
  },
  quietHours: { start: '21:00', end: '08:00' },
  frequencyCap: [
    { max: 1, per: 'PT16H' },
    { max: 3, per: 'P7D' },
  ],
});
