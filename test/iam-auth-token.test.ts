import { createHash, createHmac } from 'crypto';
import { createIamAuthToken, MAX_TOKEN_VALIDITY_SECONDS } from '../examples/iam-auth/iam-auth-token';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNING_DATE = new Date('2026-11-24T18:30:00Z');

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** SigV4 for a presigned GET, computed here from the specification, independently of the SDK. */
function expectedSignature(host: string, query: Record<string, string>, region: string): string {
  const canonicalQuery = Object.keys(query).filter((k) => k !== 'X-Amz-Signature').sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k])}`).join('&');
  const emptyPayload = createHash('sha256').update('').digest('hex');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', emptyPayload].join('\n');
  const amzDate = query['X-Amz-Date'];
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/elasticache/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day), region), 'elasticache'), 'aws4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

function parse(token: string): { host: string; query: Record<string, string> } {
  const [hostAndPath, queryString] = token.split('?');
  const query: Record<string, string> = {};
  for (const pair of queryString.split('&')) {
    const [k, v] = pair.split('=');
    query[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return { host: hostAndPath.replace(/\/$/, ''), query };
}

describe('createIamAuthToken', () => {
  test('is a presigned connect request for the cache and user, without the scheme, valid 15 minutes', async () => {
    const token = await createIamAuthToken({
      cacheName: 'orders-cache', userId: 'orders-api', region: 'us-east-1', credentials: CREDENTIALS, signingDate: SIGNING_DATE,
    });
    const { host, query } = parse(token);

    expect(token.startsWith('orders-cache/?')).toBe(true);
    expect(token).not.toMatch(/^https?:/);
    expect(host).toBe('orders-cache');
    expect(query).toMatchObject({
      'Action': 'connect',
      'User': 'orders-api',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261124/us-east-1/elasticache/aws4_request',
      'X-Amz-Date': '20261124T183000Z',
      'X-Amz-Expires': String(MAX_TOKEN_VALIDITY_SECONDS),
      'X-Amz-SignedHeaders': 'host',
    });
    expect(query.ResourceType).toBeUndefined();
    expect(query['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('carries the signature that SigV4 gives for that request', async () => {
    const token = await createIamAuthToken({
      cacheName: 'orders-cache', userId: 'orders-api', region: 'eu-west-1', credentials: CREDENTIALS, signingDate: SIGNING_DATE,
    });
    const { host, query } = parse(token);

    expect(query['X-Amz-Signature']).toBe(expectedSignature(host, query, 'eu-west-1'));
  });

  test('signs ResourceType=ServerlessCache for serverless caches, and a session token when the credentials have one', async () => {
    const token = await createIamAuthToken({
      cacheName: 'sessions',
      userId: 'web',
      region: 'us-east-1',
      serverless: true,
      signingDate: SIGNING_DATE,
      credentials: { ...CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLE/+=' },
    });
    const { host, query } = parse(token);

    expect(query.ResourceType).toBe('ServerlessCache');
    expect(query['X-Amz-Security-Token']).toBe('FwoGZXIvYXdzEXAMPLE/+=');
    expect(token).toContain('X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2B%3D');
    expect(query['X-Amz-Signature']).toBe(expectedSignature(host, query, 'us-east-1'));
  });

  test('a different user or cache gives a different signature', async () => {
    const base = { region: 'us-east-1', credentials: CREDENTIALS, signingDate: SIGNING_DATE };
    const a = parse(await createIamAuthToken({ ...base, cacheName: 'orders-cache', userId: 'orders-api' })).query['X-Amz-Signature'];
    const b = parse(await createIamAuthToken({ ...base, cacheName: 'orders-cache', userId: 'orders-worker' })).query['X-Amz-Signature'];
    const c = parse(await createIamAuthToken({ ...base, cacheName: 'billing-cache', userId: 'orders-api' })).query['X-Amz-Signature'];

    expect(new Set([a, b, c]).size).toBe(3);
  });

  test.each([0, 901, 1.5])('rejects a validity of %p seconds', async (expiresInSeconds) => {
    await expect(createIamAuthToken({
      cacheName: 'orders-cache', userId: 'orders-api', region: 'us-east-1', credentials: CREDENTIALS, expiresInSeconds,
    })).rejects.toThrow(/expiresInSeconds must be an integer from 1 to 900/);
  });
});
