import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../../functions/adapters/s3-objects.js';

describe('Signature Version 4 of S3 requests', () => {
  it("signs AWS's documented example (GET Object, Amazon S3 API reference) to its published signature", () => {
    const headers = signedHeaders({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/test.txt',
      headers: { Range: 'bytes=0-9' },
      body: '',
      region: 'us-east-1',
      service: 's3',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      at: new Date('2013-05-24T00:00:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it("signs a role's session token with the request", () => {
    const headers = signedHeaders({
      method: 'PUT',
      host: 'b.s3.eu-west-1.amazonaws.com',
      path: '/reports/x.html',
      headers: {},
      body: '<p>',
      region: 'eu-west-1',
      service: 's3',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOKEN' },
      at: new Date('2026-12-07T08:00:00Z'),
    });
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
  });
});
