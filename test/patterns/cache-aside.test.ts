import { CacheAside, CacheAsideOptions, CacheStore, connectIovalkey, iovalkeyCacheStore, jitteredTtlMs, valkeyCacheStore } from '../../examples/patterns';
import { PostgresServer, RedisServer } from '../servers';
import { connectTo, expiresAt, Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, serverMillis, sleep, stopAll } from './support';

// Real servers, once for the file: Redis with TLS and an AUTH token, and PostgreSQL.
let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  db = new ProductDatabase(postgres);
}, 30_000);

afterAll(async () => {
  await db?.close();
  await stopAll(redis, postgres);
}, 30_000);

/** A connected store over one of the two clients, and how to close it. */
interface OpenedStore {
  readonly store: CacheStore;
  close(): void;
}

/** The clients the patterns run over: GLIDE in services, iovalkey in Lambda bundles. */
const CLIENTS: Array<[string, (server: RedisServer) => Promise<OpenedStore>]> = [
  ['Valkey GLIDE', async (server) => {
    const client = await connectTo(server);
    return { store: valkeyCacheStore(client), close: () => client.close() };
  }],
  ['iovalkey', async (server) => {
    const client = await connectIovalkey({
      host: server.host, port: server.port, caCertificate: server.caPem, credentials: { password: server.password }, connectTimeoutMs: 1000,
    });
    return { store: iovalkeyCacheStore(client), close: () => client.disconnect() };
  }],
];

