import { CACHE_USER } from '../../examples/serverless-cache/app';
import {
  createProductHandler, ProductHandler, ProductHandlerOptions, readServerlessCacheEnvironment,
} from '../../examples/serverless-cache/handler';
import { findStandInProduct } from '../../examples/shared/catalog';
import { AccessString } from '../../src';
import { RecordingLogger, stopAll } from '../patterns/support';
import { RedisCluster } from '../servers';

// The Lambda handler against a real 3-shard Redis Cluster with TLS only, which stands in for the
// serverless endpoint (ElastiCache Serverless is cluster mode only): the function's cache user is
// created on every node with the access string that the app gives it, and the default user keeps
// the harness's password, as a cache whose default user the function never uses. Secrets Manager
// is replaced by `secrets`, a map that the tests rotate.

const arn = (name: string): string => `arn:aws:secretsmanager:us-east-1:123456789012:secret:serverless-cache/${name}-AbCdEf`;
const SECRET_ARN = arn('catalog-reader');
const PASSWORD = 'catalog-reader-password-1-0123456789';
const ROTATED_PASSWORD = 'catalog-reader-password-2-0123456789';
const WRONG_PASSWORD = 'not-the-password-of-catalog-reader-42';

let cluster: RedisCluster | undefined;
const secrets = new Map<string, string>();
/** Values to hand out once, before the current one: what an execution environment read before a rotation. */
const readBeforeRotation = new Map<string, string>();
const handlers: ProductHandler[] = [];

const userSecret = (password: string): string => JSON.stringify({ username: CACHE_USER, password, user_arn: 'arn:aws:elasticache:us-east-1:123456789012:user:catalog-reader' });

/** Sets the user's passwords on every node, as ElastiCache applies a user's change to all of them. */
async function setUserPasswords(...passwords: string[]): Promise<void> {
  const rules = AccessString.readWrite('product:*').value.split(' ');
  await Promise.all(cluster!.nodes.map((node) => node.command('ACL', 'SETUSER', CACHE_USER, 'reset', ...rules, ...passwords.map((p) => `>${p}`))));
}

interface Built {
  readonly api: ProductHandler;
  readonly logger: RecordingLogger;
  /** The secret reads of this handler, in order. */
  readonly secretReads: string[];
  /** The product ids read from the source. */
  readonly sourceReads: string[];
}

function newHandler(secretId: string, overrides: Partial<ProductHandlerOptions> = {}): Built {
  const logger = new RecordingLogger();
  const secretReads: string[] = [];
  const sourceReads: string[] = [];
  const api = createProductHandler({
    environment: { CACHE_HOST: cluster!.host, CACHE_PORT: String(cluster!.port), CACHE_SECRET_ARN: secretId, CACHE_TTL_SECONDS: '120' },
    fetchSecret: async (id) => {
      secretReads.push(id);
      const stale = readBeforeRotation.get(id);
      if (stale !== undefined) {
        readBeforeRotation.delete(id);
        return stale;
      }
      const value = secrets.get(id);
      if (value === undefined) throw new Error(`ResourceNotFoundException: ${id}`);
      return value;
    },
    findProduct: (id) => {
      sourceReads.push(id);
      return findStandInProduct(id);
    },
    cacheConnection: { caCertificate: cluster!.caPem },
    logger,
    ...overrides,
  });
  handlers.push(api);
  return { api, logger, secretReads, sourceReads };
}

/** The value of `key` on the primary that serves its slot, read without the client under test. */
async function onItsShard(key: string): Promise<unknown> {
  const text = await (await cluster!.primaryOf(key)).command('GET', key);
  return text === null ? null : JSON.parse(String(text));
}

beforeAll(async () => {
  cluster = await RedisCluster.start({ name: 'serverless stand-in' });
  await setUserPasswords(PASSWORD);
  secrets.set(SECRET_ARN, userSecret(PASSWORD));
}, 45_000);

afterAll(async () => {
  await Promise.all(handlers.map((api) => api.close()));
  await stopAll(cluster);
}, 30_000);

test('a miss reads the source and caches the product on the shard of its key; the next reads, on every shard, are hits', async () => {
  const { api, logger, secretReads, sourceReads } = newHandler(SECRET_ARN);
  const ids = Array.from({ length: 12 }, (_, index) => `p-${index + 1}`);

  const first = await api({ productId: 'p-1' });
  expect(first).toMatchObject({ product: { id: 'p-1', name: 'Product 1', priceCents: 100 }, cache: 'miss' });
  expect(await onItsShard('product:p-1')).toEqual(first.product);
  const second = await api({ productId: 'p-1' });
  expect(second).toMatchObject({ product: first.product, cache: 'hit' });
  expect(sourceReads).toEqual(['p-1']);

  // Keys on all three shards: the client follows the slot map.
  for (const id of ids.slice(1)) expect((await api({ productId: id })).cache).toBe('miss');
  const shards = new Set(await Promise.all(ids.map(async (id) => (await cluster!.primaryOf(`product:${id}`)).name)));
  expect(shards.size).toBe(3);
  for (const id of ids) {
    const response = await api({ productId: id });
    expect(response.cache).toBe('hit');
    expect(response.product).toEqual(await findStandInProduct(id));
  }
  expect(sourceReads).toHaveLength(ids.length);
  // The cache user's connection: a TTL was set (120 s plus up to 30 s of jitter).
  const ttl = Number(await (await cluster!.primaryOf('product:p-1')).command('TTL', 'product:p-1'));
  expect(ttl).toBeGreaterThan(100);
  expect(ttl).toBeLessThanOrEqual(150);
  expect(secretReads).toEqual([SECRET_ARN]);
  expect(logger.events).toEqual([]);
  // Connected to every primary as the cache user, never as the default user.
  for (const shard of await cluster!.shards()) {
    const clients = String(await shard.primary.command('CLIENT', 'LIST')).split('\n').filter((line) => line.includes('name=serverless-cache'));
    expect(clients.length).toBeGreaterThan(0);
    for (const line of clients) expect(line).toContain(`user=${CACHE_USER}`);
  }
});

