import { describe, expect, it } from 'vitest';
import { itemSize, transactionTableUnits } from '../../bench/aws-meter.js';

/*
 * The bench prices a transaction's writes as AWS bills them, item by item: DynamoDB Local reports them on
 * the items' total size, which made a first order of 23 items look like 12 write units.
 */
describe("the bench's meter", () => {
  it("sizes an item as DynamoDB does: names and values, a map's or list's 3 bytes and 1 per element", () => {
    expect(itemSize({ pk: { S: 'CUSTOMER#a' }, n: { N: '12345' }, ok: { BOOL: true } })).toBe(2 + 10 + 1 + 4 + 2 + 1);
    expect(itemSize({ m: { M: { a: { S: 'xy' } } }, l: { L: [{ S: 'z' }] } })).toBe(
      1 + (3 + 1 + 2 + 1) + 1 + (3 + 1 + 1),
    );
  });

  it('bills each item of a transaction apart, 2 WRU per KB rounded up, a check or update at least 2', () => {
    const small = { pk: { S: 'CUSTOMER#a' }, sk: { S: 'TIMELINE#1' } };
    const large = { pk: { S: 'CUSTOMER#a' }, sk: { S: 'PROFILE' }, customer: { S: 'x'.repeat(1_500) } };
    const input = {
      TransactItems: [
        { Put: { TableName: 't', Item: small } },
        { Put: { TableName: 't', Item: large } },
        { ConditionCheck: { TableName: 't', Key: small, ConditionExpression: 'attribute_exists(pk)' } },
        { Update: { TableName: 't', Key: small, UpdateExpression: 'SET a = :a' } },
      ],
    };
    expect(transactionTableUnits(input)).toBe(2 + 4 + 2 + 2);
  });
});
