import { sesClient } from '../adapters/ses-clients.js';
import { powertools } from './powertools.js';
import { createSeedTemplatesHandler } from './seed-templates.js';

export const handler = createSeedTemplatesHandler({ ses: sesClient(), logger: powertools('template-seed').logger });
