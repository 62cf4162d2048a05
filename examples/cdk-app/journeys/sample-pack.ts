import { defineJourney } from 'lifecycle-engine/config';

/**
 * A journey of the shop's own: every new subscriber is offered a free sample pack, once. Its template is
 * templates/sample-pack-offer/, which gets the data every template gets (firstName, storeName, storeUrl,
 * unsubscribeUrl, postalAddress).
 */
export const samplePack = defineJourney({
  id: 'sample-pack',
  name: 'Sample pack',
  description: 'Offers every new subscriber a free sample pack.',
  trigger: { event: 'customer.signed_up' },
  reentry: { policy: 'once' },
  exitOn: [{ event: 'order.placed' }],
  topic: 'offers',
  steps: [{ id: 'offer', type: 'send', template: 'sample-pack-offer', category: 'marketing', priority: 'high' }],
});
