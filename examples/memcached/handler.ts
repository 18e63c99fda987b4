/**
 * The catalog service's product reads, as the Lambda function of `app.ts`: cache-aside over the
 * Memcached cluster, found through its configuration endpoint (`MEMCACHED_CONFIG_ENDPOINT`,
 * `host:port`, set by the stack), with TLS to every node.
 *
 * The database is a stand-in (`findStandInProduct`): this example is about the cache client.
 * A real service passes its own query as `findProduct`.
 *
 * Invoke it with `{ "productId": "p-42" }`.
 */
import { CacheAside, CacheAsideStats } from '../patterns/cache-aside';
import { lazyCacheStore } from '../patterns/cache-store';
import { LazyConnection } from '../patterns/lazy-connection';
import { describeError, jsonConsoleLogger, PatternLogger } from '../patterns/logger';
import { memcachedCacheStore, MemcachedClient, MemcachedClientOptions, parseMemcachedEndpoint } from '../patterns/memcached';
import { findStandInProduct, Product, ProductRequest, productIdOf } from '../shared/catalog';

/** The function's answer. */
export interface ProductResponse {
  /** The product, or `null` when there is none with that id. */
  readonly product: Product | null;
  /** This execution environment's cache-aside counters, since it started. */
  readonly cache: CacheAsideStats;
}

/** Options of `createProductHandler`; everything has a default for Lambda. */
export interface ProductHandlerOptions {
  /** @default process.env */
  readonly environment?: Record<string, string | undefined>;
  /** Reads a product from the source of truth. @default findStandInProduct */
  readonly findProduct?: (id: string) => Promise<Product | null>;
  /**
   * Client options beyond the endpoint, e.g. `caCertificate` for a private CA in tests. On AWS the
   * defaults fit: ElastiCache's certificates chain to public roots.
   */
  readonly client?: Omit<MemcachedClientOptions, 'configurationEndpoint'>;
  /** @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
  /**
   * After a failed connection to the configuration endpoint, reads go straight to the database
   * for this long before the next attempt.
   * @default 5000
   */
  readonly retryConnectAfterMs?: number;
}

/** The environment variable that holds the configuration endpoint, `host:port`. */
export const CONFIG_ENDPOINT_VARIABLE = 'MEMCACHED_CONFIG_ENDPOINT';

/**
 * A handler with its own Memcached client, made at the first invocation and kept by the
 * execution environment for the next ones (the refresh timer does not keep it from freezing).
 *
 * The cache is never a dependency of a read: when the configuration endpoint cannot be reached,
 * the read goes to the database and the connection is tried again `retryConnectAfterMs` later;
 * when a node fails, `CacheAside` reads the database for that node's keys.
 */
export function createProductHandler(options: ProductHandlerOptions = {}): (event: ProductRequest) => Promise<ProductResponse> {
  const environment = options.environment ?? process.env;
  const endpointText = environment[CONFIG_ENDPOINT_VARIABLE];
  if (!endpointText) {
    throw new Error(`${CONFIG_ENDPOINT_VARIABLE} is not set: it holds the Memcached configuration endpoint, host:port (the stack sets it).`);
  }
  const configurationEndpoint = parseMemcachedEndpoint(endpointText);
  const findProduct = options.findProduct ?? findStandInProduct;
  const logger = options.logger ?? jsonConsoleLogger;
  const retryConnectAfterMs = options.retryConnectAfterMs ?? 5000;

  const connection = new LazyConnection<MemcachedClient>({
    connect: () => MemcachedClient.connect({ ...options.client, logger, configurationEndpoint }),
    close: (client) => client.close(),
    retryIntervalMs: retryConnectAfterMs,
    onFailure: (error) => logger.warn('memcached.connect-failed', { endpoint: endpointText, retryInMs: retryConnectAfterMs, error: describeError(error) }),
  });

  const products = new CacheAside<Product>({
    // Connection failures reach CacheAside as failed cache operations: counted, logged, and the
    // read goes to the database.
    store: lazyCacheStore(() => connection.get(), memcachedCacheStore),
    keyPrefix: 'product:',
    ttlSeconds: 300,
    jitterSeconds: 30,
    logger,
  });

  return async (event) => {
    const id = productIdOf(event);
    const product = await products.read(id, () => findProduct(id));
    return { product, cache: products.stats() };
  };
}

let defaultHandler: ((event: ProductRequest) => Promise<ProductResponse>) | undefined;

/** The Lambda entry point: the environment's configuration endpoint, the stand-in database. */
export function handler(event: ProductRequest): Promise<ProductResponse> {
  defaultHandler ??= createProductHandler();
  return defaultHandler(event);
}
