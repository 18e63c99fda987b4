import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { databaseSettingsFromSecret } from '../../examples/db-cache/database';
import {
  createHandler, DbCacheDependencies, DbCacheHandler, handler, readDbCacheEnvironment,
} from '../../examples/db-cache/handler';
import { PRODUCTS_TABLE } from '../../examples/db-cache/products';
import { ApiGatewayProxyEvent, ApiGatewayProxyResult } from '../../examples/shared/api-gateway';
import { secretsManagerFetcher } from '../../examples/shared/secrets';
import { RecordingLogger, sleep, stopAll } from '../patterns/support';
import { freePort, LOOPBACK, PostgresServer, RedisServer } from '../servers';

// The Lambda handler end to end, with API Gateway proxy events, against Redis with TLS only and
// an AUTH token, and PostgreSQL with TLS only and password logins. Secrets Manager is replaced by
// `secrets`, a map that the tests rotate; the handler reads it through its injected fetcher.

const arn = (name: string): string => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-cache/${name}-AbCdEf`;
const CACHE_ARN = arn('cache-token');
const DB_ARN = arn('db');

let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;
const secrets = new Map<string, string>();
/** Values to hand out once, before the current one: what an execution environment read before a rotation. */
const readBeforeRotation = new Map<string, string>();
const handlers: DbCacheHandler[] = [];
/** The secrets each handler read, in order. */
const secretReads = new Map<DbCacheHandler, string[]>();

async function fetchSecret(secretId: string): Promise<string> {
  const stale = readBeforeRotation.get(secretId);
  if (stale !== undefined) {
    readBeforeRotation.delete(secretId);
    return stale;
  }
  const value = secrets.get(secretId);
  if (value === undefined) throw new Error(`ResourceNotFoundException: ${secretId}`);
  return value;
}

const fetchesOf = (api: DbCacheHandler, secretId: string): number => (secretReads.get(api) ?? []).filter((id) => id === secretId).length;

function dbSecret(username: string, password: string, port = postgres!.port): string {
  return JSON.stringify({ engine: 'postgres', username, password, host: LOOPBACK, port, dbname: 'postgres', dbInstanceIdentifier: 'db-cache' });
}

function environment(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CACHE_HOST: redis!.host,
    CACHE_PORT: String(redis!.port),
    CACHE_CLUSTER_MODE: 'false',
    CACHE_SECRET_ARN: CACHE_ARN,
    DB_SECRET_ARN: DB_ARN,
    CACHE_TTL_SECONDS: '120',
    ...overrides,
  };
}

/** A handler as Lambda would build it from `env`, with the test CAs and the test secrets. */
function newHandler(env: Record<string, string>, logger: RecordingLogger, overrides: Partial<DbCacheDependencies> = {}): DbCacheHandler {
  const reads: string[] = [];
  const created = createHandler({
    environment: env,
    fetchSecret: (secretId) => {
      reads.push(secretId);
      return fetchSecret(secretId);
    },
    cacheConnection: { caCertificate: redis!.caPem },
    database: { caCertificate: postgres!.caPem, connectTimeoutMs: 2000 },
    logger,
    ...overrides,
  });
  handlers.push(created);
  secretReads.set(created, reads);
  return created;
}

function request(method: string, id: string, body?: unknown, extra: Partial<ApiGatewayProxyEvent> = {}): ApiGatewayProxyEvent {
  return {
    httpMethod: method,
    resource: '/products/{id}',
    path: `/products/${id}`,
    pathParameters: { id },
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    ...extra,
  };
}

const bodyOf = (response: ApiGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;
const cachedProduct = async (id: string): Promise<unknown> => {
  const text = await redis!.command('GET', `product:${id}`);
  return text === null ? null : JSON.parse(String(text));
};

/**
 * Runs `fn` while `role` may not touch the products table: a request that reaches the database
 * fails (500), so a 200 proves it was answered from the cache.
 */
async function withoutDatabaseAccess<T>(role: string, fn: () => Promise<T>): Promise<T> {
  await postgres!.query(`REVOKE ALL ON products FROM ${role}`);
  try {
    return await fn();
  } finally {
    await postgres!.query(`GRANT ALL ON products TO ${role}`);
  }
}

let nextId = 0;
const newId = (): string => `prod-${++nextId}`;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start({ ssl: true, passwordAuthentication: true })]);
  // Application roles that log in with a password, as on RDS (the superuser is the harness's).
  await postgres.query(`
    CREATE ROLE app LOGIN PASSWORD 'app-password-1';
    CREATE ROLE rotating LOGIN PASSWORD 'rotating-password-1';
    GRANT CREATE ON SCHEMA public TO app, rotating;
  `);
  // The table as the handler creates it, owned by the application's role; a second database
  // without it shows the handler creating it.
  await postgres.query(`${PRODUCTS_TABLE}; ALTER TABLE products OWNER TO app; GRANT ALL ON products TO rotating;`);
  await postgres.query('CREATE DATABASE fresh OWNER app');
  secrets.set(CACHE_ARN, redis.password);
  secrets.set(DB_ARN, dbSecret('app', 'app-password-1'));
}, 30_000);

afterAll(async () => {
  for (const created of handlers) await created.close();
  await stopAll(redis, postgres);
}, 30_000);

describe('the API, with the cache and the database up', () => {
  let api: DbCacheHandler;
  let logger: RecordingLogger;

  beforeAll(() => {
    logger = new RecordingLogger();
    api = newHandler(environment(), logger);
  });

  test('the first request creates the products table where there is none', async () => {
    const freshArn = arn('db-fresh');
    secrets.set(freshArn, JSON.stringify({ username: 'app', password: 'app-password-1', host: LOOPBACK, port: postgres!.port, dbname: 'fresh' }));
    const fresh = new Client({ ...postgres!.clientConfig, database: 'fresh' });
    await fresh.connect();
    try {
      const owner = async (): Promise<unknown[]> => (await fresh.query("SELECT tableowner FROM pg_tables WHERE tablename = 'products'")).rows;
      expect(await owner()).toEqual([]);

      const response = await newHandler(environment({ DB_SECRET_ARN: freshArn }), new RecordingLogger())(request('GET', 'p-1'));

      expect(response.statusCode).toBe(404);
      expect(await owner()).toEqual([{ tableowner: 'app' }]);
    } finally {
      await fresh.end();
    }
  });

  test('the database connection is TLS, verified against the CA', async () => {
    expect((await api(request('GET', 'not-there'))).statusCode).toBe(404);
    const rows = await postgres!.query("SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'db-cache'");
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.ssl).toBe(true);
  });

  test('control: while the role may not read the table, a GET that misses the cache fails', async () => {
    const id = newId();
    await postgres!.query('INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3)', [id, 'Hidden', 1]);
    const response = await withoutDatabaseAccess('app', () => api(request('GET', id)));
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ message: 'Internal error.' });
    expect(logger.named('db-cache.internal-error')).toEqual([expect.objectContaining({ error: expect.stringMatching(/permission denied/) })]);
  });

  test('GET: a miss reads the database and caches with the TTL and jitter; the next GET is a hit that does not touch the database', async () => {
    const id = newId();
    await postgres!.query('INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3)', [id, 'Lamp', 1999]);
    const expected = { id, name: 'Lamp', priceCents: 1999, version: 1 };

    const miss = await api(request('GET', id));
    expect(miss.statusCode).toBe(200);
    expect(miss.headers).toMatchObject({ 'x-cache': 'miss', 'content-type': 'application/json' });
    expect(bodyOf(miss)).toEqual(expected);
    expect(await cachedProduct(id)).toEqual(expected);
    // CACHE_TTL_SECONDS=120 with the default jitter of 10%.
    const ttl = Number(await redis!.command('PTTL', `product:${id}`));
    expect(ttl).toBeGreaterThan(120_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(132_000);

    const hit = await withoutDatabaseAccess('app', () => api(request('GET', id)));
    expect(hit.statusCode).toBe(200);
    expect(hit.headers['x-cache']).toBe('hit');
    expect(bodyOf(hit)).toEqual(expected);
  });

  test('GET: concurrent misses of one product share one read, and each says "miss"', async () => {
    const id = newId();
    await postgres!.query('INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3)', [id, 'Popular', 5]);
    const before = api.stats().reads;

    const responses = await Promise.all(Array.from({ length: 20 }, () => api(request('GET', id))));

    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-cache']).toBe('miss');
    }
    const after = api.stats().reads;
    expect(after.loads - before.loads).toBe(1);
    expect(after.sharedReads - before.sharedReads).toBe(19);
  });

  test('PUT writes the database, then the cache: the next GET returns the new value without touching the database', async () => {
    const id = newId();
    const created = await api(request('PUT', id, { name: 'Chair', priceCents: 5000 }));
    expect(created.statusCode).toBe(200);
    expect(bodyOf(created)).toEqual({ id, name: 'Chair', priceCents: 5000, version: 1 });
    expect(await postgres!.query('SELECT name, price_cents FROM products WHERE id = $1', [id])).toEqual([{ name: 'Chair', price_cents: 5000 }]);

    const updated = await api(request('PUT', id, { id, name: 'Chair', priceCents: 4500 }));
    expect(bodyOf(updated)).toEqual({ id, name: 'Chair', priceCents: 4500, version: 2 });
    expect(await cachedProduct(id)).toEqual({ id, name: 'Chair', priceCents: 4500, version: 2 });

    const read = await withoutDatabaseAccess('app', () => api(request('GET', id)));
    expect(read.statusCode).toBe(200);
    expect(read.headers['x-cache']).toBe('hit');
    expect(bodyOf(read)).toEqual({ id, name: 'Chair', priceCents: 4500, version: 2 });
  });

  test('PUT accepts a base64-encoded body, as API Gateway passes binary media types', async () => {
    const id = newId();
    const body = Buffer.from(JSON.stringify({ name: 'Rug', priceCents: 300 })).toString('base64');
    const response = await api(request('PUT', id, body, { isBase64Encoded: true }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ name: 'Rug', priceCents: 300 });
  });

  test('DELETE removes the row and the cached value; the next GET is a 404', async () => {
    const id = newId();
    await api(request('PUT', id, { name: 'Shelf', priceCents: 800 }));
    expect((await api(request('GET', id))).headers['x-cache']).toBe('hit');

    const deleted = await api(request('DELETE', id));
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await postgres!.query('SELECT id FROM products WHERE id = $1', [id])).toEqual([]);
    expect(await redis!.command('EXISTS', `product:${id}`)).toBe(0);

    const read = await api(request('GET', id));
    expect(read.statusCode).toBe(404);
    expect(bodyOf(read)).toEqual({ message: `Product '${id}' not found.` });
    expect((await api(request('DELETE', id))).statusCode).toBe(404);
  });

  test.each([
    { case: 'an id with a space', event: () => request('GET', 'a b'), message: /product id must be 1 to 64 letters/ },
    { case: 'an id of 65 characters', event: () => request('GET', 'x'.repeat(65)), message: /product id/ },
    { case: 'an encoded slash in the id', event: () => request('DELETE', 'a%2Fb'), message: /product id/ },
    { case: 'a PUT without a body', event: () => request('PUT', 'p-ok'), message: /JSON body .* is required/ },
    { case: 'a body that is not JSON', event: () => request('PUT', 'p-ok', '{"name": '), message: /not valid JSON/ },
    { case: 'a JSON array', event: () => request('PUT', 'p-ok', '[1]'), message: /must be a JSON object/ },
    { case: 'a missing name', event: () => request('PUT', 'p-ok', { priceCents: 1 }), message: /"name" must be a non-blank string/ },
    { case: 'a blank name', event: () => request('PUT', 'p-ok', { name: '  ', priceCents: 1 }), message: /"name"/ },
    { case: 'a negative price', event: () => request('PUT', 'p-ok', { name: 'n', priceCents: -1 }), message: /"priceCents" must be a whole number/ },
    { case: 'a fractional price', event: () => request('PUT', 'p-ok', { name: 'n', priceCents: 1.5 }), message: /"priceCents"/ },
    { case: 'a price beyond the column', event: () => request('PUT', 'p-ok', { name: 'n', priceCents: 2 ** 31 }), message: /"priceCents"/ },
    { case: 'a price as text', event: () => request('PUT', 'p-ok', { name: 'n', priceCents: '1' }), message: /"priceCents"/ },
    { case: 'an id that differs from the path', event: () => request('PUT', 'p-ok', { id: 'other', name: 'n', priceCents: 1 }), message: /differs from the id in the path/ },
    { case: 'an unknown field', event: () => request('PUT', 'p-ok', { name: 'n', priceCents: 1, colour: 'red' }), message: /Unknown field\(s\): colour/ },
  ])('400 for $case, and nothing is written', async ({ event, message }) => {
    const response = await api(event());
    expect(response.statusCode).toBe(400);
    expect(String(bodyOf(response).message)).toMatch(message);
    expect(await postgres!.query("SELECT id FROM products WHERE id = 'p-ok'")).toEqual([]);
    expect(await redis!.command('EXISTS', 'product:p-ok')).toBe(0);
  });

  test('405 for another method on a product, 404 for another route', async () => {
    const post = await api(request('POST', 'p-1', { name: 'n', priceCents: 1 }));
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, PUT, DELETE');
    const other = await api({ httpMethod: 'GET', resource: '/orders/{id}', path: '/orders/1', pathParameters: { id: '1' } });
    expect(other.statusCode).toBe(404);
    expect(bodyOf(other)).toEqual({ message: 'No route for GET /orders/1.' });
  });

  test('a greedy proxy resource ({proxy+}) is routed by the path', async () => {
    const id = newId();
    await api(request('PUT', id, { name: 'Vase', priceCents: 10 }));
    const response = await api({ httpMethod: 'GET', resource: '/{proxy+}', path: `/products/${id}`, pathParameters: { proxy: `products/${id}` } });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ id, name: 'Vase' });
  });

  test('the secrets were read once for all these requests, and nothing was absorbed', () => {
    expect(fetchesOf(api, CACHE_ARN)).toBe(1);
    expect(fetchesOf(api, DB_ARN)).toBe(1);
    expect(api.stats()).toMatchObject({ reads: { cacheErrors: 0 }, writes: { cacheErrors: 0, invalidationFailures: 0 } });
    expect(logger.named('db-cache.cache-unavailable')).toEqual([]);
  });

  describe('when the cache server stops and comes back', () => {
    test('reads and writes succeed from the database while it is down, and reads are cached again once it is back', async () => {
      const id = newId();
      await api(request('PUT', id, { name: 'Desk', priceCents: 100 }));
      await redis!.pause();
      try {
        const read = await api(request('GET', id));
        expect(read.statusCode).toBe(200);
        expect(read.headers['x-cache']).toBe('miss');
        expect(bodyOf(read)).toMatchObject({ priceCents: 100 });

        const written = await api(request('PUT', id, { name: 'Desk', priceCents: 150 }));
        expect(written.statusCode).toBe(200);
        expect(bodyOf(written)).toMatchObject({ priceCents: 150, version: 2 });
        expect(bodyOf(await api(request('GET', id)))).toMatchObject({ priceCents: 150 });

        const other = newId();
        expect((await api(request('PUT', other, { name: 'Lamp', priceCents: 1 }))).statusCode).toBe(200);
        expect((await api(request('DELETE', other))).statusCode).toBe(204);
        expect(await postgres!.query('SELECT id FROM products WHERE id = $1', [other])).toEqual([]);
        expect(api.stats().writes.invalidationFailures).toBe(3);
      } finally {
        await redis!.restart();
      }

      // The client reconnects by itself (50 ms doubling up to 2 s); a few rounds at most.
      let cacheHeader: string | undefined;
      for (let attempt = 0; attempt < 60 && cacheHeader !== 'hit'; attempt++) {
        const response = await api(request('GET', id));
        expect(response.statusCode).toBe(200);
        cacheHeader = response.headers['x-cache'];
        if (cacheHeader !== 'hit') await sleep(200);
      }
      expect(cacheHeader).toBe('hit');
      expect(await cachedProduct(id)).toMatchObject({ priceCents: 150, version: 2 });
    }, 30_000);
  });
});

describe('when the cache cannot be reached at all', () => {
  test('reads and writes succeed from the database, and the connection is not retried on every request', async () => {
    const logger = new RecordingLogger();
    const api = newHandler(environment({ CACHE_PORT: String(await freePort()) }), logger, { cacheRetryIntervalMs: 60_000 });
    const id = newId();

    const created = await api(request('PUT', id, { name: 'Clock', priceCents: 2500 }));
    expect(created.statusCode).toBe(200);
    const read = await api(request('GET', id));
    expect(read.statusCode).toBe(200);
    expect(read.headers['x-cache']).toBe('miss');
    expect(bodyOf(read)).toEqual({ id, name: 'Clock', priceCents: 2500, version: 1 });
    expect((await api(request('PUT', id, { name: 'Clock', priceCents: 2600 }))).statusCode).toBe(200);
    expect(bodyOf(await api(request('GET', id)))).toMatchObject({ priceCents: 2600, version: 2 });
    expect((await api(request('DELETE', id))).statusCode).toBe(204);
    expect((await api(request('GET', id))).statusCode).toBe(404);

    expect(logger.named('db-cache.cache-unavailable')).toEqual([expect.objectContaining({ error: expect.stringMatching(/unreachable|ECONNREFUSED/) })]);
    expect(api.stats().reads.cacheErrors).toBeGreaterThan(0);
  });
});

describe('when the database is unavailable', () => {
  test('reads, writes and deletes answer 503, and the cache is not written', async () => {
    const logger = new RecordingLogger();
    const unreachableArn = arn('db-unreachable');
    secrets.set(unreachableArn, dbSecret('app', 'app-password-1', await freePort()));
    const api = newHandler(environment({ DB_SECRET_ARN: unreachableArn }), logger);
    const id = newId();

    for (const event of [request('GET', id), request('PUT', id, { name: 'n', priceCents: 1 }), request('DELETE', id)]) {
      const response = await api(event);
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(bodyOf(response)).toEqual({ message: 'The database is unavailable. Try again later.' });
    }
    expect(await redis!.command('EXISTS', `product:${id}`)).toBe(0);
    expect(logger.named('db-cache.database-unavailable')).toHaveLength(3);
    expect(logger.named('db-cache.database-unavailable')[0]).toMatchObject({ error: expect.stringMatching(/ECONNREFUSED/) });
  });

  test('a password that the database refuses even after reading the secret again answers 503, after exactly one re-read', async () => {
    const logger = new RecordingLogger();
    const wrongArn = arn('db-wrong');
    secrets.set(wrongArn, dbSecret('rotating', 'never-the-password'));
    const api = newHandler(environment({ DB_SECRET_ARN: wrongArn }), logger);

    const response = await api(request('GET', newId()));

    expect(response.statusCode).toBe(503);
    expect(fetchesOf(api, wrongArn)).toBe(2);
    expect(logger.named('db-cache.database-unavailable')).toEqual([expect.objectContaining({ error: expect.stringMatching(/password authentication failed/) })]);
    expect(JSON.stringify(logger.events)).not.toContain('never-the-password');
  });
});

describe('rotated secrets', () => {
  test('a database password rotated after the secret was read: the secret is read again once, and the request succeeds', async () => {
    const logger = new RecordingLogger();
    const rotatingArn = arn('db-rotating');
    await postgres!.query("ALTER ROLE rotating PASSWORD 'rotating-password-2'");
    secrets.set(rotatingArn, dbSecret('rotating', 'rotating-password-2'));
    readBeforeRotation.set(rotatingArn, dbSecret('rotating', 'rotating-password-1'));
    const api = newHandler(environment({ DB_SECRET_ARN: rotatingArn }), logger);
    const id = newId();

    const response = await api(request('PUT', id, { name: 'Bed', priceCents: 40_000 }));

    expect(response.statusCode).toBe(200);
    expect(await postgres!.query('SELECT name FROM products WHERE id = $1', [id])).toEqual([{ name: 'Bed' }]);
    expect(fetchesOf(api, rotatingArn)).toBe(2);
    expect(logger.named('db-cache.database-password-rejected')).toHaveLength(1);
    // Later requests use the new pool without reading the secret again.
    expect((await api(request('DELETE', id))).statusCode).toBe(204);
    expect(fetchesOf(api, rotatingArn)).toBe(2);
  });

  test('an AUTH token rotated after the secret was read: the secret is read again once, and the cache is used', async () => {
    const logger = new RecordingLogger();
    const tokenArn = arn('cache-token-rotated');
    secrets.set(tokenArn, redis!.password);
    readBeforeRotation.set(tokenArn, 'token-before-the-rotation');
    const api = newHandler(environment({ CACHE_SECRET_ARN: tokenArn }), logger);
    const id = newId();

    expect((await api(request('PUT', id, { name: 'Sofa', priceCents: 90_000 }))).statusCode).toBe(200);
    const read = await withoutDatabaseAccess('app', () => api(request('GET', id)));

    expect(read.headers['x-cache']).toBe('hit');
    expect(fetchesOf(api, tokenArn)).toBe(2);
    expect(logger.named('db-cache.cache-credentials-rejected')).toHaveLength(1);
    expect(api.stats().writes.cacheErrors).toBe(0);
  });

  test('an AUTH token dropped while connected: the client stops, and the next request reconnects with the secret read again', async () => {
    const logger = new RecordingLogger();
    const tokenArn = arn('cache-token-dropped');
    // The cache accepts two tokens during a rotation (AUTH token rotation with ROTATE); the
    // environment has the older one.
    await redis!.command('ACL', 'SETUSER', 'default', '>older-token');
    secrets.set(tokenArn, 'older-token');
    const api = newHandler(environment({ CACHE_SECRET_ARN: tokenArn }), logger);
    const id = newId();
    await api(request('PUT', id, { name: 'Stool', priceCents: 700 }));
    expect((await api(request('GET', id))).headers['x-cache']).toBe('hit');

    // The next rotation drops the older token, and the connection drops (a failover, a restart).
    secrets.set(tokenArn, redis!.password);
    await redis!.command('ACL', 'SETUSER', 'default', '<older-token');
    await redis!.command('CLIENT', 'KILL', 'TYPE', 'normal');

    let cacheHeader: string | undefined;
    for (let attempt = 0; attempt < 50 && cacheHeader !== 'hit'; attempt++) {
      const response = await api(request('GET', id));
      expect(response.statusCode).toBe(200);
      cacheHeader = response.headers['x-cache'];
      if (cacheHeader !== 'hit') await sleep(100);
    }

    expect(cacheHeader).toBe('hit');
    expect(fetchesOf(api, tokenArn)).toBe(2);
    expect(logger.named('db-cache.cache-connection-ended')).toHaveLength(1);
    expect(logger.named('db-cache.cache-credentials-rejected')).toHaveLength(1);
  }, 20_000);

  test('a token the cache refuses even after reading the secret again: requests still succeed from the database', async () => {
    const logger = new RecordingLogger();
    const tokenArn = arn('cache-token-wrong');
    secrets.set(tokenArn, 'not-the-token');
    const api = newHandler(environment({ CACHE_SECRET_ARN: tokenArn }), logger, { cacheRetryIntervalMs: 60_000 });
    const id = newId();

    expect((await api(request('PUT', id, { name: 'Mirror', priceCents: 1200 }))).statusCode).toBe(200);
    const read = await api(request('GET', id));

    expect(read.statusCode).toBe(200);
    expect(read.headers['x-cache']).toBe('miss');
    expect(fetchesOf(api, tokenArn)).toBe(2);
    expect(logger.named('db-cache.cache-unavailable')).toEqual([expect.objectContaining({ error: expect.stringMatching(/authentication|rejected the credentials/) })]);
    expect(JSON.stringify(logger.events)).not.toContain('not-the-token');
  });
});

describe('configuration', () => {
  test('reads the variables, with CACHE_TTL_SECONDS defaulting to 300', () => {
    const env = { CACHE_HOST: 'master.example.cache.amazonaws.com', CACHE_PORT: '6379', CACHE_CLUSTER_MODE: 'true', CACHE_SECRET_ARN: CACHE_ARN, DB_SECRET_ARN: DB_ARN };
    expect(readDbCacheEnvironment(env)).toEqual({
      cacheHost: 'master.example.cache.amazonaws.com',
      cachePort: 6379,
      cacheClusterMode: true,
      cacheSecretArn: CACHE_ARN,
      databaseSecretArn: DB_ARN,
      cacheTtlSeconds: 300,
    });
  });

  const complete = { CACHE_HOST: 'h', CACHE_PORT: '6379', CACHE_CLUSTER_MODE: 'false', CACHE_SECRET_ARN: CACHE_ARN, DB_SECRET_ARN: DB_ARN };
  test.each([
    { case: 'CACHE_HOST missing', env: { ...complete, CACHE_HOST: undefined }, message: /^CACHE_HOST is not set/ },
    { case: 'CACHE_PORT missing', env: { ...complete, CACHE_PORT: undefined }, message: /^CACHE_PORT is not set/ },
    { case: 'CACHE_PORT not a number', env: { ...complete, CACHE_PORT: '63x9' }, message: /^CACHE_PORT must be a whole number from 1 to 65535, got '63x9'/ },
    { case: 'CACHE_PORT out of range', env: { ...complete, CACHE_PORT: '70000' }, message: /^CACHE_PORT must be/ },
    { case: 'CACHE_CLUSTER_MODE missing', env: { ...complete, CACHE_CLUSTER_MODE: undefined }, message: /^CACHE_CLUSTER_MODE is not set/ },
    { case: 'CACHE_CLUSTER_MODE not a boolean', env: { ...complete, CACHE_CLUSTER_MODE: 'yes' }, message: /^CACHE_CLUSTER_MODE must be 'true' or 'false'/ },
    { case: 'CACHE_SECRET_ARN missing', env: { ...complete, CACHE_SECRET_ARN: ' ' }, message: /^CACHE_SECRET_ARN is not set/ },
    { case: 'CACHE_SECRET_ARN not an ARN', env: { ...complete, CACHE_SECRET_ARN: 'my-token' }, message: /^CACHE_SECRET_ARN must be the ARN of a Secrets Manager secret/ },
    { case: 'DB_SECRET_ARN missing', env: { ...complete, DB_SECRET_ARN: undefined }, message: /^DB_SECRET_ARN is not set/ },
    { case: 'DB_SECRET_ARN of another service', env: { ...complete, DB_SECRET_ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/db' }, message: /^DB_SECRET_ARN must be/ },
    { case: 'CACHE_TTL_SECONDS zero', env: { ...complete, CACHE_TTL_SECONDS: '0' }, message: /^CACHE_TTL_SECONDS must be a whole number/ },
    { case: 'CACHE_TTL_SECONDS fractional', env: { ...complete, CACHE_TTL_SECONDS: '1.5' }, message: /^CACHE_TTL_SECONDS must be a whole number/ },
  ])('createHandler fails naming the variable: $case', ({ env, message }) => {
    expect(() => createHandler({ environment: env, fetchSecret })).toThrow(message);
  });

  test('the RDS secret: port as a number or text, dbname defaulting to postgres', () => {
    expect(databaseSettingsFromSecret(JSON.stringify({ username: 'u', password: 'p', host: 'db.example', port: 5432, dbname: 'shop' })))
      .toEqual({ username: 'u', password: 'p', host: 'db.example', port: 5432, database: 'shop' });
    expect(databaseSettingsFromSecret(JSON.stringify({ username: 'u', password: 'p', host: 'db.example', port: '5433' })))
      .toMatchObject({ port: 5433, database: 'postgres' });
  });

  test.each([
    { case: 'not JSON', secret: 's3cr3t', message: /not valid JSON/ },
    { case: 'without a password', secret: JSON.stringify({ username: 'u', host: 'h', port: 5432, token: 's3cr3t' }), message: /no non-empty string field 'password' \(fields: username, host, port, token\)/ },
    { case: 'with a bad port', secret: JSON.stringify({ username: 'u', password: 's3cr3t', host: 'h', port: 'x' }), message: /'port' is not a port number/ },
  ])('a database secret $case is refused without echoing it', ({ secret, message }) => {
    expect(() => databaseSettingsFromSecret(secret)).toThrow(message);
    expect(() => databaseSettingsFromSecret(secret)).not.toThrow(/s3cr3t/);
  });
});

describe('Secrets Manager', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  afterEach(() => secretsManager.reset());
  afterAll(() => secretsManager.restore());

  test('the fetcher returns the secret string of GetSecretValue', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: CACHE_ARN }).resolves({ SecretString: 'the-token' });
    expect(await secretsManagerFetcher(new SecretsManagerClient({ region: 'eu-west-1' }))(CACHE_ARN)).toBe('the-token');
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: CACHE_ARN }]);
  });

  test('a binary secret is refused with its name', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
    await expect(secretsManagerFetcher(new SecretsManagerClient({ region: 'eu-west-1' }))(CACHE_ARN))
      .rejects.toThrow(`The secret ${CACHE_ARN} has no string value`);
  });

  describe('the default handler export', () => {
    const variables = ['CACHE_HOST', 'CACHE_PORT', 'CACHE_CLUSTER_MODE', 'CACHE_SECRET_ARN', 'DB_SECRET_ARN', 'CACHE_TTL_SECONDS', 'AWS_REGION'];
    const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
    afterEach(() => {
      for (const name of variables) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      jest.restoreAllMocks();
    });

    test('fails the invocation naming the first missing variable, and reads the environment again at the next one', async () => {
      for (const name of variables) delete process.env[name];
      await expect(handler(request('GET', 'p-1'))).rejects.toThrow(/^CACHE_HOST is not set/);
      process.env.CACHE_HOST = redis!.host;
      await expect(handler(request('GET', 'p-1'))).rejects.toThrow(/^CACHE_PORT is not set/);
    });

    test('reads both secrets with GetSecretValue and verifies the certificates against the system\'s roots, which do not hold the test CA', async () => {
      Object.assign(process.env, environment(), { AWS_REGION: 'eu-west-1' });
      secretsManager.on(GetSecretValueCommand, { SecretId: CACHE_ARN }).resolves({ SecretString: redis!.password });
      secretsManager.on(GetSecretValueCommand, { SecretId: DB_ARN }).resolves({ SecretString: dbSecret('app', 'app-password-1') });
      const warnings: string[] = [];
      jest.spyOn(console, 'warn').mockImplementation((line: unknown) => {
        warnings.push(String(line));
      });

      const response = await handler(request('GET', 'p-1'));

      expect(response.statusCode).toBe(503);
      const read = secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId).sort();
      expect(read).toEqual([CACHE_ARN, DB_ARN].sort());
      const events = warnings.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(events).toEqual(expect.arrayContaining([
        expect.objectContaining({ level: 'warn', event: 'db-cache.cache-unavailable', error: expect.stringMatching(/certificate/) }),
        expect.objectContaining({ level: 'warn', event: 'db-cache.database-unavailable', error: expect.stringMatching(/certificate/) }),
      ]));
    });
  });
});
