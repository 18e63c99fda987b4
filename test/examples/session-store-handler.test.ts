import { readSessionStoreEnvironment, SessionStoreEnvironment } from '../../examples/patterns';
import { createSessionHandler, SessionHandler } from '../../examples/session-store/handler';
import { ApiGatewayProxyEvent, ApiGatewayProxyResult } from '../../examples/shared/api-gateway';
import { RecordingLogger, sleep, stopAll } from '../patterns/support';
import { RedisServer } from '../servers';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:Sessions-AbCdEf';

/** The variables grantSessionAccess sets, for a test server. */
function environmentOf(server: RedisServer, extra: Record<string, string> = {}): SessionStoreEnvironment {
  return readSessionStoreEnvironment({
    SESSION_STORE_HOST: server.host,
    SESSION_STORE_PORT: String(server.port),
    SESSION_STORE_TLS: 'true',
    SESSION_STORE_AUTH: 'token',
    SESSION_STORE_SECRET_ARN: SECRET_ARN,
    SESSION_STORE_TTL_SECONDS: '600',
    SESSION_STORE_KEY_PREFIX: 'sess:',
    SESSION_STORE_CLUSTER_MODE: 'false',
    ...extra,
  });
}

function request(httpMethod: string, path: string, options: { body?: unknown; cookie?: string } = {}): ApiGatewayProxyEvent {
  return {
    httpMethod,
    path,
    headers: options.cookie ? { Cookie: options.cookie } : {},
    body: options.body === undefined ? null : JSON.stringify(options.body),
  };
}

/** `sid=<id>` from a Set-Cookie header. */
function sessionCookie(response: ApiGatewayProxyResult): string {
  const match = /^(sid=[^;]*);/.exec(response.headers['set-cookie'] ?? '');
  expect(match).not.toBeNull();
  return match![1];
}

