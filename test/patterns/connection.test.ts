import { CacheConnectionError, credentialsFromSecret, ValkeyClient } from '../../examples/patterns';
import { freePort, RedisServer } from '../servers';
import { connectTo, stopAll } from './support';

describe('credentialsFromSecret', () => {
  test.each([
    { case: 'a plain-text AUTH token', secret: 'tok3n-value', options: {}, expected: { password: 'tok3n-value' } },
    { case: 'a plain-text token with a trailing newline', secret: 'tok3n-value\n', options: {}, expected: { password: 'tok3n-value' } },
    {
      case: 'an RBAC user secret (JSON with username and password)',
      secret: JSON.stringify({ username: 'sessions', password: 'pw', user_arn: 'arn:aws:elasticache:us-east-1:123456789012:user:sessions' }),
      options: {},
      expected: { username: 'sessions', password: 'pw' },
    },
    { case: 'a JSON secret with the token in a named field', secret: JSON.stringify({ authToken: 'abc' }), options: { jsonField: 'authToken' }, expected: { password: 'abc' } },
    {
      case: 'a user name given apart from the secret (SESSION_STORE_USERNAME)',
      secret: JSON.stringify({ username: 'from-secret', password: 'pw' }),
      options: { username: 'from-env' },
      expected: { username: 'from-env', password: 'pw' },
    },
  ])('reads $case', ({ secret, options, expected }) => {
    expect(credentialsFromSecret(secret, options)).toEqual(expected);
  });

  test.each([
    { case: 'an empty secret', secret: '  ', options: {}, message: /secret is empty/ },
    { case: 'broken JSON', secret: '{"password": ', options: {}, message: /not valid JSON/ },
    { case: 'JSON without the field', secret: '{"token":"s3cr3t"}', options: {}, message: /without a non-empty string field 'password' \(fields: token\)/ },
    { case: 'plain text where JSON was expected', secret: 's3cr3t', options: { jsonField: 'token' }, message: /plain text, but a JSON field 'token'/ },
  ])('rejects $case without echoing the secret', ({ secret, options, message }) => {
    expect(() => credentialsFromSecret(secret, options)).toThrow(message);
    try {
      credentialsFromSecret(secret, options);
    } catch (error) {
      expect(String(error)).not.toContain('s3cr3t');
    }
  });
});

describe('connectCache against a TLS server with an AUTH token', () => {
  let redis: RedisServer | undefined;
  const clients: ValkeyClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    // RBAC users limited to a key prefix: one with the library's AccessString.readWrite() rule, and
    // one without INFO, which the client sends on connect.
    await redis.command('ACL', 'SETUSER', 'app', 'on', '>app-password', '~cache:*', '+@all', '-@dangerous', '+info');
    await redis.command('ACL', 'SETUSER', 'no-info', 'on', '>pw', '~cache:*', '+@all', '-@dangerous');
  }, 30_000);

  afterAll(async () => {
    await stopAll(...clients, redis);
  }, 30_000);

  async function expectConnectionError(promise: Promise<ValkeyClient>): Promise<CacheConnectionError> {
    const outcome = await promise.then((client) => {
      clients.push(client);
      return client;
    }, (error: unknown) => error);
    expect(outcome).toBeInstanceOf(CacheConnectionError);
    return outcome as CacheConnectionError;
  }

  test('connects with TLS and the token', async () => {
    const client = await connectTo(redis!);
    clients.push(client);
    await client.set('greeting', 'hello');
    expect(await client.get('greeting')).toBe('hello');
  });

  test('connects as an RBAC user whose secret is JSON, with the user\'s permissions', async () => {
    const credentials = credentialsFromSecret(JSON.stringify({ username: 'app', password: 'app-password' }));
    const client = await connectTo(redis!, { credentials });
    clients.push(client);
    await client.set('cache:allowed', '1');
    await expect(client.set('elsewhere', '1')).rejects.toThrow(/no permissions to access one of the keys/);
  });

  test('a wrong token fails with a clear authentication error, not a hang until the connect timeout', async () => {
    const error = await expectConnectionError(connectTo(redis!, { credentials: { password: 'wrong-token' }, connectTimeoutMs: 5_000 }));
    // A client that kept retrying would end with the connect timeout ("unreachable").
    expect(error.reason).toBe('authentication');
    expect(error.endpoint).toBe(`127.0.0.1:${redis!.port}`);
    expect(error.message).toMatch(/rejected the credentials of the AUTH token \(default user\).*rotated.*WRONGPASS/s);
    expect(error.message).not.toContain('wrong-token');
    expect(error.message).not.toContain(redis!.password);
  });

  test('a wrong password for an RBAC user names the user', async () => {
    const error = await expectConnectionError(connectTo(redis!, { credentials: { username: 'app', password: 'nope' } }));
    expect(error.reason).toBe('authentication');
    expect(error.message).toMatch(/user 'app'/);
  });

  test('a user that may not run INFO gets a "permission" error that says what to grant', async () => {
    const error = await expectConnectionError(connectTo(redis!, { credentials: { username: 'no-info', password: 'pw' } }));
    expect(error.reason).toBe('permission');
    expect(error.message).toMatch(/\+info/);
  });

  test('a port where nothing listens fails after the connect timeout as "unreachable"', async () => {
    const port = await freePort();
    const nowhere = { host: redis!.host, port, caPem: redis!.caPem, password: redis!.password };
    const error = await expectConnectionError(connectTo(nowhere, { connectTimeoutMs: 500 }));
    expect(error.reason).toBe('unreachable');
    expect(error.message).toMatch(/within 500 ms.*security group/s);
  });

  test('a server certificate that is not trusted fails as "unreachable", not with an unencrypted fallback', async () => {
    const error = await expectConnectionError(connectTo(redis!, { caCertificate: undefined, connectTimeoutMs: 500 }));
    expect(error.reason).toBe('unreachable');
  });

  test('a client without TLS cannot talk to the TLS-only server', async () => {
    const error = await expectConnectionError(connectTo(redis!, { tls: false, connectTimeoutMs: 500 }));
    expect(['unreachable', 'failed']).toContain(error.reason);
  });

  test('commands fail after the request timeout instead of queueing while the server is away', async () => {
    const client = await connectTo(redis!, { requestTimeoutMs: 200 });
    clients.push(client);
    await redis!.pause();
    try {
      // A timeout, or the connection error when the client sees the connection close first; a
      // command that queued would settle only once the server is back, after this assertion.
      await expect(client.get('greeting')).rejects.toThrow(/timed out|connection/i);
    } finally {
      await redis!.restart();
    }
  }, 15_000);
});
