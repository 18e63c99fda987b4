import { createProductHandler } from '../../examples/memcached/handler';
import { CacheAside, CachedValueOptions, memcachedCacheStore, MemcachedClient, WriteThrough } from '../../examples/patterns';
import { findStandInProduct } from '../../examples/shared/catalog';
import { ConfigurationEndpointServer, MemcachedInspector, MemcachedServer, PostgresServer } from '../servers';
import { Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, sleep } from './support';

// Three real Memcached nodes with TLS behind the stand-in configuration endpoint, and PostgreSQL.
let nodes: MemcachedServer[] = [];
let discovery: ConfigurationEndpointServer | undefined;
let postgres: PostgresServer | undefined;
let client: MemcachedClient | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;
let options: CachedValueOptions<Product>;
const inspectors = new Map<number, MemcachedInspector>();

beforeAll(async () => {
  [nodes, postgres] = await Promise.all([MemcachedServer.startMany(3), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  discovery = await ConfigurationEndpointServer.start(nodes);
  for (const node of nodes) inspectors.set(node.port, await node.connect());
  client = await MemcachedClient.connect({
    configurationEndpoint: discovery.endpoint,
    caCertificate: discovery.caPem,
    requestTimeoutMs: 300,
    retryDelayMs: 100,
    refreshIntervalMs: 0,
  });
  db = new ProductDatabase(postgres);
}, 60_000);

afterAll(async () => {
  client?.close();
  for (const inspector of inspectors.values()) inspector.close();
  await db?.close();
  await discovery?.stop();
  for (const node of nodes) await node.stop();
  await postgres?.stop();
}, 30_000);

beforeEach(async () => {
  logger = new RecordingLogger();
  // Readers and writers share one set of options: same keys, format and expiry.
  options = { store: memcachedCacheStore(client!), keyPrefix: 'product:', ttlSeconds: 300, jitterSeconds: 30, logger };
  for (const inspector of inspectors.values()) await inspector.flushAll();
});

let nextId = 0;
async function newProduct(): Promise<Product> {
  const id = `m-${++nextId}`;
  return db.upsert({ id, name: `Product ${id}`, priceCents: 100 * nextId });
}

/** The value as the node that the ring names holds it, read without the client under test. */
async function cached(id: string): Promise<Product | null> {
  const key = `product:${id}`;
  const text = await inspectors.get(client!.nodeFor(key).port)!.get(key);
  return text === null ? null : JSON.parse(text) as Product;
}

describe('cache-aside over Memcached', () => {
  test('a miss loads from PostgreSQL and caches on the node the ring names; the next read is a hit without a query', async () => {
    const product = await newProduct();
    const reader = new CacheAside<Product>(options);
    const before = await db.queryCount();
    const inspector = inspectors.get(client!.nodeFor(`product:${product.id}`).port)!;
    const written = await inspector.time();

    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(await db.queryCount()).toBe(before + 1);
    expect(await cached(product.id)).toEqual(product);
    // 300 s plus a jitter of up to 30 s, rounded up to whole seconds.
    expect(await inspector.expiresAt(`product:${product.id}`)).toBeGreaterThanOrEqual(written + 300);
    expect(await inspector.ttl(`product:${product.id}`)).toBeLessThanOrEqual(331);

    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(await db.queryCount()).toBe(before + 1);
    expect(reader.stats()).toEqual({ hits: 1, negativeHits: 0, misses: 1, loads: 1, sharedReads: 0, cacheErrors: 0 });
    expect(logger.events).toEqual([]);
  });

  test('the write-back (add) keeps a newer value that a writer cached while the read was loading', async () => {
    const product = await newProduct();
    const newer = { ...product, name: 'written meanwhile', version: 99 };
    const reader = new CacheAside<Product>(options);
    const read = await reader.read(product.id, async () => {
      const loaded = await db.find(product.id);
      await client!.set(`product:${product.id}`, JSON.stringify(newer), 60_000);
      return loaded;
    });
    expect(read).toEqual(product);
    expect(await cached(product.id)).toEqual(newer);
  });

  test('a value that no longer decodes is reloaded and replaced', async () => {
    const product = await newProduct();
    const key = `product:${product.id}`;
    await inspectors.get(client!.nodeFor(key).port)!.set(key, '{not json', 60);
    const reader = new CacheAside<Product>(options);
    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
    expect(reader.stats()).toMatchObject({ cacheErrors: 1, loads: 1 });
    expect(await cached(product.id)).toEqual(product);
  });

  test('100 concurrent misses on one key send one query to PostgreSQL', async () => {
    const product = await newProduct();
    const reader = new CacheAside<Product>(options);
    const before = await db.queryCount();
    const results = await Promise.all(Array.from({ length: 100 }, () => reader.read(product.id, () => db.find(product.id))));
    expect(results.every((result) => result?.id === product.id)).toBe(true);
    expect(await db.queryCount()).toBe(before + 1);
  });
});

describe('write-through over Memcached', () => {
  test('database first, then the cache; readers get the new value; remove invalidates', async () => {
    const writer = new WriteThrough<Product>(options);
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    await reader.read(product.id, () => db.find(product.id));

    const updated = await writer.write(product.id, { ...product, priceCents: 4242 }, (p) => db.upsert(p));
    expect(updated).toMatchObject({ priceCents: 4242, version: 2 });
    expect(await db.row(product.id)).toEqual(updated);
    expect(await cached(product.id)).toEqual(updated);
    const before = await db.queryCount();
    expect(await reader.read(product.id, () => db.find(product.id))).toEqual(updated);
    expect(await db.queryCount()).toBe(before);

    expect(await writer.remove(product.id, () => db.delete(product.id))).toBe(true);
    expect(await cached(product.id)).toBeNull();
    expect(await reader.read(product.id, () => db.find(product.id))).toBeNull();
    expect(writer.stats()).toEqual({ writes: 1, removes: 1, cacheErrors: 0, invalidationFailures: 0 });
  });

  test('a failed database write leaves the cache untouched', async () => {
    const writer = new WriteThrough<Product>(options);
    const reader = new CacheAside<Product>(options);
    const product = await newProduct();
    await reader.read(product.id, () => db.find(product.id));
    await expect(writer.write(product.id, { ...product, name: 'never stored' }, () => Promise.reject(new Error('constraint violated'))))
      .rejects.toThrow('constraint violated');
    expect(await cached(product.id)).toEqual(product);
  });
});

describe('a killed node', () => {
  test('reads of its keys fall through to PostgreSQL, the other keys still hit, writes still commit', async () => {
    const products = await Promise.all(Array.from({ length: 30 }, () => newProduct()));
    const reader = new CacheAside<Product>(options);
    const writer = new WriteThrough<Product>(options);
    for (const product of products) await reader.read(product.id, () => db.find(product.id));

    const victim = nodes[1];
    const onVictim = products.filter((product) => client!.nodeFor(`product:${product.id}`).port === victim.port);
    const elsewhere = products.filter((product) => client!.nodeFor(`product:${product.id}`).port !== victim.port);
    expect(onVictim.length).toBeGreaterThan(0);
    expect(elsewhere.length).toBeGreaterThan(0);

    await victim.kill();
    try {
      const warm = reader.stats();
      const before = await db.queryCount();
      const results = await Promise.all(products.map((product) => reader.read(product.id, () => db.find(product.id))));

      // Every read answers with the right product: from the cache, or from the database.
      expect(results).toEqual(products);
      expect(await db.queryCount()).toBe(before + onVictim.length);
      expect(reader.stats().hits - warm.hits).toBe(elsewhere.length);
      expect(reader.stats().cacheErrors - warm.cacheErrors).toBe(onVictim.length);
      const errors = logger.named('cache-aside.cache-error');
      expect(errors).toHaveLength(onVictim.length);
      for (const fields of errors) expect(fields).toMatchObject({ operation: 'get', error: expect.stringMatching(/MemcachedError: .*localhost:\d+/) });

      // A write of a key on the dead node is committed; the cache can be neither updated nor
      // invalidated (two cache errors: the set, then the fallback delete), which is counted.
      const changed = await writer.write(onVictim[0].id, { ...onVictim[0], priceCents: 1 }, (p) => db.upsert(p));
      expect(await db.row(onVictim[0].id)).toEqual(changed);
      expect(writer.stats()).toEqual({ writes: 1, removes: 0, cacheErrors: 2, invalidationFailures: 1 });
    } finally {
      await victim.restart();
      inspectors.get(victim.port)!.close();
      inspectors.set(victim.port, await victim.connect());
    }

    // Back (empty, like a replaced node): once the client retries the node, its keys are cached again.
    const id = onVictim[0].id;
    for (let i = 0; i < 50 && (await client!.get(`product:${id}`).then(() => false, () => true)); i++) await sleep(50);
    const again = new CacheAside<Product>(options);
    await again.read(id, () => db.find(id));
    expect(again.stats()).toMatchObject({ misses: 1, loads: 1, cacheErrors: 0 });
    expect(await cached(id)).toEqual(await db.row(id));
  });
});

describe('the example\'s Lambda handler', () => {
  test('reads the configuration endpoint from MEMCACHED_CONFIG_ENDPOINT and serves reads with cache-aside', async () => {
    const handlerLogger = new RecordingLogger();
    const handle = createProductHandler({
      environment: { MEMCACHED_CONFIG_ENDPOINT: discovery!.endpoint },
      client: { caCertificate: discovery!.caPem, refreshIntervalMs: 0 },
      logger: handlerLogger,
    });
    const first = await handle({ productId: 'p-7' });
    expect(first.product).toEqual(await findStandInProduct('p-7'));
    expect(first.cache).toMatchObject({ misses: 1, loads: 1, hits: 0 });
    expect(JSON.parse((await inspectors.get(client!.nodeFor('product:p-7').port)!.get('product:p-7'))!)).toEqual(first.product);

    const second = await handle({ productId: 'p-7' });
    expect(second).toEqual({ product: first.product, cache: expect.objectContaining({ hits: 1, loads: 1 }) });
    expect((await handle({ productId: 'p-5000' })).product).toBeNull();
    await expect(handle({ productId: 'has space' })).rejects.toThrow('The event must be {"productId"');
    expect(handlerLogger.events).toEqual([]);
  });

  test('without a reachable configuration endpoint, reads go to the database and the failure is logged', async () => {
    const handlerLogger = new RecordingLogger();
    const handle = createProductHandler({
      // A real node is no configuration endpoint: discovery fails with a clear error.
      environment: { MEMCACHED_CONFIG_ENDPOINT: `127.0.0.1:${nodes[0].port}` },
      client: { caCertificate: discovery!.caPem, refreshIntervalMs: 0 },
      logger: handlerLogger,
    });
    const response = await handle({ productId: 'p-3' });
    expect(response.product).toEqual(await findStandInProduct('p-3'));
    expect(response.cache).toMatchObject({ loads: 1, cacheErrors: 1 });
    expect(handlerLogger.named('memcached.connect-failed')[0]).toMatchObject({
      error: expect.stringMatching(/not an ElastiCache configuration endpoint/),
    });
    // Within retryConnectAfterMs no new attempt is made: the next read goes to the database at once.
    expect((await handle({ productId: 'p-3' })).cache).toMatchObject({ loads: 2, cacheErrors: 2 });
    expect(handlerLogger.named('memcached.connect-failed')).toHaveLength(1);
  });

  test('a missing or malformed MEMCACHED_CONFIG_ENDPOINT is refused with what to set', () => {
    expect(() => createProductHandler({ environment: {} })).toThrow('MEMCACHED_CONFIG_ENDPOINT is not set');
    expect(() => createProductHandler({ environment: { MEMCACHED_CONFIG_ENDPOINT: 'no-port' } })).toThrow('expected host:port');
  });
});
