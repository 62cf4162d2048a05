import { describe, expect, it } from 'vitest';
import type { Customer } from '../../../functions/domain/customer.js';
import { buildTemplateData, FIRST_NAME_FALLBACK, plainText } from '../../../functions/domain/template-data.js';
import { testConfig } from '../../helpers/config.js';
import { aCustomer } from '../../helpers/customers.js';

const customer: Customer = aCustomer('cus_1', 'ada@example.com');
const context = { config: testConfig(), unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t' };

describe('template data', () => {
  it('gives every template the name, the store and the footer parts', () => {
    expect(buildTemplateData('welcome-1', customer, context)).toEqual({
      firstName: 'Ada',
      storeName: 'Test Shop',
      unsubscribeUrl: 'https://api.example.com/unsubscribe?token=t',
      postalAddress: 'Test Shop, 1 Test Road, Testville 12345',
    });
  });

  it('falls back to a greeting when the first name is unknown or empty once made safe', () => {
    expect(buildTemplateData('welcome-1', { ...customer, firstName: undefined }, context).firstName).toBe(
      FIRST_NAME_FALLBACK,
    );
    expect(buildTemplateData('welcome-1', { ...customer, firstName: ' <> ' }, context).firstName).toBe(
      FIRST_NAME_FALLBACK,
    );
  });

  it('a name with line breaks or markup cannot break a header or become HTML', () => {
    const data = buildTemplateData(
      'welcome-1',
      { ...customer, firstName: 'Eve\r\nBcc: x@evil.example<script>alert(1)</script>' },
      context,
    );
    expect(data.firstName).not.toMatch(/[\r\n<>]/);
    expect(plainText('Tom "T" `x`\u2028y')).toBe('Tom T x y');
  });
});