describe('the web tier against a TLS Redis with an AUTH token', () => {
  let server: RedisServer | undefined;
  let secretValue = '';
  let secretReads = 0;
  const handlers: SessionHandler[] = [];
  const logger = new RecordingLogger();

  /** One more instance of the web tier: its own execution environment and connection. */
  function instance(): SessionHandler {
    const handler = createSessionHandler({
      environment: environmentOf(server!),
      fetchSecret: async (arn) => {
        expect(arn).toBe(SECRET_ARN);
        secretReads++;
        return secretValue;
      },
      connection: { caCertificate: server!.caPem, connectTimeoutMs: 1000 },
      logger,
    });
    handlers.push(handler);
    return handler;
  }

  beforeAll(async () => {
    server = await RedisServer.start({ name: 'redis (web sessions)' });
    secretValue = server.password;
  }, 30_000);

  afterAll(async () => {
    for (const handler of handlers) await handler.close();
    await stopAll(server);
  }, 30_000);

  test('a login on one instance is seen by another; logout on the second ends it for both', async () => {
    const a = instance();
    const b = instance();
    const login = await a(request('POST', '/login', { body: { userId: 'alice@example.com' } }));
    expect(login.statusCode).toBe(201);
    expect(login.headers['set-cookie']).toMatch(/^sid=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const cookie = sessionCookie(login);

    const me = await b(request('GET', '/me', { cookie }));
    expect(me.statusCode).toBe(200);
    expect(me.headers['x-instance']).not.toBe(login.headers['x-instance']);
    expect(JSON.parse(me.body)).toMatchObject({ userId: 'alice@example.com' });

    const logout = await b(request('POST', '/logout', { cookie }));
    expect(logout.statusCode).toBe(204);
    expect(logout.headers['set-cookie']).toMatch(/^sid=; Max-Age=0;/);
    expect((await a(request('GET', '/me', { cookie }))).statusCode).toBe(401);
    expect(await server!.command('EXISTS', `sess:${cookie.slice(4)}`)).toBe(0);
  });

  test('the session is written with the TTL, and activity slides the expiry', async () => {
    const a = instance();
    const cookie = sessionCookie(await a(request('POST', '/login', { body: { userId: 'bob' } })));
    const key = `sess:${cookie.slice(4)}`;
    expect(await server!.command('TTL', key)).toBe(600);

    // As if the user had been idle for most of the TTL.
    await server!.command('EXPIRE', key, 5);
    expect((await a(request('GET', '/me', { cookie }))).statusCode).toBe(200);
    expect(await server!.command('TTL', key)).toBe(600);
  });

  test('an expired session is a 401, not an error', async () => {
    const a = instance();
    const cookie = sessionCookie(await a(request('POST', '/login', { body: { userId: 'carol' } })));
    await server!.command('PEXPIRE', `sess:${cookie.slice(4)}`, 1);
    await sleep(20);
    const me = await a(request('GET', '/me', { cookie }));
    expect(me.statusCode).toBe(401);
  });

  test.each([
    ['no body', undefined],
    ['no userId', { name: 'x' }],
    ['a userId with a space', { userId: 'a b' }],
    ['a userId of 129 characters', { userId: 'a'.repeat(129) }],
  ])('a login with %s is a 400', async (_case, body) => {
    const response = await instance()(request('POST', '/login', { body }));
    expect(response.statusCode).toBe(400);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  test('a malformed or missing cookie is a 401; other routes are 404', async () => {
    const a = instance();
    expect((await a(request('GET', '/me'))).statusCode).toBe(401);
    expect((await a(request('GET', '/me', { cookie: 'sid=../../etc' }))).statusCode).toBe(401);
    expect((await a(request('DELETE', '/me'))).statusCode).toBe(404);
  });

  test('the secret is read once per instance, not per request', async () => {
    const before = secretReads;
    const a = instance();
    for (let i = 0; i < 5; i++) await a(request('GET', '/me'));
    expect(secretReads - before).toBe(1);
  });

  test('after a rotation, an instance reads the secret again once and goes on', async () => {
    const a = instance();
    const cookie = sessionCookie(await a(request('POST', '/login', { body: { userId: 'dave' } })));
    const rotated = `${server!.password}-rotated`;
    // Rotation, as ElastiCache ends it: the old token stops working, and connections drop (here
    // at once, as after a failover).
    const admin = await server!.connect();
    try {
      await admin.command('CONFIG', 'SET', 'requirepass', rotated);
      await admin.command('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      secretValue = rotated;
      const before = secretReads;
      const me = await a(request('GET', '/me', { cookie }));
      expect(me.statusCode).toBe(200);
      // The instance tried its kept token, was refused, and read the secret once more.
      expect(secretReads - before).toBe(1);
      expect(logger.named('session_store_secret_refresh').length).toBeGreaterThan(0);
    } finally {
      await admin.command('CONFIG', 'SET', 'requirepass', server!.password);
      admin.close();
      secretValue = server!.password;
    }
  });

  test('with the store down, the answer is 503, never "logged out"; it recovers', async () => {
    const a = instance();
    const cookie = sessionCookie(await a(request('POST', '/login', { body: { userId: 'erin' } })));
    await server!.pause();
    try {
      const me = await a(request('GET', '/me', { cookie }));
      expect(me.statusCode).toBe(503);
      expect(me.headers['retry-after']).toBe('1');
      expect(logger.named('session_store_unavailable').length).toBeGreaterThan(0);
    } finally {
      await server!.restart();
    }
    // No persistence in the test server: the session is gone, and the store answers again.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 401; attempt++) {
      status = (await a(request('GET', '/me', { cookie }))).statusCode;
      if (status !== 401) await sleep(100);
    }
    expect(status).toBe(401);
  });
});

describe('the web tier as an RBAC password user (serverless, or nodes with users)', () => {
  let server: RedisServer | undefined;
  let handler: SessionHandler | undefined;

  beforeAll(async () => {
    server = await RedisServer.start({ name: 'redis (RBAC sessions)' });
    await server.command('ACL', 'SETUSER', 'sessions-app', 'on', '>app-password-1234567890', '~sess:*', '+@all', '-@dangerous', '+info');
  }, 30_000);

  afterAll(async () => {
    await handler?.close();
    await stopAll(server);
  }, 30_000);

  test('logs in with the user\'s JSON secret and touches only the session keys', async () => {
    handler = createSessionHandler({
      environment: environmentOf(server!, { SESSION_STORE_AUTH: 'password', SESSION_STORE_USERNAME: 'sessions-app' }),
      fetchSecret: async () => JSON.stringify({ username: 'sessions-app', password: 'app-password-1234567890', user_arn: 'arn:aws:elasticache:us-east-1:123456789012:user:sessions-app' }),
      connection: { caCertificate: server!.caPem, connectTimeoutMs: 1000 },
    });
    const login = await handler(request('POST', '/login', { body: { userId: 'frank' } }));
    expect(login.statusCode).toBe(201);
    expect((await handler(request('GET', '/me', { cookie: sessionCookie(login) }))).statusCode).toBe(200);
    expect(String(await server!.command('CLIENT', 'LIST'))).toMatch(/user=sessions-app/);
  });
});
