/**
 * The AWS operation an SDK command performs: `PutCommand` (document client) and `PutItemCommand` are both
 * PutItem. For what counts or checks calls by operation (the bench's meter, the IAM check's recorder).
 */
export function operationName(commandName: string): string {
  const bare = commandName.replace(/Command$/, '');
  const documentClient: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactWrite: 'TransactWriteItems',
    TransactGet: 'TransactGetItems',
  };
  return documentClient[bare] ?? bare;
}
