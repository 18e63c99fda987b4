import {
  openSessionStore, OpenedSessionStore, readSessionStoreEnvironment, SessionStore, SessionStoreEnvironment, ValkeyClient,
  glideSessionCommands,
} from '../../examples/patterns';
import { RedisServer } from '../servers';
import { connectTo, expiresAt, serverMillis, sleep, stopAll } from './support';

/** The environment `SessionStoreCache.grantSessionAccess` gives a node-based store, pointing at a test server. */
function grantedEnvironment(server: RedisServer, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    SESSION_STORE_HOST: server.host,
    SESSION_STORE_PORT: String(server.port),
    SESSION_STORE_TLS: 'true',
    SESSION_STORE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:Sessions-AbCdEf',
    SESSION_STORE_TTL_SECONDS: '10',
    SESSION_STORE_KEY_PREFIX: 'sess:',
    SESSION_STORE_CLUSTER_MODE: 'false',
    ...overrides,
  };
}

describe('readSessionStoreEnvironment', () => {
  const base = {
    SESSION_STORE_HOST: 'master.sessions.abc123.use1.cache.amazonaws.com',
    SESSION_STORE_PORT: '6379',
    SESSION_STORE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:Sessions-AbCdEf',
  };

  test('reads every variable', () => {
    expect(readSessionStoreEnvironment({
      ...base,
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_USERNAME: 'sessions-user',
      SESSION_STORE_TTL_SECONDS: '43200',
      SESSION_STORE_KEY_PREFIX: 'app:sess:',
      SESSION_STORE_CLUSTER_MODE: 'true',
      SESSION_STORE_AUTH: 'password',
    })).toEqual({
      host: base.SESSION_STORE_HOST,
      port: 6379,
      tls: true,
      auth: 'password',
      secretArn: base.SESSION_STORE_SECRET_ARN,
      username: 'sessions-user',
      cacheName: undefined,
      serverless: false,
      ttlSeconds: 43200,
      keyPrefix: 'app:sess:',
      clusterMode: true,
    });
  });

  test('defaults to the construct\'s defaults for the optional ones', () => {
    expect(readSessionStoreEnvironment(base)).toEqual<SessionStoreEnvironment>({
      host: base.SESSION_STORE_HOST,
      port: 6379,
      tls: true,
      auth: 'token',
      secretArn: base.SESSION_STORE_SECRET_ARN,
      username: undefined,
      cacheName: undefined,
      serverless: false,
      ttlSeconds: 86400,
      keyPrefix: 'sess:',
      clusterMode: false,
    });
  });

  test('IAM: no secret ARN, and the cache name the token is signed for', () => {
    expect(readSessionStoreEnvironment({
      SESSION_STORE_HOST: base.SESSION_STORE_HOST,
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_AUTH: 'iam',
      SESSION_STORE_USERNAME: 'sessions-app',
      SESSION_STORE_CACHE_NAME: 'sessions-cache',
      SESSION_STORE_SERVERLESS: 'true',
    })).toMatchObject({ auth: 'iam', secretArn: undefined, username: 'sessions-app', cacheName: 'sessions-cache', serverless: true });
  });

  test('without SESSION_STORE_AUTH, a username means password, none means token', () => {
    expect(readSessionStoreEnvironment({ ...base, SESSION_STORE_USERNAME: 'u' }).auth).toBe('password');
    expect(readSessionStoreEnvironment(base).auth).toBe('token');
  });

  test.each([
    { case: 'an unknown auth mode', env: { ...base, SESSION_STORE_AUTH: 'sigv4' }, message: /SESSION_STORE_AUTH must be 'token', 'password' or 'iam', got 'sigv4'/ },
    { case: 'password without a username', env: { ...base, SESSION_STORE_AUTH: 'password' }, message: /SESSION_STORE_USERNAME is not set, but SESSION_STORE_AUTH is 'password'/ },
    {
      case: 'iam without a cache name',
      env: { ...base, SESSION_STORE_AUTH: 'iam', SESSION_STORE_USERNAME: 'u' },
      message: /SESSION_STORE_CACHE_NAME is not set/,
    },
    { case: 'a missing host', env: { ...base, SESSION_STORE_HOST: undefined }, message: /SESSION_STORE_HOST is not set.*grantSessionAccess/ },
    { case: 'a missing secret ARN', env: { ...base, SESSION_STORE_SECRET_ARN: '' }, message: /SESSION_STORE_SECRET_ARN is not set/ },
    { case: 'a port that is not a number', env: { ...base, SESSION_STORE_PORT: '63a79' }, message: /SESSION_STORE_PORT must be a positive integer, got '63a79'/ },
    { case: 'a negative TTL', env: { ...base, SESSION_STORE_TTL_SECONDS: '-5' }, message: /SESSION_STORE_TTL_SECONDS must be a positive integer/ },
    { case: 'a flag that is not a boolean', env: { ...base, SESSION_STORE_CLUSTER_MODE: 'yes' }, message: /SESSION_STORE_CLUSTER_MODE must be 'true' or 'false'/ },
  ])('rejects $case, naming the variable', ({ env, message }) => {
    expect(() => readSessionStoreEnvironment(env)).toThrow(message);
  });
});

