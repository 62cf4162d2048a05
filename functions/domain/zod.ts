/**
 * The one zod the product's schemas are written with: zod/mini, whose functions a bundler keeps only as far as
 * they are used (zod's classic API, whose schemas carry every method, puts ~95 KB in every Lambda bundle), with
 * zod's English messages, which the errors naming a field quote (`Too big: expected string to have <=200
 * characters`). zod/mini loads no language of its own; zod classic loads English the same way.
 *
 * `import * as z from './zod.js'` and use `z` as zod/mini's namespace: `z.optional(z.string().check(z.maxLength(200)))`.
 */

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
