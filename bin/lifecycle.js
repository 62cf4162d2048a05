#!/usr/bin/env node
// Entry of `npx lifecycle`. tsx is registered first: the application's lifecycle.config.ts is TypeScript.
// In this repository the tool runs from its sources (./lifecycle.ts); installed from npm, from dist/.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const source = new URL('./lifecycle.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/bin/lifecycle.js', import.meta.url).href);
