/**
 * The Lambda function behind the db-cache example's REST API: products in RDS for PostgreSQL,
 * cached in ElastiCache (Valkey, TLS, AUTH token in Secrets Manager).
 *
 * - `GET /products/{id}`: cache-aside (TTL with jitter, single flight); `x-cache: hit` or `miss`.
 * - `PUT /products/{id}` with `{"name", "priceCents"}`: write-through (database, then cache).
 * - `DELETE /products/{id}`: delete in the database, then invalidate the cache.
 *
 * The cache never fails a request: when it is down or refuses the credentials, reads and writes
 * go to the database alone. The database being unavailable is a 503.
 *
 * The cache client is iovalkey, plain JavaScript that esbuild bundles for any platform; GLIDE's
 * native core would have to be built for the function's architecture.
 */
import { CacheConnection } from './cache';
import { Database, DatabaseConnectionOptions, DatabaseUnavailableError } from './database';
import { InvalidRequestError, parseProductBody, parseProductId, Product, ProductRepository } from './products';

import { CacheAside, CacheAsideStats } from '../patterns/cache-aside';
import type { CachedValueOptions } from '../patterns/cache-store';
import { connectIovalkey, IovalkeyConnectionOptions } from '../patterns/iovalkey';
import { describeError, jsonConsoleLogger, PatternLogger } from '../patterns/logger';
import { WriteThrough, WriteThroughStats } from '../patterns/write-through';
import { ApiGatewayProxyEvent, ApiGatewayProxyResult, bodyText, json } from '../shared/api-gateway';
import { environmentReader } from '../shared/environment';
import { SecretCache, SecretFetcher, secretsManagerFetcher } from '../shared/secrets';

/** The function's settings: the contract with the db-cache stack, which sets these variables. */
export interface DbCacheEnvironment {
  /** `CACHE_HOST`: the primary endpoint, or the configuration endpoint in cluster mode. */
  readonly cacheHost: string;
  /** `CACHE_PORT` */
  readonly cachePort: number;
  /** `CACHE_CLUSTER_MODE`: `true` or `false`. */
  readonly cacheClusterMode: boolean;
  /** `CACHE_SECRET_ARN`: the secret whose string is the AUTH token, as plain text. */
  readonly cacheSecretArn: string;
  /** `DB_SECRET_ARN`: the RDS secret, JSON with `username`, `password`, `host`, `port`, `dbname`. */
  readonly databaseSecretArn: string;
  /** `CACHE_TTL_SECONDS`, 300 when not set. */
  readonly cacheTtlSeconds: number;
}

/** Reads the function's variables. Fails with the name of a missing or malformed variable. */
export function readDbCacheEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): DbCacheEnvironment {
  const { required, positiveInteger, secretArn } = environmentReader(env, 'db-cache');
  const cacheHost = required('CACHE_HOST');
  const cachePort = positiveInteger('CACHE_PORT', required('CACHE_PORT'), 65_535);
  const clusterMode = required('CACHE_CLUSTER_MODE');
  if (clusterMode !== 'true' && clusterMode !== 'false') throw new Error(`CACHE_CLUSTER_MODE must be 'true' or 'false', got '${clusterMode}'.`);
  const cacheSecretArn = secretArn('CACHE_SECRET_ARN');
  const databaseSecretArn = secretArn('DB_SECRET_ARN');
  const ttl = env.CACHE_TTL_SECONDS?.trim();
  const cacheTtlSeconds = ttl === undefined || ttl === '' ? 300 : positiveInteger('CACHE_TTL_SECONDS', ttl);
  return { cacheHost, cachePort, cacheClusterMode: clusterMode === 'true', cacheSecretArn, databaseSecretArn, cacheTtlSeconds };
}

