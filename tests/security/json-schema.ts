/**
 * A small JSON Schema (2020-12) validator for the keywords docs/generic-webhook.schema.json uses, so that
 * the fuzzing can check the published schema against what the parser accepts without another dependency.
 * An unknown keyword throws: a schema that grows a keyword this does not know must not pass unchecked.
 */

type Schema = Readonly<Record<string, unknown>>;

/** Keywords that only describe: they never make a value invalid (`format` is an annotation in 2020-12). */
const ANNOTATIONS = new Set(['$id', '$schema', 'title', 'description', 'format', 'default', 'examples']);
const ASSERTIONS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'const',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'items',
  'minItems',
  'maxItems',
  'oneOf',
  'anyOf',
  'allOf',
]);

const patterns = new Map<string, RegExp>();

/** The first reason `value` does not match `schema`, as `<path>: <keyword>`, or undefined when it matches. */
export function schemaError(schema: Schema, value: unknown, path = '$'): string | undefined {
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) throw new Error(`unsupported keyword ${keyword}`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) return `${path}: type ${types.join('|')}`;
  }
  if ('const' in schema && !deepEqual(schema.const, value)) return `${path}: const`;
  if (schema.enum !== undefined && !(schema.enum as unknown[]).some((option) => deepEqual(option, value))) {
    return `${path}: enum`;
  }
  if (typeof value === 'string') {
    // JSON Schema counts characters (code points), not UTF-16 units.
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) return `${path}: minLength`;
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) return `${path}: maxLength`;
    if (typeof schema.pattern === 'string') {
      let regex = patterns.get(schema.pattern);
      if (!regex) {
        regex = new RegExp(schema.pattern, 'u');
        patterns.set(schema.pattern, regex);
      }
      if (!regex.test(value)) return `${path}: pattern`;
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${path}: minimum`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${path}: maximum`;
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      return `${path}: exclusiveMinimum`;
    }
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
      return `${path}: exclusiveMaximum`;
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${path}: minItems`;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return `${path}: maxItems`;
    if (schema.items !== undefined) {
      for (const [index, item] of value.entries()) {
        const error = schemaError(schema.items as Schema, item, `${path}[${index}]`);
        if (error) return error;
      }
    }
  }
  if (isObject(value)) {
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!Object.hasOwn(value, key)) return `${path}.${key}: required`;
    }
    const properties = (schema.properties ?? {}) as Readonly<Record<string, Schema>>;
    for (const [key, child] of Object.entries(value)) {
      if (Object.hasOwn(properties, key)) {
        const error = schemaError(properties[key] as Schema, child, `${path}.${key}`);
        if (error) return error;
      } else if (schema.additionalProperties === false) {
        return `${path}.${key}: additionalProperties`;
      } else if (isObject(schema.additionalProperties)) {
        const error = schemaError(schema.additionalProperties as Schema, child, `${path}.${key}`);
        if (error) return error;
      }
    }
  }
  if (schema.allOf !== undefined) {
    for (const part of schema.allOf as Schema[]) {
      const error = schemaError(part, value, path);
      if (error) return error;
    }
  }
  if (schema.anyOf !== undefined && (schema.anyOf as Schema[]).every((part) => schemaError(part, value, path))) {
    return `${path}: anyOf`;
  }
  if (schema.oneOf !== undefined) {
    const errors = (schema.oneOf as Schema[]).map((part) => schemaError(part, value, path));
    const matching = errors.filter((error) => error === undefined).length;
    if (matching !== 1) {
      // The closest branch's reason is the useful one: the branch of the same `type`, if any.
      const reasons = errors.filter((error): error is string => error !== undefined && !error.endsWith('.type: const'));
      return matching === 0 ? `${path}: oneOf (${reasons[0] ?? 'no branch'})` : `${path}: oneOf (${matching} match)`;
    }
  }
  return undefined;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`unsupported type ${type}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
