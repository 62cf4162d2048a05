import { describe, expect, it } from 'vitest';
import { errorLine, errorName, loggedError } from '../../../functions/domain/errors.js';
import * as z from '../../../functions/domain/zod.js';

/**
 * How logs name an error. zod/mini's `.parse()` throws an error named `$ZodError`, whose message is its
 * issues as JSON: a log names it a validation error, with the paths of the fields at fault and never what
 * they held (the log-privacy rules: tests/security/log-privacy.test.ts).
 */
const PERSONAL = 'zebulon.quackenbush@example';

function validationError(): unknown {
  const schema = z.object({
    customer: z.object({ email: z.email(), firstName: z.string().check(z.maxLength(3)) }),
    tags: z.record(z.string(), z.number()),
  });
  try {
    schema.parse({ customer: { email: PERSONAL, firstName: 'Zebulon' }, tags: { [PERSONAL]: 'x' } });
  } catch (error) {
    return error;
  }
  throw new Error('the input was expected to be refused');
}

describe('errors in logs', () => {
  it('names a validation error thrown by .parse() ValidationError, with the paths of its fields', () => {
    const error = validationError();
    expect(loggedError(error)).toEqual({
      name: 'ValidationError',
      // A record's key is input: its place is named, not the key.
      fields: ['customer.email', 'customer.firstName', 'tags.*'],
    });
    expect(errorName(error)).toBe('ValidationError');
    expect(errorLine(error)).toBe('ValidationError at customer.email, customer.firstName, tags.*');
    expect(JSON.stringify(loggedError(error))).not.toContain('zebulon');
    expect(errorLine(error)).not.toContain('zebulon');
  });

  it('names any other error by its own name, and a thrown value that is no error UnknownError', () => {
    expect(loggedError(new RangeError('out of range'))).toEqual({ name: 'RangeError' });
    expect(errorLine(new RangeError('out of range'))).toBe('RangeError: out of range');
    expect(loggedError('a string')).toEqual({ name: 'UnknownError' });
    expect(errorLine({ email: PERSONAL })).toBe('UnknownError');
  });
});