describe.each(CLIENTS)('cache-aside over %s', (_client, open) => {
  let opened: OpenedStore | undefined;

  beforeAll(async () => {
    opened = await open(redis!);
  }, 30_000);

  afterAll(() => opened?.close());

  beforeEach(async () => {
    logger = new RecordingLogger();
    await redis!.command('FLUSHALL');
  });

  let nextId = 0;
  async function newProduct(overrides: Partial<Product> = {}): Promise<Product> {
    return db.upsert({ id: `p-${++nextId}`, name: `Product ${nextId}`, priceCents: 100 * nextId, ...overrides });
  }

  function products(options: Partial<CacheAsideOptions<Product>> = {}): CacheAside<Product> {
    return new CacheAside<Product>({ store: opened!.store, keyPrefix: 'product:', ttlSeconds: 60, logger, ...options });
  }

  describe('reads', () => {
    test('a miss loads from the database and caches; the next read is a hit without a query', async () => {
      const product = await newProduct();
      const cache = products();
      const before = await db.queryCount();

      expect(await cache.read(product.id, () => db.find(product.id))).toEqual(product);
      expect(await db.queryCount()).toBe(before + 1);
      expect(JSON.parse(String(await redis!.command('GET', `product:${product.id}`)))).toEqual(product);

      expect(await cache.read(product.id, () => db.find(product.id))).toEqual(product);
      expect(await db.queryCount()).toBe(before + 1);
      expect(cache.stats()).toEqual({ hits: 1, negativeHits: 0, misses: 1, loads: 1, sharedReads: 0, cacheErrors: 0 });
      expect(logger.events).toEqual([]);
    });

    test('each value gets the TTL plus a random jitter within the bounds, so keys loaded together expire apart', async () => {
      const cache = products({ ttlSeconds: 100, jitterSeconds: 20 });
      const loaded = await Promise.all(Array.from({ length: 40 }, () => newProduct()));
      const before = await serverMillis(redis!);
      await Promise.all(loaded.map((product) => cache.read(product.id, () => db.find(product.id))));
      const after = await serverMillis(redis!);

      const expiries: number[] = [];
      for (const product of loaded) expiries.push(await expiresAt(redis!, `product:${product.id}`));
      for (const expiry of expiries) {
        expect(expiry).toBeGreaterThanOrEqual(before + 100_000);
        expect(expiry).toBeLessThanOrEqual(after + 120_000);
      }
      // 40 uniform draws over 20 s: a spread under 5 s has a probability of about 1e-22 (the writes
      // themselves take far less than the remaining 15 s on any machine that runs the tests).
      expect(Math.max(...expiries) - Math.min(...expiries)).toBeGreaterThan(5_000);
    });

    test('a value expires after its TTL and is loaded again', async () => {
      const product = await newProduct();
      const cache = products({ ttlSeconds: 1, jitterSeconds: 0 });
      await cache.read(product.id, () => db.find(product.id));
      expect(Number(await redis!.command('PTTL', `product:${product.id}`))).toBeLessThanOrEqual(1000);

      await sleep(1200);
      expect(await redis!.command('EXISTS', `product:${product.id}`)).toBe(0);
      expect(await cache.read(product.id, () => db.find(product.id))).toEqual(product);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, loads: 2 });
    }, 10_000);

    test('"not found" is not cached by default', async () => {
      const cache = products();
      const before = await db.queryCount();
      expect(await cache.read('missing', () => db.find('missing'))).toBeNull();
      expect(await cache.read('missing', () => db.find('missing'))).toBeNull();
      expect(await db.queryCount()).toBe(before + 2);
      expect(await redis!.command('EXISTS', 'product:missing')).toBe(0);
    });

    test('with negativeTtlSeconds, "not found" is cached for that long', async () => {
      const cache = products({ negativeTtlSeconds: 30 });
      const written = await serverMillis(redis!);
      const before = await db.queryCount();
      expect(await cache.read('absent', () => db.find('absent'))).toBeNull();
      expect(await cache.read('absent', () => db.find('absent'))).toBeNull();
      expect(await db.queryCount()).toBe(before + 1);
      expect(cache.stats()).toMatchObject({ negativeHits: 1, misses: 1, loads: 1 });
      expect(await expiresAt(redis!, 'product:absent')).toBeGreaterThanOrEqual(written + 30_000);
      expect(Number(await redis!.command('PTTL', 'product:absent'))).toBeLessThanOrEqual(30_000);
    });

    test('a value that no longer decodes is counted, reloaded and replaced', async () => {
      const product = await newProduct();
      await redis!.command('SET', `product:${product.id}`, '{not json', 'EX', 60);
      const cache = products();

      expect(await cache.read(product.id, () => db.find(product.id))).toEqual(product);
      expect(cache.stats()).toMatchObject({ cacheErrors: 1, loads: 1 });
      expect(logger.named('cache-aside.cache-error')).toEqual([expect.objectContaining({ operation: 'decode', key: `product:${product.id}` })]);
      expect(JSON.parse(String(await redis!.command('GET', `product:${product.id}`)))).toEqual(product);
    });

    test('the write-back does not overwrite a newer value that a writer cached during the load (SET NX)', async () => {
      const product = await newProduct();
      const newer = { ...product, name: 'written meanwhile', version: 99 };
      const cache = products();

      const read = await cache.read(product.id, async () => {
        const loaded = await db.find(product.id);
        await redis!.command('SET', `product:${product.id}`, JSON.stringify(newer), 'EX', 60);
        return loaded;
      });

      expect(read).toEqual(product);
      expect(JSON.parse(String(await redis!.command('GET', `product:${product.id}`)))).toEqual(newer);
    });

    test('a database error fails the read, and the next read tries again', async () => {
      const product = await newProduct();
      const cache = products();
      await expect(cache.read(product.id, () => Promise.reject(new Error('database unavailable')))).rejects.toThrow('database unavailable');
      expect(await cache.read(product.id, () => db.find(product.id))).toEqual(product);
    });
  });

  describe('single flight', () => {
    test('100 concurrent misses on one key send exactly one query to the database', async () => {
      const product = await newProduct();
      const cache = products();
      const before = await db.queryCount();

      const results = await Promise.all(Array.from({ length: 100 }, () => cache.read(product.id, () => db.find(product.id))));

      expect(await db.queryCount()).toBe(before + 1);
      expect(results).toHaveLength(100);
      for (const result of results) expect(result).toEqual(product);
      expect(cache.stats()).toMatchObject({ loads: 1, misses: 1, sharedReads: 99 });
    });

    test('concurrent misses on different keys are not collapsed together', async () => {
      const loaded = await Promise.all(Array.from({ length: 10 }, () => newProduct()));
      const cache = products();
      const before = await db.queryCount();

      await Promise.all(loaded.flatMap((product) => Array.from({ length: 10 }, () => cache.read(product.id, () => db.find(product.id)))));

      expect(await db.queryCount()).toBe(before + 10);
      expect(cache.stats()).toMatchObject({ loads: 10, sharedReads: 90 });
    });

    test('reads after the flight has landed are plain hits', async () => {
      const product = await newProduct();
      const cache = products();
      await Promise.all(Array.from({ length: 5 }, () => cache.read(product.id, () => db.find(product.id))));
      await cache.read(product.id, () => db.find(product.id));
      expect(cache.stats()).toMatchObject({ loads: 1, hits: 1, sharedReads: 4 });
    });
  });

  describe('options', () => {
    test('the jittered TTL spans exactly [ttl, ttl + jitter]', () => {
      expect(jitteredTtlMs(300, 30, () => 0)).toBe(300_000);
      expect(jitteredTtlMs(300, 30, () => 0.999999)).toBe(330_000);
      expect(jitteredTtlMs(300, 0, () => 0.5)).toBe(300_000);
    });

    test('the default jitter is 10% of the TTL', async () => {
      const product = await newProduct();
      const before = await serverMillis(redis!);
      await products({ ttlSeconds: 100 }).read(product.id, () => db.find(product.id));
      const after = await serverMillis(redis!);
      const expiry = await expiresAt(redis!, `product:${product.id}`);
      expect(expiry).toBeGreaterThanOrEqual(before + 100_000);
      expect(expiry).toBeLessThanOrEqual(after + 110_000);
    });

    test.each([
      { case: 'zero TTL', options: { ttlSeconds: 0 }, message: /ttlSeconds must be a positive number/ },
      { case: 'negative jitter', options: { ttlSeconds: 10, jitterSeconds: -1 }, message: /jitterSeconds must be zero or a positive number/ },
      { case: 'zero negative TTL', options: { ttlSeconds: 10, negativeTtlSeconds: 0 }, message: /negativeTtlSeconds must be a positive number/ },
    ])('rejects $case', ({ options, message }) => {
      expect(() => new CacheAside<Product>({ store: opened!.store, ...options })).toThrow(message);
    });
  });
});
