/** The credentials the local engines take (DynamoDB Local and the local SES check none). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
