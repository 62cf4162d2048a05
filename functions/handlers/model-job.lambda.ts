import { deployedParts } from './deployed-parts.js';
import { createModelJobHandler } from './model-job.js';
import { powertools } from './powertools.js';
import { customerChanges } from './wiring.js';

const parts = deployedParts();

export const handler = createModelJobHandler({
  // The job fits the model: it reads the stored one fresh, never from the cache.
  ...customerChanges({ ...parts, loadModel: () => parts.store.loadModel() }),
  random: Math.random,
  ...powertools('model-job'),
});
