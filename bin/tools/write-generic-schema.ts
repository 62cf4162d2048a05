import { writeFileSync } from 'node:fs';
import { genericWebhookJsonSchema } from '../../functions/adapters/webhooks/generic.js';

// Regenerates docs/generic-webhook.schema.json from the zod schemas; a test keeps the two equal.
writeFileSync('docs/generic-webhook.schema.json', `${JSON.stringify(genericWebhookJsonSchema(), null, 2)}\n`);
console.log('wrote docs/generic-webhook.schema.json');
