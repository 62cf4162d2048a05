import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AWS_CALLS_DIRECTORY_VARIABLE, type RecordedRequest } from './recorded-call.js';

/** Every distinct IAM request the functions made while the rest of the suite ran. */
export function recordedRequests(environment: NodeJS.ProcessEnv = process.env): RecordedRequest[] {
  const directory = environment[AWS_CALLS_DIRECTORY_VARIABLE];
  if (!directory || !existsSync(directory)) return [];
  const unique = new Map<string, RecordedRequest>();
  for (const file of readdirSync(directory)) {
    for (const line of readFileSync(join(directory, file), 'utf8').split('\n')) {
      if (line.trim() !== '') unique.set(line, JSON.parse(line) as RecordedRequest);
    }
  }
  return [...unique.values()];
}
