import * as net from 'node:net';
import {
  CacheAside, CachedValueOptions, CacheConnectionError, connectIovalkey, credentialsFromSecret, iovalkeyCacheStore, IovalkeyClient,
  IovalkeyConnectionOptions, WriteThrough,
} from '../../examples/patterns';
import { freePort, LOOPBACK, PostgresServer, RedisServer } from '../servers';
import { expiresAt, Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, serverMillis, sleep, stopAll } from './support';

// The iovalkey client, for Lambda bundles, against the same real servers as the GLIDE tests:
// Redis with TLS only and an AUTH token, and PostgreSQL with a query counter.
let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;
let client: IovalkeyClient | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;
const clients: IovalkeyClient[] = [];

/** Connects the way an application connects to ElastiCache: TLS, the test CA and the AUTH token. */
async function connect(overrides: Partial<IovalkeyConnectionOptions> = {}): Promise<IovalkeyClient> {
  const connected = await connectIovalkey({
    host: redis!.host,
    port: redis!.port,
    caCertificate: redis!.caPem,
    credentials: { password: redis!.password },
    connectTimeoutMs: 1000,
    requestTimeoutMs: 300,
    ...overrides,
  });
  clients.push(connected);
  return connected;
}

/** The error of a connection attempt that must fail; a client that connected anyway is closed with the others. */
async function connectionError(overrides: Partial<IovalkeyConnectionOptions>): Promise<CacheConnectionError> {
  const outcome = await connect(overrides).then((connected) => connected, (error: unknown) => error);
  expect(outcome).toBeInstanceOf(CacheConnectionError);
  return outcome as CacheConnectionError;
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  client = await connect();
  db = new ProductDatabase(postgres);
  await redis.command('ACL', 'SETUSER', 'app', 'on', '>app-password', '~cache:*', '+@all', '-@dangerous');
  await redis.command('ACL', 'SETUSER', 'no-ping', 'on', '>pw', '~cache:*', '+@all', '-@dangerous', '-ping');
}, 30_000);

afterAll(async () => {
  for (const connected of clients) connected.disconnect();
  await db?.close();
  await stopAll(redis, postgres);
}, 30_000);

beforeEach(() => {
  logger = new RecordingLogger();
});

let nextId = 0;
async function newProduct(): Promise<Product> {
  const id = `i-${++nextId}`;
  return db.upsert({ id, name: `Product ${id}`, priceCents: 10 * nextId });
}

function cacheOptions(overrides: Partial<CachedValueOptions<Product>> = {}): CachedValueOptions<Product> {
  return { store: iovalkeyCacheStore(client!), keyPrefix: 'product:', ttlSeconds: 60, logger, ...overrides };
}