describe('sessions on a primary with a replica', () => {
  let primary: RedisServer | undefined;
  let replica: RedisServer | undefined;
  // Two application instances, each with its own connection, configured from the environment.
  let instanceA: OpenedSessionStore | undefined;
  let instanceB: OpenedSessionStore | undefined;

  async function openInstance(server: RedisServer, env: Record<string, string>, secretValue: string): Promise<OpenedSessionStore> {
    return openSessionStore({
      environment: readSessionStoreEnvironment(env),
      secretValue,
      connection: { caCertificate: server.caPem, connectTimeoutMs: 1000 },
    });
  }

  beforeAll(async () => {
    ({ primary, replica } = await RedisServer.startPrimaryWithReplica());
    // On nodes, the secret is the AUTH token as plain text.
    instanceA = await openInstance(primary, grantedEnvironment(primary), primary.password);
    instanceB = await openInstance(primary, grantedEnvironment(primary), primary.password);
  }, 30_000);

  afterAll(async () => {
    await stopAll(instanceA?.client, instanceB?.client, replica, primary);
  }, 30_000);

  const a = (): SessionStore => instanceA!.sessions;
  const b = (): SessionStore => instanceB!.sessions;

  test('login on one instance writes the session with the TTL; another instance reads it', async () => {
    const { id, replication } = await a().create({ userId: 'u-1', roles: ['buyer'] });

    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(replication).toBeUndefined();
    expect(JSON.parse(String(await primary!.command('GET', `sess:${id}`)))).toEqual({ userId: 'u-1', roles: ['buyer'] });
    expect(await primary!.command('TTL', `sess:${id}`)).toBe(10);
    expect(await b().get(id)).toEqual({ userId: 'u-1', roles: ['buyer'] });
  });

  test('every id is new', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, () => a().create({})));
    expect(new Set(ids.map((session) => session.id)).size).toBe(50);
  });

  test('activity on any instance slides the expiry back to the full TTL', async () => {
    const { id } = await a().create({ userId: 'u-2' });
    await sleep(1100);
    const aged = Number(await primary!.command('PTTL', `sess:${id}`));
    expect(aged).toBeLessThanOrEqual(8_950);

    const beforeRead = await serverMillis(primary!);
    await b().get(id);
    const afterRead = Number(await primary!.command('PTTL', `sess:${id}`));
    expect(afterRead).toBeGreaterThan(aged);
    expect(await expiresAt(primary!, `sess:${id}`)).toBeGreaterThanOrEqual(beforeRead + 10_000);

    await sleep(600);
    const beforeTouch = await serverMillis(primary!);
    expect(await a().touch(id)).toBe(true);
    expect(await expiresAt(primary!, `sess:${id}`)).toBeGreaterThanOrEqual(beforeTouch + 10_000);
  }, 10_000);

  test('update replaces the data of an existing session only', async () => {
    const { id } = await a().create({ userId: 'u-3', cart: [] });
    expect(await b().update(id, { userId: 'u-3', cart: ['sku-1'] })).toEqual({ found: true });
    expect(await a().get(id)).toEqual({ userId: 'u-3', cart: ['sku-1'] });

    const unknown = 'x'.repeat(43);
    expect(await a().update(unknown, { userId: 'intruder' })).toEqual({ found: false });
    expect(await primary!.command('EXISTS', `sess:${unknown}`)).toBe(0);
  });

  test('logout deletes the session for every instance', async () => {
    const { id } = await a().create({ userId: 'u-4' });
    expect(await b().destroy(id)).toEqual({ found: true });

    expect(await a().get(id)).toBeNull();
    expect(await b().get(id)).toBeNull();
    expect(await primary!.command('EXISTS', `sess:${id}`)).toBe(0);
    expect(await a().destroy(id)).toEqual({ found: false });
    expect(await a().touch(id)).toBe(false);
  });

  test('an idle session expires after its TTL', async () => {
    const shortLived = new SessionStore({ commands: glideSessionCommands(instanceA!.client), ttlSeconds: 1 });
    const { id } = await shortLived.create({ userId: 'u-5' });
    expect(await primary!.command('TTL', `sess:${id}`)).toBe(1);

    await sleep(1_500);

    expect(await shortLived.get(id)).toBeNull();
    expect(await b().get(id)).toBeNull();
    expect(await primary!.command('EXISTS', `sess:${id}`)).toBe(0);
  }, 10_000);

  test('malformed ids are refused without a lookup', async () => {
    for (const id of ['', '*', 'sess:*', '../admin', 'a'.repeat(44), `${'a'.repeat(42)}=`]) {
      expect(await a().get(id)).toBeNull();
      expect(await a().touch(id)).toBe(false);
      expect(await a().destroy(id)).toEqual({ found: false });
    }
  });

  test('durable writes wait until the replica has them: WAIT reports 1 replica', async () => {
    const durable = new SessionStore({
      commands: glideSessionCommands(instanceA!.client), ttlSeconds: 60, durable: { replicas: 1, timeoutMs: 2_000 },
    });

    const { id, replication } = await durable.create({ userId: 'u-6' });
    expect(replication).toEqual({ replicas: 1, acknowledged: true });
    // Acknowledged means the replica already holds it: a failover now would not lose the login.
    expect(JSON.parse(String(await replica!.command('GET', `sess:${id}`)))).toEqual({ userId: 'u-6' });

    expect(await durable.update(id, { userId: 'u-6', step: 2 })).toEqual({ found: true, replication: { replicas: 1, acknowledged: true } });
    expect(await durable.destroy(id)).toEqual({ found: true, replication: { replicas: 1, acknowledged: true } });
    expect(await replica!.command('EXISTS', `sess:${id}`)).toBe(0);
  });

  test('an RBAC user with a JSON secret (the serverless deployment\'s form) reads and writes sessions', async () => {
    await primary!.command('ACL', 'SETUSER', 'sessions', 'on', '>user-password', '~sess:*', '+@all', '-@dangerous', '+info');
    const rbac = await openInstance(
      primary!,
      grantedEnvironment(primary!, { SESSION_STORE_USERNAME: 'sessions' }),
      JSON.stringify({ username: 'sessions', password: 'user-password', user_arn: 'arn:aws:elasticache:us-east-1:123456789012:user:sessions' }),
    );
    try {
      const { id } = await rbac.sessions.create({ userId: 'u-7' });
      expect(await a().get(id)).toEqual({ userId: 'u-7' });
      expect(await rbac.sessions.get(id)).toEqual({ userId: 'u-7' });
    } finally {
      rbac.client.close();
    }
  });
});

