import * as net from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, plaintextRefused } from './integ-support/probe';
import { ConfigurationEndpointServer, LOOPBACK, MemcachedServer, RedisServer } from './servers';

// The function that the integration tests deploy next to the cache (test/integ-support/probe.ts),
// run here against real TLS-only servers: what it reports must be what happened, and no secret
// may leave it.

const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:integ-token-AbCdEf';
let redis: RedisServer | undefined;
let memcachedNodes: MemcachedServer[] = [];
let discovery: ConfigurationEndpointServer | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [redis, memcachedNodes] = await Promise.all([RedisServer.start(), MemcachedServer.startMany(2)]);
  discovery = await ConfigurationEndpointServer.start(memcachedNodes);
}, 30_000);

afterAll(async () => {
  await Promise.all([redis?.stop(), discovery?.stop(), ...memcachedNodes.map((node) => node.stop())]);
  secretsManager.restore();
});

afterEach(() => {
  secretsManager.reset();
  for (const name of Object.keys(process.env)) {
    if (!(name in savedEnv)) delete process.env[name];
  }
  Object.assign(process.env, savedEnv);
});

function useRedis(): void {
  Object.assign(process.env, {
    CACHE_ENGINE: 'redis',
    CACHE_HOST: redis!.host,
    CACHE_PORT: String(redis!.port),
    CACHE_CLUSTER_MODE: 'false',
    CACHE_AUTH: 'token',
    CACHE_SECRET_ARN: SECRET_ARN,
    CACHE_CA_CERTIFICATE: redis!.caPem,
  });
}

function secretIs(secretString: string, versionId: string): void {
  secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: secretString, VersionId: versionId });
}

describe('the probe refuses what it was not built for', () => {
  test.each([
    ['no key', {}],
    ['a key with a space', { key: 'a b' }],
    ['a key of 101 characters', { key: 'k'.repeat(101) }],
  ])('%s', async (_name, event) => {
    useRedis();
    await expect(handler(event as any)).rejects.toThrow('The event needs a "key" of 1 to 100 letters');
  });

  test('no endpoint in the environment', async () => {
    await expect(handler({ key: 'k' })).rejects.toThrow('The probe needs CACHE_HOST and CACHE_PORT');
  });
});

describe('Redis with an AUTH token over TLS', () => {
  test('a wrong token fails, without the token in the error', async () => {
    useRedis();
    const wrong = 'wrong-token-0123456789abcdef';
    secretIs(wrong, 'v1');
    const error = await handler({ key: 'integ:wrong' }).then(() => undefined, (e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String(error?.message)).not.toContain(wrong);
    expect(String(error?.stack)).not.toContain(wrong);
  });

  test('before the rotation finished, the rotated version is refused without the secret in the error', async () => {
    useRedis();
    secretIs(redis!.password, 'v1');
    const error = await handler({ key: 'integ:rotated', requireSecretVersion: 'v2' }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe('The secret\'s AWSCURRENT version is "v1", not yet the rotated "v2".');
    expect(error?.message).not.toContain(redis!.password);
  });

  test('connects, writes, reads, sees the TTL and the refused plain-text connection', async () => {
    useRedis();
    secretIs(redis!.password, 'v2');
    const result = await handler({ key: 'integ:token', requireSecretVersion: 'v2' });
    expect(result).toEqual({
      engine: 'redis',
      auth: 'token',
      roundTrip: true,
      ttlHonoured: true,
      plaintextRefused: true,
      secretVersionId: 'v2',
    });
    expect(JSON.stringify(result)).not.toContain(redis!.password);
  });

  test('reads the session store environment that grantSessionAccess sets', async () => {
    Object.assign(process.env, {
      SESSION_STORE_HOST: redis!.host,
      SESSION_STORE_PORT: String(redis!.port),
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_CLUSTER_MODE: 'false',
      SESSION_STORE_AUTH: 'token',
      SESSION_STORE_SECRET_ARN: SECRET_ARN,
      CACHE_CA_CERTIFICATE: redis!.caPem,
    });
    secretIs(redis!.password, 'v3');
    await expect(handler({ key: 'integ:sessions' })).resolves.toMatchObject({ auth: 'token', roundTrip: true, ttlHonoured: true, secretVersionId: 'v3' });
  });
});

test('IAM: logs in as the IAM user, with a token signed from the function\'s credentials and no secret read', async () => {
  // ElastiCache checks the SigV4 token; a local server cannot, so the user takes any password
  // here. What this shows: the probe sends the user name (the default user, whose password is
  // the server's token, would refuse it), over TLS, and reads no secret (none is mocked).
  await redis!.command('ACL', 'SETUSER', 'integ-probe', 'on', 'nopass', '~integ:*', '+@all');
  Object.assign(process.env, {
    CACHE_ENGINE: 'redis',
    CACHE_HOST: redis!.host,
    CACHE_PORT: String(redis!.port),
    CACHE_CLUSTER_MODE: 'false',
    CACHE_AUTH: 'iam',
    CACHE_USERNAME: 'integ-probe',
    CACHE_NAME: 'integ-group',
    CACHE_CA_CERTIFICATE: redis!.caPem,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'session-token',
  });
  const result = await handler({ key: 'integ:iam' });
  expect(result).toEqual({ engine: 'redis', auth: 'iam', roundTrip: true, ttlHonoured: true, plaintextRefused: true });
  expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  expect(JSON.stringify(result)).not.toContain('wJalrXUtnFEMI');
});

describe('the plain-text check', () => {
  test('reports a server that answers PING in plain text', async () => {
    const server = net.createServer((socket) => socket.on('data', () => socket.write('+PONG\r\n')));
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      await expect(plaintextRefused(LOOPBACK, port, 'PING\r\n', '+PONG')).resolves.toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('reports a TLS-only server as refusing', async () => {
    await expect(plaintextRefused(redis!.host, redis!.port, 'PING\r\n', '+PONG')).resolves.toBe(true);
  });
});

test('Memcached: discovers the nodes over TLS, writes, reads, and sees a short TTL expire', async () => {
  Object.assign(process.env, {
    CACHE_ENGINE: 'memcached',
    CACHE_HOST: discovery!.host,
    CACHE_PORT: String(discovery!.port),
    CACHE_CA_CERTIFICATE: discovery!.caPem,
  });
  await expect(handler({ key: 'integ:memcached' })).resolves.toEqual({
    engine: 'memcached',
    auth: 'none',
    roundTrip: true,
    ttlHonoured: true,
    plaintextRefused: true,
  });
}, 20_000);