describe('connectIovalkey against a TLS server with an AUTH token', () => {
  test('connects with TLS and the token', async () => {
    await client!.set('greeting', 'hello');
    expect(await client!.get('greeting')).toBe('hello');
  });

  test('connects as an RBAC user whose secret is JSON, with the user\'s permissions', async () => {
    const app = await connect({ credentials: credentialsFromSecret(JSON.stringify({ username: 'app', password: 'app-password' })) });
    await app.set('cache:allowed', '1');
    await expect(app.set('elsewhere', '1')).rejects.toThrow(/no permissions to access one of the keys/);
  });

  test('a wrong token fails with reason "authentication" from the server\'s answer, without waiting for a timeout', async () => {
    // Timeouts far beyond the test's own: the error can only come from the server's WRONGPASS.
    const error = await connectionError({ credentials: { password: 'wrong-token' }, connectTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    expect(error.reason).toBe('authentication');
    expect(error.endpoint).toBe(`${LOOPBACK}:${redis!.port}`);
    expect(error.message).toMatch(/rejected the credentials of the AUTH token \(default user\).*rotated.*WRONGPASS/s);
    expect(error.message).not.toContain('wrong-token');
    expect(error.message).not.toContain(redis!.password);
  }, 10_000);

  test('a wrong password for an RBAC user names the user', async () => {
    const error = await connectionError({ credentials: { username: 'app', password: 'nope' } });
    expect(error.reason).toBe('authentication');
    expect(error.message).toMatch(/user 'app'/);
    expect(error.message).not.toContain('nope');
  });

  test('a user that may not run PING gets a "permission" error that says what to grant', async () => {
    const error = await connectionError({ credentials: { username: 'no-ping', password: 'pw' } });
    expect(error.reason).toBe('permission');
    expect(error.message).toMatch(/\+ping/);
  });

  test('a port where nothing listens fails as "unreachable" with the refusal, without waiting for a timeout', async () => {
    const error = await connectionError({ port: await freePort(), connectTimeoutMs: 60_000 });
    expect(error.reason).toBe('unreachable');
    expect(error.message).toMatch(/security group.*ECONNREFUSED/s);
  }, 10_000);

  describe('an endpoint that accepts TCP connections and never answers', () => {
    let silent: net.Server;
    const sockets = new Set<net.Socket>();
    beforeAll(async () => {
      silent = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, LOOPBACK, resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    test('fails as "unreachable" after the connect timeout instead of hanging', async () => {
      const port = (silent.address() as net.AddressInfo).port;
      const error = await connectionError({ port, connectTimeoutMs: 300 });
      expect(error.reason).toBe('unreachable');
      expect(error.message).toMatch(/within 300 ms.*ETIMEDOUT/s);
    }, 10_000);
  });

  test('a server certificate that is not trusted fails as "unreachable", not with an unencrypted fallback', async () => {
    const error = await connectionError({ caCertificate: undefined });
    expect(error.reason).toBe('unreachable');
    expect(error.message).toMatch(/certificate/);
  });

  test('a client without TLS cannot talk to the TLS-only server', async () => {
    const error = await connectionError({ tls: false });
    expect(['unreachable', 'failed']).toContain(error.reason);
  });

  test('while the server is away, commands fail at once instead of queueing; the client then reconnects by itself', async () => {
    const own = await connect();
    const closed = new Promise<void>((resolve) => own.once('close', () => resolve()));
    await redis!.pause();
    try {
      await closed;
      // Not queued until the client reconnects (iovalkey's default), nor failed after the retries.
      await expect(own.get('greeting')).rejects.toThrow("Stream isn't writeable and enableOfflineQueue options is false");
    } finally {
      await redis!.restart();
    }
    let answer: string | null | undefined;
    for (let attempt = 0; attempt < 50 && answer === undefined; attempt++) {
      answer = await own.set('back', 'yes').then(() => own.get('back')).catch(() => undefined);
      if (answer === undefined) await sleep(200);
    }
    expect(answer).toBe('yes');
  }, 30_000);

  test('a client whose credentials are rejected when it reconnects stops instead of retrying forever', async () => {
    await redis!.command('ACL', 'SETUSER', 'rotated', 'on', '>first', '~cache:*', '+@all', '-@dangerous');
    const own = await connect({ credentials: { username: 'rotated', password: 'first' } });
    const ended = new Promise<void>((resolve) => own.once('end', () => resolve()));

    // The password changes and the connection drops; the client reconnects with the old one.
    await redis!.command('ACL', 'SETUSER', 'rotated', 'resetpass', '>second');
    await redis!.command('CLIENT', 'KILL', 'USER', 'rotated');

    await ended;
    expect(own.status).toBe('end');
    await expect(own.get('cache:x')).rejects.toThrow(/Connection is closed/);
  }, 15_000);
});

describe('iovalkeyCacheStore', () => {
  test('SET with PX, and with NX only when asked; false when NX finds the key', async () => {
    const store = iovalkeyCacheStore(client!);
    expect(await store.get('store:absent')).toBeNull();
    const before = await serverMillis(redis!);
    expect(await store.set('store:k', 'one', { ttlMs: 30_000 })).toBe(true);
    expect(await store.set('store:k', 'two', { ttlMs: 30_000, onlyIfAbsent: true })).toBe(false);
    expect(await store.get('store:k')).toBe('one');
    expect(await expiresAt(redis!, 'store:k')).toBeGreaterThanOrEqual(before + 30_000);
    expect(Number(await redis!.command('PTTL', 'store:k'))).toBeLessThanOrEqual(30_000);

    expect(await store.set('store:k', 'three', { ttlMs: 10_000 })).toBe(true);
    expect(await redis!.command('GET', 'store:k')).toBe('three');
    expect(Number(await redis!.command('PTTL', 'store:k'))).toBeLessThanOrEqual(10_000);
    expect(await store.set('store:new', 'v', { ttlMs: 10_000, onlyIfAbsent: true })).toBe(true);

    await store.delete('store:k');
    await store.delete('store:never-there');
    expect(await redis!.command('EXISTS', 'store:k')).toBe(0);
  });
});

describe('write-through over iovalkey', () => {
  beforeEach(async () => {
    await redis!.command('FLUSHALL');
  });

  test('a write goes to the database, then the cache; the next read is a hit with the new value and no query', async () => {
    const options = cacheOptions({ ttlSeconds: 300, jitterSeconds: 30 });
    const writes = new WriteThrough<Product>(options);
    const reads = new CacheAside<Product>(options);
    const product = await newProduct();
    await reads.read(product.id, () => db.find(product.id));

    const written = await serverMillis(redis!);
    const stored = await writes.write(product.id, { ...product, priceCents: 1 }, (value) => db.upsert(value));

    expect(stored).toMatchObject({ priceCents: 1, version: 2 });
    expect(await db.row(product.id)).toEqual(stored);
    expect(await expiresAt(redis!, `product:${product.id}`)).toBeGreaterThanOrEqual(written + 300_000);
    expect(Number(await redis!.command('PTTL', `product:${product.id}`))).toBeLessThanOrEqual(330_000);
    const before = await db.queryCount();
    expect(await reads.read(product.id, () => db.find(product.id))).toEqual(stored);
    expect(await db.queryCount()).toBe(before);
    expect(writes.stats()).toEqual({ writes: 1, removes: 0, cacheErrors: 0, invalidationFailures: 0 });
  });

  test('remove deletes the row, then the key', async () => {
    const options = cacheOptions();
    const writes = new WriteThrough<Product>(options);
    const product = await newProduct();
    await writes.write(product.id, product, (value) => db.upsert(value));
    expect(await redis!.command('EXISTS', `product:${product.id}`)).toBe(1);

    expect(await writes.remove(product.id, () => db.delete(product.id))).toBe(true);

    expect(await db.row(product.id)).toBeNull();
    expect(await redis!.command('EXISTS', `product:${product.id}`)).toBe(0);
  });
});

describe('cache server stopped', () => {
  let reads: CacheAside<Product>;
  let writes: WriteThrough<Product>;
  let down: IovalkeyClient;

  beforeAll(async () => {
    down = await connect();
    reads = new CacheAside<Product>({ store: iovalkeyCacheStore(down), keyPrefix: 'product:', ttlSeconds: 60, logger: new RecordingLogger() });
    writes = new WriteThrough<Product>({ store: iovalkeyCacheStore(down), keyPrefix: 'product:', ttlSeconds: 60, logger: new RecordingLogger() });
    await redis!.pause();
  }, 15_000);

  afterAll(async () => {
    await redis!.restart();
  }, 15_000);

  test('reads fall through to the database, counted as cache errors, never thrown', async () => {
    const product = await newProduct();
    const before = await db.queryCount();
    expect(await reads.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(await reads.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(await db.queryCount()).toBe(before + 2);
    expect(reads.stats()).toMatchObject({ hits: 0, loads: 2, cacheErrors: 2 });
  });

  test('writes and removes succeed in the database; the failed cache updates are counted', async () => {
    const product = await newProduct();
    const stored = await writes.write(product.id, { ...product, name: 'renamed' }, (value) => db.upsert(value));
    expect(await db.row(product.id)).toEqual(stored);
    expect(await writes.remove(product.id, () => db.delete(product.id))).toBe(true);
    expect(await db.row(product.id)).toBeNull();
    expect(writes.stats()).toEqual({ writes: 1, removes: 1, cacheErrors: 3, invalidationFailures: 2 });
  });

  test('a new connection fails as "unreachable"', async () => {
    const error = await connectionError({});
    expect(error.reason).toBe('unreachable');
  });
});