describe('sessions on a single node', () => {
  let single: RedisServer | undefined;
  let withoutGetex: RedisServer | undefined;
  const clients: ValkeyClient[] = [];

  beforeAll(async () => {
    [single, withoutGetex] = await Promise.all([
      RedisServer.start({ name: 'redis without replica' }),
      // Imitates a server older than Redis 6.2, which has no GETEX.
      RedisServer.start({ name: 'redis without GETEX', extraArgs: ['--rename-command', 'GETEX', ''] }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await stopAll(...clients, single, withoutGetex);
  }, 30_000);

  async function client(server: RedisServer): Promise<ValkeyClient> {
    const connected = await connectTo(server);
    clients.push(connected);
    return connected;
  }

  test('a durable write without a replica reports that none acknowledged it, after the timeout', async () => {
    const durable = new SessionStore({ commands: glideSessionCommands(await client(single!)), ttlSeconds: 60, durable: { timeoutMs: 250 } });
    const started = Date.now();
    const { id, replication } = await durable.create({ userId: 'u-8' });
    const elapsed = Date.now() - started;

    expect(replication).toEqual({ replicas: 0, acknowledged: false });
    // It waited for the timeout (a lower bound: a busy machine only makes it longer).
    expect(elapsed).toBeGreaterThanOrEqual(200);
    // Not acknowledged is not lost: the primary has the session.
    expect(await durable.get(id)).toEqual({ userId: 'u-8' });
  });

  test('without GETEX, reads fall back to GET + EXPIRE and still slide the expiry', async () => {
    const sessions = new SessionStore({ commands: glideSessionCommands(await client(withoutGetex!)), ttlSeconds: 10 });
    const { id } = await sessions.create({ userId: 'u-9' });
    await withoutGetex!.command('PEXPIRE', `sess:${id}`, 3_000);

    expect(await sessions.get(id)).toEqual({ userId: 'u-9' });
    expect(Number(await withoutGetex!.command('PTTL', `sess:${id}`))).toBeGreaterThan(9_000);

    await withoutGetex!.command('PEXPIRE', `sess:${id}`, 3_000);
    expect(await sessions.get(id)).toEqual({ userId: 'u-9' });
    expect(Number(await withoutGetex!.command('PTTL', `sess:${id}`))).toBeGreaterThan(9_000);
    expect(await sessions.get('y'.repeat(43))).toBeNull();
  });

  test.each([0, 1.5, -1])('rejects a TTL of %p seconds', async (ttlSeconds) => {
    const connected = await client(single!);
    expect(() => new SessionStore({ commands: glideSessionCommands(connected), ttlSeconds })).toThrow(/ttlSeconds must be a positive whole number/);
  });
});

describe('sessions as an IAM user', () => {
  let server: RedisServer | undefined;
  let opened: OpenedSessionStore | undefined;

  beforeAll(async () => {
    server = await RedisServer.start({ name: 'redis (IAM user)' });
  }, 30_000);

  afterAll(async () => {
    await stopAll(opened?.client, server);
  }, 30_000);

  test('the IAM auth token is the password of the user; no secret is read', async () => {
    // ElastiCache checks the signed token where a password user's password would be: the server
    // here stands for that check with an ACL user whose password is the token.
    const token = 'sessions-cache/?Action=connect&User=sessions-app&X-Amz-Signature=0123abcd';
    await server!.command('ACL', 'SETUSER', 'sessions-app', 'on', `>${token}`, '~sess:*', '+@all', '-@dangerous', '+info');
    opened = await openSessionStore({
      environment: readSessionStoreEnvironment({
        SESSION_STORE_HOST: server!.host,
        SESSION_STORE_PORT: String(server!.port),
        SESSION_STORE_AUTH: 'iam',
        SESSION_STORE_USERNAME: 'sessions-app',
        SESSION_STORE_CACHE_NAME: 'sessions-cache',
        SESSION_STORE_TTL_SECONDS: '60',
      }),
      secretValue: token,
      connection: { caCertificate: server!.caPem, connectTimeoutMs: 1000 },
    });
    const { id } = await opened.sessions.create({ userId: 'u-iam' });
    expect(await opened.sessions.get(id)).toEqual({ userId: 'u-iam' });
    const clients = String(await server!.command('CLIENT', 'LIST'));
    expect(clients).toMatch(/user=sessions-app/);
  });
});
