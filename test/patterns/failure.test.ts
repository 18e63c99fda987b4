import { CacheAside, CachedValueOptions, valkeyCacheStore, ValkeyClient, WriteThrough } from '../../examples/patterns';
import { PostgresServer, RedisServer } from '../servers';
import { connectTo, Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, sleep, stopAll } from './support';

// The cache fails; the application must not. Each describe block breaks the cache in a different
// way and repairs it afterwards.

let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;
let client: ValkeyClient | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;
let options: CachedValueOptions<Product>;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  // Commands fail after 300 ms (requestTimeoutMs in connectTo) instead of waiting for the cache.
  client = await connectTo(redis);
  db = new ProductDatabase(postgres);
}, 30_000);

afterAll(async () => {
  await db?.close();
  await stopAll(client, redis, postgres);
}, 30_000);

beforeEach(() => {
  logger = new RecordingLogger();
  options = { store: valkeyCacheStore(client!), keyPrefix: 'product:', ttlSeconds: 300, logger };
});

let nextId = 0;
async function newProduct(): Promise<Product> {
  const id = `f-${++nextId}`;
  return db.upsert({ id, name: `Product ${id}`, priceCents: 100 });
}

describe('cache rejects writes (out of memory) but still answers', () => {
  beforeAll(async () => {
    await redis!.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  });
  afterEach(async () => {
    await redis!.command('CONFIG', 'SET', 'maxmemory', '0');
  });

  test('a write-through whose cache update fails deletes the old value, so no stale value survives', async () => {
    const writer = new WriteThrough<Product>(options);
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    await reader.read(product.id, () => db.find(product.id));
    expect(await redis!.command('EXISTS', `product:${product.id}`)).toBe(1);

    // Writes are refused (OOM) while deletes are still allowed, as on a full cache without eviction.
    await redis!.command('CONFIG', 'SET', 'maxmemory', '1');
    const stored = await writer.write(product.id, { ...product, priceCents: 250 }, (p) => db.upsert(p));

    expect(stored).toMatchObject({ priceCents: 250, version: 2 });
    expect(await db.row(product.id)).toEqual(stored);
    expect(await redis!.command('EXISTS', `product:${product.id}`)).toBe(0);
    expect(writer.stats()).toEqual({ writes: 1, removes: 0, cacheErrors: 1, invalidationFailures: 0 });
    expect(logger.named('write-through.cache-error')).toEqual([expect.objectContaining({ operation: 'set', error: expect.stringMatching(/OOM/) })]);

    // The next read gets the new value from the database (its write-back is refused too, and absorbed).
    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(stored);
    expect(reader.stats()).toMatchObject({ misses: 2, loads: 2, cacheErrors: 1 });
  });
});

describe('cache server stopped', () => {
  beforeAll(async () => {
    await redis!.pause();
  }, 15_000);

  afterAll(async () => {
    await redis!.restart();
  }, 15_000);

  test('reads fall through to the database; the errors are counted and logged, never thrown', async () => {
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    const before = await db.queryCount();

    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);

    expect(await db.queryCount()).toBe(before + 2);
    // One failed lookup per read; the write-back is skipped when the lookup failed.
    expect(reader.stats()).toEqual({ hits: 0, negativeHits: 0, misses: 0, loads: 2, sharedReads: 0, cacheErrors: 2 });
    expect(logger.named('cache-aside.cache-error')).toEqual([
      expect.objectContaining({ operation: 'get', key: `product:${product.id}` }),
      expect.objectContaining({ operation: 'get', key: `product:${product.id}` }),
    ]);
  });

  test('concurrent reads of one key still cost one query while the cache is down', async () => {
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    const before = await db.queryCount();
    await Promise.all(Array.from({ length: 50 }, () => reader.read(product.id, () => db.find(product.id))));
    expect(await db.queryCount()).toBe(before + 1);
    expect(reader.stats()).toMatchObject({ loads: 1, sharedReads: 49, cacheErrors: 1 });
  });

  test('writes succeed in the database; the failed update and invalidation are counted', async () => {
    const writer = new WriteThrough<Product>(options);
    const product = await newProduct();

    const stored = await writer.write(product.id, { ...product, name: 'renamed' }, (p) => db.upsert(p));

    expect(await db.row(product.id)).toEqual(stored);
    expect(writer.stats()).toEqual({ writes: 1, removes: 0, cacheErrors: 2, invalidationFailures: 1 });
    expect(logger.named('write-through.cache-error').map((fields) => fields.operation)).toEqual(['set', 'delete']);
    expect(logger.named('write-through.stale-until-ttl')).toEqual([{ key: `product:${product.id}`, maxStaleSeconds: 330 }]);
  });

  test('removes succeed in the database; the failed invalidation is counted', async () => {
    const writer = new WriteThrough<Product>(options);
    const product = await newProduct();
    expect(await writer.remove(product.id, () => db.delete(product.id))).toBe(true);
    expect(await db.row(product.id)).toBeNull();
    expect(writer.stats()).toEqual({ writes: 0, removes: 1, cacheErrors: 1, invalidationFailures: 1 });
  });

  test('a new client fails with reason "unreachable" instead of hanging', async () => {
    const error = await connectTo(redisWhileDown(), { connectTimeoutMs: 1000 }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ name: 'CacheConnectionError', reason: 'unreachable' });
  });
});

describe('cache server restarted', () => {
  test('the client reconnects by itself and reads are cached again', async () => {
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    // Reconnection uses a backoff of 50 ms doubling to 1.6 s; allow a few rounds.
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline) {
      await reader.read(product.id, () => db.find(product.id));
      if (reader.stats().hits > 0) break;
      await sleep(200);
    }
    expect(reader.stats().hits).toBeGreaterThan(0);
    expect(JSON.parse(String(await redis!.command('GET', `product:${product.id}`)))).toEqual(product);
  }, 15_000);

  test('with a circuit breaker, reads fail over to the database at once once it is open', async () => {
    const breakerClient = await connectTo(redis!, {
      circuitBreaker: { minErrors: 3, failureRateThreshold: 0.5, countTimeouts: true, windowSizeMs: 10_000, openTimeoutMs: 60_000 },
    });
    try {
      const reader = new CacheAside<Product>({ ...options, store: valkeyCacheStore(breakerClient) });
      const product = await newProduct();
      await redis!.pause();

      for (let i = 0; i < 3; i++) await reader.read(product.id, () => db.find(product.id));
      for (let i = 0; i < 10; i++) expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);

      expect(reader.stats()).toMatchObject({ loads: 13, cacheErrors: 13 });
      // Each of the ten reads after the breaker opened failed on the breaker, without waiting for a request timeout.
      const errors = logger.named('cache-aside.cache-error').slice(-10);
      expect(errors).toHaveLength(10);
      for (const error of errors) expect(error).toMatchObject({ error: expect.stringMatching(/circuit breaker/i) });
    } finally {
      breakerClient.close();
      if (!redis!.running) await redis!.restart();
    }
  }, 15_000);
});

function redisWhileDown(): RedisServer {
  if (redis!.running) throw new Error('expected the server to be stopped');
  return redis!;
}
