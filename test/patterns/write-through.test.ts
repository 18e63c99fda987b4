import { CacheAside, CachedValueOptions, valkeyCacheStore, ValkeyClient, WriteThrough } from '../../examples/patterns';
import { PostgresServer, RedisServer } from '../servers';
import { connectTo, Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, stopAll } from './support';

let redis: RedisServer | undefined;
let postgres: PostgresServer | undefined;
let client: ValkeyClient | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;
let options: CachedValueOptions<Product>;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  client = await connectTo(redis);
  db = new ProductDatabase(postgres);
}, 30_000);

afterAll(async () => {
  await db?.close();
  await stopAll(client, redis, postgres);
}, 30_000);

beforeEach(async () => {
  logger = new RecordingLogger();
  // Readers and writers share one set of options: same keys, format and expiry.
  options = { store: valkeyCacheStore(client!), keyPrefix: 'product:', ttlSeconds: 300, jitterSeconds: 30, logger };
  await redis!.command('FLUSHALL');
});

let nextId = 0;
const newId = (): string => `w-${++nextId}`;

async function cached(id: string): Promise<Product | null> {
  const text = await redis!.command('GET', `product:${id}`);
  return text === null ? null : JSON.parse(String(text)) as Product;
}

test('a write goes to the database, then the cache; the next read is a hit with the new value', async () => {
  const writer = new WriteThrough<Product>(options);
  const reader = new CacheAside<Product>(options);
  const id = newId();

  const stored = await writer.write(id, { id, name: 'Lamp', priceCents: 1999 }, (product) => db.upsert(product));

  expect(await db.row(id)).toEqual(stored);
  expect(await cached(id)).toEqual(stored);
  const before = await db.queryCount();
  expect(await reader.read(id, () => db.find(id))).toEqual(stored);
  expect(await db.queryCount()).toBe(before);
  expect(reader.stats()).toMatchObject({ hits: 1, loads: 0 });
  expect(writer.stats()).toEqual({ writes: 1, removes: 0, cacheErrors: 0, invalidationFailures: 0 });
});

test('after an update, readers get the new value, not the one cached before', async () => {
  const writer = new WriteThrough<Product>(options);
  const reader = new CacheAside<Product>(options);
  const id = newId();
  await db.upsert({ id, name: 'Chair', priceCents: 5000 });
  expect(await reader.read(id, () => db.find(id))).toMatchObject({ priceCents: 5000, version: 1 });

  await writer.write(id, { id, name: 'Chair', priceCents: 4500 }, (product) => db.upsert(product));

  expect(await reader.read(id, () => db.find(id))).toEqual({ id, name: 'Chair', priceCents: 4500, version: 2 });
  expect(reader.stats()).toMatchObject({ hits: 1, loads: 1 });
});

test('the row the database returns is what gets cached (here with the version it assigned)', async () => {
  const writer = new WriteThrough<Product>(options);
  const id = newId();
  await writer.write(id, { id, name: 'Desk', priceCents: 100 }, (product) => db.upsert(product));
  const second = await writer.write(id, { id, name: 'Desk', priceCents: 200 }, (product) => db.upsert(product));
  expect(second.version).toBe(2);
  expect(await cached(id)).toEqual({ id, name: 'Desk', priceCents: 200, version: 2 });
});

test('when persist returns nothing, the written value is cached', async () => {
  const writer = new WriteThrough<Product>(options);
  const id = newId();
  const value = { id, name: 'Rug', priceCents: 300 };
  expect(await writer.write(id, value, async (product) => { await db.upsert(product); })).toEqual(value);
  expect(await cached(id)).toEqual(value);
});

test('written values get the TTL with jitter', async () => {
  const writer = new WriteThrough<Product>(options);
  const id = newId();
  await writer.write(id, { id, name: 'Vase', priceCents: 10 }, (product) => db.upsert(product));
  const ttl = Number(await redis!.command('PTTL', `product:${id}`));
  expect(ttl).toBeGreaterThan(295_000);
  expect(ttl).toBeLessThanOrEqual(330_000);
});

test('a write replaces a cached "not found"', async () => {
  const writer = new WriteThrough<Product>(options);
  const reader = new CacheAside<Product>({ ...options, negativeTtlSeconds: 60 });
  const id = newId();
  expect(await reader.read(id, () => db.find(id))).toBeNull();

  const stored = await writer.write(id, { id, name: 'Clock', priceCents: 2500 }, (product) => db.upsert(product));

  expect(await reader.read(id, () => db.find(id))).toEqual(stored);
  expect(reader.stats()).toMatchObject({ hits: 1, negativeHits: 0, loads: 1 });
});

test('remove deletes the row, then the cache key: the key is gone from both', async () => {
  const writer = new WriteThrough<Product>(options);
  const reader = new CacheAside<Product>(options);
  const id = newId();
  await writer.write(id, { id, name: 'Shelf', priceCents: 800 }, (product) => db.upsert(product));

  expect(await writer.remove(id, () => db.delete(id))).toBe(true);

  expect(await db.row(id)).toBeNull();
  expect(await redis!.command('EXISTS', `product:${id}`)).toBe(0);
  expect(await reader.read(id, () => db.find(id))).toBeNull();
  expect(writer.stats()).toMatchObject({ writes: 1, removes: 1, cacheErrors: 0 });
});

test('a failed database write propagates and leaves the cache untouched', async () => {
  const writer = new WriteThrough<Product>(options);
  const id = newId();
  const original = await writer.write(id, { id, name: 'Bed', priceCents: 40000 }, (product) => db.upsert(product));

  await expect(writer.write(id, { ...original, priceCents: -1 }, () => Promise.reject(new Error('check constraint violated'))))
    .rejects.toThrow('check constraint violated');

  expect(await cached(id)).toEqual(original);
  expect(await db.row(id)).toEqual(original);
  expect(writer.stats()).toMatchObject({ writes: 1, cacheErrors: 0 });
});

test('a failed database delete propagates and leaves the cache untouched', async () => {
  const writer = new WriteThrough<Product>(options);
  const id = newId();
  const original = await writer.write(id, { id, name: 'Sofa', priceCents: 90000 }, (product) => db.upsert(product));
  await expect(writer.remove(id, () => Promise.reject(new Error('lock timeout')))).rejects.toThrow('lock timeout');
  expect(await cached(id)).toEqual(original);
  expect(writer.stats()).toMatchObject({ removes: 0 });
});
