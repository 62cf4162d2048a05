import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../domain/ids.js';

/** 96 random bits, URL-safe: `cus_3kTq…`. */
export const randomIds: IdGenerator = (prefix) => `${prefix}_${randomBytes(12).toString('base64url')}`;
