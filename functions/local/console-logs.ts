import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Metrics for the functions run locally. Powertools warns "No application metrics to publish" at every
 * invocation that counted nothing (the preference page, a report already recorded…): harmless in AWS, but
 * locally it floods the console. This one publishes nothing, and says nothing, when nothing was counted;
 * everything else (warnings about dimensions, metrics when enabled) is Powertools' own.
 */
export class LocalMetrics extends Metrics {
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) return super.publishStoredMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
  }
}

/** What Powertools puts on every line for CloudWatch; the console says it in the line's head. */
const POWERTOOLS_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
  'correlation_id',
]);

/**
 * A Powertools logger for a function run locally that writes each line readably to `write`, as the local
 * runtime's own activity lines are (`webhook     warn: webhook rejected (source=generic, error=…)`),
 * instead of CloudWatch's JSON. Same levels, same keys as in AWS: only the rendering differs.
 */
export function readableLogger(options: ConstructorOptions, write: (line: string) => void): Logger {
  class ReadableLogger extends Logger {
    protected override printLog(_level: number, item: LogItem): void {
      item.prepareForPrint();
      write(readableLine(item.getAttributes()));
    }

    protected override createLogger(childOptions?: ConstructorOptions): Logger {
      return new ReadableLogger(childOptions);
    }
  }
  return new ReadableLogger(options);
}

/** One log line as the console shows it: service, level, message, then the details as key=value. */
export function readableLine(attributes: Readonly<Record<string, unknown>>): string {
  const service = printable(String(attributes.service ?? 'function'), 40).padEnd(11);
  const level = printable(String(attributes.level ?? 'info'), 10).toLowerCase();
  const details = Object.entries(attributes)
    .filter(([key, value]) => !POWERTOOLS_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${printable(key, 40)}=${shown(value)}`);
  const message = printable(String(attributes.message ?? ''), 300);
  return `${service} ${level}: ${message}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

/** A value, bounded and on one line: plain words as they are, anything else as escaped JSON. */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string') return /^[\w.@:/+#-]{1,120}$/.test(value) ? value : quoted(value);
  if (typeof value === 'object' && 'name' in value && 'message' in value) {
    // An error, as Powertools formats one: its name and message, never its stack.
    return quoted(`${String(value.name)}: ${String(value.message)}`);
  }
  return quoted(JSON.stringify(value) ?? String(value));
}

function quoted(text: string): string {
  return printable(JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text), 240);
}

/**
 * Text from outside as one bounded line for a terminal: only printable ASCII is written as it is; control,
 * bidi and other characters are escaped (`\u001b`), so that no value can move the cursor or fake a line.
 */
export function printable(text: string, max: number): string {
  const bounded = text.length > max ? `${text.slice(0, max)}…` : text;
  return bounded.replace(/[^\x20-\x7e]/g, (character) =>
    character === '…' ? character : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
