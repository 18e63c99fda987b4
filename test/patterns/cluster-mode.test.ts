import { CacheAside, CachedValueOptions, SessionStore, valkeyCacheStore, ValkeyClient, WriteThrough, glideSessionCommands } from '../../examples/patterns';
import { PostgresServer, RedisCluster, RedisServer } from '../servers';
import { connectTo, expiresAt, Product, PRODUCT_SCHEMA, ProductDatabase, RecordingLogger, serverMillis, stopAll } from './support';

// Cluster mode on: a real 3-shard Redis Cluster behind the cluster client. The pattern code is the
// same as against one node; the assertions check on the servers that the keys are spread over the
// shards and that each one is on the shard that its slot belongs to.

let cluster: RedisCluster | undefined;
let postgres: PostgresServer | undefined;
// Two application instances, each with its own cluster client.
let client: ValkeyClient | undefined;
let otherClient: ValkeyClient | undefined;
let db: ProductDatabase;
let logger: RecordingLogger;
let options: CachedValueOptions<Product>;

beforeAll(async () => {
  [cluster, postgres] = await Promise.all([RedisCluster.start(), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
  client = await connectTo(cluster, { clusterMode: true });
  otherClient = await connectTo(cluster, { clusterMode: true });
  db = new ProductDatabase(postgres);
}, 45_000);

afterAll(async () => {
  await db?.close();
  await stopAll(client, otherClient, cluster, postgres);
}, 30_000);

beforeEach(async () => {
  logger = new RecordingLogger();
  options = { store: valkeyCacheStore(client!), keyPrefix: 'product:', ttlSeconds: 300, jitterSeconds: 30, logger };
  for (const shard of await cluster!.shards()) await shard.primary.command('FLUSHALL');
});

// Fixed ids, so the slots of their keys are fixed too (CRC16): 30 of them cover all three shards.
let nextId = 0;
async function newProducts(count: number): Promise<Product[]> {
  return Promise.all(Array.from({ length: count }, () => {
    const id = `c-${++nextId}`;
    return db.upsert({ id, name: `Product ${id}`, priceCents: 100 });
  }));
}

/** The number of keys on each shard's primary (DBSIZE). */
async function keysPerShard(): Promise<number[]> {
  const shards = await cluster!.shards();
  return Promise.all(shards.map(async (shard) => Number(await shard.primary.command('DBSIZE'))));
}

/** The value of `key` as stored on the primary that serves its slot, read without the client under test. */
async function onItsShard(key: string): Promise<unknown> {
  const text = await (await cluster!.primaryOf(key)).command('GET', key);
  return text === null ? null : JSON.parse(String(text));
}

/** `calls` of `cmdstat_wait` on a node: how many WAIT commands it has run. */
async function waitCalls(node: RedisServer): Promise<number> {
  const stats = (await node.info('commandstats')).cmdstat_wait;
  return stats === undefined ? 0 : Number(/calls=(\d+)/.exec(stats)![1]);
}

test('the cluster has 3 shards of a primary and an in-sync replica, on loopback with TLS only', async () => {
  const shards = await cluster!.shards();
  expect(shards).toHaveLength(3);
  for (const shard of shards) {
    expect(shard.replicas).toHaveLength(1);
    expect((await shard.primary.info('replication')).connected_slaves).toBe('1');
    expect((await shard.replicas[0].info('replication')).master_link_status).toBe('up');
  }
  for (const node of cluster!.nodes) {
    expect(await node.command('CONFIG', 'GET', 'port')).toEqual(['port', '0']);
    expect(await node.command('CONFIG', 'GET', 'tls-cluster')).toEqual(['tls-cluster', 'yes']);
    expect((await node.command('CONFIG', 'GET', 'bind') as string[])[1]).toBe('127.0.0.1');
  }
  expect(new Set(shards.map((shard) => shard.primary))).toEqual(new Set(cluster!.nodes.slice(0, 3)));
});

test('cache-aside caches each value on the shard of its key, on all three shards; the next reads are hits', async () => {
  const reader = new CacheAside<Product>(options);
  const loaded = await newProducts(30);
  const before = await db.queryCount();

  for (const product of loaded) expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
  expect(await db.queryCount()).toBe(before + 30);

  const perShard = await keysPerShard();
  for (const keys of perShard) expect(keys).toBeGreaterThan(0);
  expect(perShard.reduce((sum, keys) => sum + keys, 0)).toBe(30);
  for (const product of loaded) expect(await onItsShard(`product:${product.id}`)).toEqual(product);

  for (const product of loaded) expect(await reader.read(product.id, () => db.find(product.id))).toEqual(product);
  expect(await db.queryCount()).toBe(before + 30);
  expect(reader.stats()).toEqual({ hits: 30, negativeHits: 0, misses: 30, loads: 30, sharedReads: 0, cacheErrors: 0 });
  expect(logger.events).toEqual([]);
});

test('write-through writes and removes reach the shard of each key, on all three shards', async () => {
  const writer = new WriteThrough<Product>(options);
  const reader = new CacheAside<Product>(options);
  const products = await newProducts(30);

  const stored = await Promise.all(products.map((product) => writer.write(product.id, { ...product, priceCents: 250 }, (p) => db.upsert(p))));
  for (const row of stored) {
    expect(row).toMatchObject({ priceCents: 250, version: 2 });
    expect(await onItsShard(`product:${row.id}`)).toEqual(row);
  }
  const perShard = await keysPerShard();
  for (const keys of perShard) expect(keys).toBeGreaterThan(0);
  expect(perShard.reduce((sum, keys) => sum + keys, 0)).toBe(30);

  // Another instance reads what this one wrote, from the cache.
  const otherReader = new CacheAside<Product>({ ...options, store: valkeyCacheStore(otherClient!) });
  const before = await db.queryCount();
  for (const row of stored) expect(await otherReader.read(row.id, () => db.find(row.id))).toEqual(row);
  expect(await db.queryCount()).toBe(before);

  for (const row of stored) expect(await writer.remove(row.id, () => db.delete(row.id))).toBe(true);
  for (const keys of await keysPerShard()) expect(keys).toBe(0);
  expect(await reader.read(stored[0].id, () => db.find(stored[0].id))).toBeNull();
  expect(writer.stats()).toEqual({ writes: 30, removes: 30, cacheErrors: 0, invalidationFailures: 0 });
  expect(logger.events).toEqual([]);
});

test('sessions: login on one instance, reads on another, logout, with the sessions on every shard', async () => {
  const a = new SessionStore({ commands: glideSessionCommands(client!), ttlSeconds: 120 });
  const b = new SessionStore({ commands: glideSessionCommands(otherClient!), ttlSeconds: 120 });

  // Random ids: each of 48 misses a given shard with probability (2/3)^48, about 4e-9.
  // The servers' clock (one host) before and after the writes bounds when each expiry was set.
  const before = await serverMillis(await cluster!.primaryOf('clock'));
  const created = await Promise.all(Array.from({ length: 48 }, (_, index) => a.create({ userId: `u-${index}` })));
  const after = await serverMillis(await cluster!.primaryOf('clock'));
  const perShard = await keysPerShard();
  for (const keys of perShard) expect(keys).toBeGreaterThan(0);
  expect(perShard.reduce((sum, keys) => sum + keys, 0)).toBe(48);

  for (const [index, { id, replication }] of created.entries()) {
    expect(replication).toBeUndefined();
    expect(await onItsShard(`sess:${id}`)).toEqual({ userId: `u-${index}` });
    // The expiry is 120 s from the write: an absolute time (PEXPIRETIME), so how long this test takes does not matter.
    const expiry = await expiresAt(await cluster!.primaryOf(`sess:${id}`), `sess:${id}`);
    expect(expiry).toBeGreaterThanOrEqual(before + 120_000);
    expect(expiry).toBeLessThanOrEqual(after + 120_000);
    expect(await b.get(id)).toEqual({ userId: `u-${index}` });
  }

  for (const { id } of created) expect(await b.destroy(id)).toEqual({ found: true });
  for (const keys of await keysPerShard()) expect(keys).toBe(0);
  for (const { id } of created) expect(await a.get(id)).toBeNull();
});

test('a durable write waits on the shard of its key only, and that shard\'s replica has it when acknowledged', async () => {
  const sessions = new SessionStore({ commands: glideSessionCommands(client!), ttlSeconds: 120, durable: { replicas: 1, timeoutMs: 2_000 } });
  const shards = await cluster!.shards();
  const shardsWritten = new Set<RedisServer>();

  for (let index = 0; index < 12; index++) {
    const before = await Promise.all(shards.map((shard) => waitCalls(shard.primary)));
    const { id, replication } = await sessions.create({ userId: `d-${index}` });
    const after = await Promise.all(shards.map((shard) => waitCalls(shard.primary)));

    const key = `sess:${id}`;
    const shard = await cluster!.shardOf(key);
    shardsWritten.add(shard.primary);
    expect(after).toEqual(shards.map((candidate, at) => before[at] + (candidate.primary === shard.primary ? 1 : 0)));
    expect(replication).toEqual({ replicas: 1, acknowledged: true });
    expect(JSON.parse(String(await cluster!.replicaCommand(shard.replicas[0], 'GET', key)))).toEqual({ userId: `d-${index}` });

    expect(await sessions.destroy(id)).toEqual({ found: true, replication: { replicas: 1, acknowledged: true } });
    expect(await cluster!.replicaCommand(shard.replicas[0], 'EXISTS', key)).toBe(0);
  }
  // 12 random ids on one shard only: probability 3 * (1/3)^12, about 6e-6.
  expect(shardsWritten.size).toBeGreaterThan(1);
});
