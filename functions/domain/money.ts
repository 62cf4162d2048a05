import { z } from 'zod';

/** Money as integer minor units with an ISO 4217 currency code. Never a float. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'expected an ISO 4217 currency code such as USD' });

export const MoneySchema = z.object({
  amount: z.number().int({ message: 'expected an integer amount in minor units' }),
  currency: CurrencySchema,
});

export function zero(currency: string): Money {
  return { amount: 0, currency };
}