test('concurrent misses of one product share one source read (single flight), and each says "miss"', async () => {
  const { api, sourceReads } = newHandler(SECRET_ARN);
  const responses = await Promise.all(Array.from({ length: 5 }, () => api({ productId: 'p-500' })));
  expect(responses.map((r) => r.cache)).toEqual(['miss', 'miss', 'miss', 'miss', 'miss']);
  expect(sourceReads).toEqual(['p-500']);
  expect((await api({ productId: 'p-500' })).cache).toBe('hit');
});

test('a product the source does not have is null, and not cached', async () => {
  const { api } = newHandler(SECRET_ARN);
  expect(await api({ productId: 'p-9999' })).toMatchObject({ product: null, cache: 'miss' });
  expect(await onItsShard('product:p-9999')).toBeNull();
});

test('a wrong password is refused: the secret is read again once, reads come from the source, and nothing logged holds the password', async () => {
  const wrongArn = arn('wrong');
  secrets.set(wrongArn, userSecret(WRONG_PASSWORD));
  const { api, logger, secretReads, sourceReads } = newHandler(wrongArn, { cacheRetryIntervalMs: 60_000 });

  const response = await api({ productId: 'p-7' });
  expect(response).toMatchObject({ product: await findStandInProduct('p-7'), cache: 'miss' });
  expect(response.stats.cacheErrors).toBeGreaterThan(0);
  expect(secretReads).toEqual([wrongArn, wrongArn]);
  expect(logger.named('serverless-cache.credentials-rejected')).toEqual([{ secretId: wrongArn, action: 'reading the secret again' }]);
  const [unavailable] = logger.named('serverless-cache.cache-unavailable');
  expect(String(unavailable.error)).toMatch(/authentication|WRONGPASS|password/i);
  // Within the retry interval, no new attempt and no new secret read.
  expect((await api({ productId: 'p-7' })).cache).toBe('miss');
  expect(secretReads).toHaveLength(2);
  expect(sourceReads).toEqual(['p-7', 'p-7']);
  const logged = JSON.stringify(logger.events);
  expect(logged).not.toContain(WRONG_PASSWORD);
  expect(logged).not.toContain(PASSWORD);
});

test('a password rotated after the secret was read: the secret is read again once, and the cache is used', async () => {
  const rotatedArn = arn('rotated');
  await setUserPasswords(ROTATED_PASSWORD);
  try {
    secrets.set(rotatedArn, userSecret(ROTATED_PASSWORD));
    readBeforeRotation.set(rotatedArn, userSecret(PASSWORD));
    const { api, logger, secretReads, sourceReads } = newHandler(rotatedArn);

    expect((await api({ productId: 'p-321' })).cache).toBe('miss');
    expect((await api({ productId: 'p-321' })).cache).toBe('hit');
    expect(sourceReads).toEqual(['p-321']);
    expect(secretReads).toEqual([rotatedArn, rotatedArn]);
    expect(logger.named('serverless-cache.credentials-rejected')).toHaveLength(1);
    expect(logger.named('serverless-cache.cache-unavailable')).toEqual([]);
    expect(JSON.stringify(logger.events)).not.toContain('catalog-reader-password');
  } finally {
    await setUserPasswords(PASSWORD);
  }
});

test.each([
  { case: 'without CACHE_HOST', env: { CACHE_PORT: '6379', CACHE_SECRET_ARN: SECRET_ARN }, message: /CACHE_HOST is not set/ },
  { case: 'with a bad port', env: { CACHE_HOST: 'h', CACHE_PORT: '70000', CACHE_SECRET_ARN: SECRET_ARN }, message: /CACHE_PORT must be a whole number from 1 to 65535, got '70000'/ },
  { case: 'with a secret name instead of an ARN', env: { CACHE_HOST: 'h', CACHE_PORT: '6379', CACHE_SECRET_ARN: 'catalog' }, message: /CACHE_SECRET_ARN must be the ARN/ },
  { case: 'with a zero TTL', env: { CACHE_HOST: 'h', CACHE_PORT: '6379', CACHE_SECRET_ARN: SECRET_ARN, CACHE_TTL_SECONDS: '0' }, message: /CACHE_TTL_SECONDS must be a whole number/ },
])('the environment $case is refused, naming the variable', ({ env, message }) => {
  expect(() => readServerlessCacheEnvironment(env)).toThrow(message);
});

test('the environment as the stack sets it, with the TTL defaulting to 300', () => {
  expect(readServerlessCacheEnvironment({ CACHE_HOST: 'c.serverless.use1.cache.amazonaws.com', CACHE_PORT: '6379', CACHE_SECRET_ARN: SECRET_ARN }))
    .toEqual({ cacheHost: 'c.serverless.use1.cache.amazonaws.com', cachePort: 6379, cacheSecretArn: SECRET_ARN, cacheTtlSeconds: 300 });
});

test('an event without a valid product id is refused before the cache', async () => {
  const { api, secretReads } = newHandler(SECRET_ARN);
  await expect(api({ productId: 'p 1/../x' })).rejects.toThrow(/The event must be/);
  await expect(api({})).rejects.toThrow(/The event must be/);
  expect(secretReads).toEqual([]);
});