/** What the handler talks to; everything has a default for Lambda. */
export interface DbCacheDependencies {
  /** @default process.env */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** @default - Secrets Manager's GetSecretValue */
  readonly fetchSecret?: SecretFetcher;
  /** Cache connection settings over the environment's, e.g. a test CA or timeouts. */
  readonly cacheConnection?: Partial<IovalkeyConnectionOptions>;
  /** Database connection settings, e.g. a test CA or timeouts. */
  readonly database?: DatabaseConnectionOptions;
  /**
   * After a failed cache connection attempt, how long requests skip the cache before the next attempt.
   * @default 5000
   */
  readonly cacheRetryIntervalMs?: number;
  /** @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
}

/** The handler of one execution environment, with what it holds open. */
export interface DbCacheHandler {
  (event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult>;
  /** The counters of the cache patterns since the handler was created. */
  stats(): { readonly reads: CacheAsideStats; readonly writes: WriteThroughStats };
  /** Closes the cache and database connections. */
  close(): Promise<void>;
}

/**
 * Builds the handler: reads the environment (and fails at once, naming the variable, when it is
 * incomplete), and prepares the connections, which open at the first request that needs them.
 * The secrets are read once per handler, which is once per execution environment, and again
 * once when the cache or the database rejects their value.
 */
export function createHandler(dependencies: DbCacheDependencies = {}): DbCacheHandler {
  const environment = readDbCacheEnvironment(dependencies.environment ?? process.env);
  const logger = dependencies.logger ?? jsonConsoleLogger;
  const secrets = new SecretCache(dependencies.fetchSecret ?? secretsManagerFetcher());

  const cache = new CacheConnection({
    secrets,
    secretId: environment.cacheSecretArn,
    connect: (credentials) => connectIovalkey({
      host: environment.cacheHost,
      port: environment.cachePort,
      clusterMode: environment.cacheClusterMode,
      credentials,
      // A Lambda request waits for the cache only briefly: a miss costs a database read anyway.
      connectTimeoutMs: 1000,
      requestTimeoutMs: 500,
      clientName: 'db-cache',
      ...dependencies.cacheConnection,
    }),
    retryIntervalMs: dependencies.cacheRetryIntervalMs ?? 5000,
    logger,
  });
  const database = new Database(secrets, environment.databaseSecretArn, dependencies.database ?? {}, logger);
  const products = new ProductRepository(database);

  const cached: CachedValueOptions<Product> = { store: cache.store, keyPrefix: 'product:', ttlSeconds: environment.cacheTtlSeconds, logger };
  const reads = new CacheAside<Product>(cached);
  const writes = new WriteThrough<Product>(cached);
  // Products read from the database in this process. Concurrent reads of one key share the
  // loaded object (single flight), and a cache hit is a freshly decoded one, so membership tells
  // each response whether its value came from the database.
  const loaded = new WeakSet<Product>();

  const routes = {
    async GET(id: string): Promise<ApiGatewayProxyResult> {
      const product = await reads.read(id, async () => {
        const found = await products.find(id);
        if (found) loaded.add(found);
        return found;
      });
      if (!product) return json(404, { message: `Product '${id}' not found.` }, { 'x-cache': 'miss' });
      return json(200, product, { 'x-cache': loaded.has(product) ? 'miss' : 'hit' });
    },
    async PUT(id: string, event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
      const product = parseProductBody(id, bodyText(event));
      return json(200, await writes.write(id, product, (value) => products.upsert(value)));
    },
    async DELETE(id: string): Promise<ApiGatewayProxyResult> {
      const deleted = await writes.remove(id, () => products.delete(id));
      return deleted ? { statusCode: 204, headers: {}, body: '' } : json(404, { message: `Product '${id}' not found.` });
    },
  };

  const handle = async (event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> => {
    const rawId = productIdOf(event);
    if (rawId === null) return json(404, { message: `No route for ${event.httpMethod} ${event.path}.` });
    const method = event.httpMethod.toUpperCase();
    if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE') {
      return json(405, { message: `${event.httpMethod} is not allowed on a product.` }, { allow: 'GET, PUT, DELETE' });
    }
    try {
      return await routes[method](parseProductId(rawId), event);
    } catch (error) {
      if (error instanceof InvalidRequestError) return json(400, { message: error.message });
      if (error instanceof DatabaseUnavailableError) {
        logger.warn('db-cache.database-unavailable', { method, error: describeError(error) });
        return json(503, { message: 'The database is unavailable. Try again later.' }, { 'retry-after': '1' });
      }
      logger.warn('db-cache.internal-error', { method, error: describeError(error) });
      return json(500, { message: 'Internal error.' });
    }
  };

  return Object.assign(handle, {
    stats: () => ({ reads: reads.stats(), writes: writes.stats() }),
    close: async () => {
      await Promise.all([cache.close(), database.close()]);
    },
  });
}

let defaultHandler: DbCacheHandler | undefined;

/**
 * The Lambda entry point: the handler built from `process.env` at the first invocation, then
 * kept for the execution environment. An incomplete environment fails the invocation with the
 * name of the variable, and is read again at the next one.
 */
export async function handler(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
  defaultHandler ??= createHandler();
  return defaultHandler(event);
}

/** The `{id}` of `/products/{id}`: `null` for any other route. */
function productIdOf(event: ApiGatewayProxyEvent): string | null {
  if (event.resource === '/products/{id}') return event.pathParameters?.id ?? '';
  // A greedy proxy resource (`/{proxy+}`) passes every path.
  const match = /^\/products\/([^/]*)\/?$/.exec(event.path ?? '');
  return match ? match[1] : null;
}
