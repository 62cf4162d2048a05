#!/usr/bin/env node
// Entry of `npx lifecycle`: loads the TypeScript command-line tool through tsx, on the Node.js that
// npm puts first on the PATH (Node 22, from the node@22 devDependency).
import { register } from 'tsx/esm/api';

register();
await import('./lifecycle.ts');
