/**
 * The catalog service's product reads, as the Lambda function of `app.ts`: the read path of the
 * "DB cache" pattern (cache-aside with single flight) over an ElastiCache Serverless cache.
 *
 * Serverless caches are cluster mode only: the client is iovalkey's cluster client, with TLS, and
 * authenticates as the cache user whose secret (`{"username", "password"}`) is in
 * `CACHE_SECRET_ARN`. When the cache refuses the password (it rotated since the secret was read),
 * the secret is read again once and the connection retried.
 *
 * The product source is a stand-in (`findStandInProduct`): this example is about the cache
 * client. A real service passes its own query as `findProduct`.
 *
 * Invoke it with `{ "productId": "p-42" }`.
 */
import { CacheAside, CacheAsideStats } from '../patterns/cache-aside';
import { lazyCacheStore } from '../patterns/cache-store';
import { CacheConnectionError, credentialsFromSecret } from '../patterns/connection-common';
import { connectIovalkey, IovalkeyClient, iovalkeyCacheStore, IovalkeyConnectionOptions } from '../patterns/iovalkey';
import { LazyConnection } from '../patterns/lazy-connection';
import { describeError, jsonConsoleLogger, PatternLogger } from '../patterns/logger';
import { findStandInProduct, Product, ProductRequest, productIdOf } from '../shared/catalog';
import { environmentReader } from '../shared/environment';
import { SecretCache, SecretFetcher, secretsManagerFetcher } from '../shared/secrets';

/** The function's answer. */
export interface ProductResponse {
  /** The product, or `null` when there is none with that id. */
  readonly product: Product | null;
  /** `hit` when the product came from the cache, `miss` when this read loaded it from the source. */
  readonly cache: 'hit' | 'miss';
  /** This execution environment's cache-aside counters, since it started. */
  readonly stats: CacheAsideStats;
}

/** The function's variables, as the stack sets them. */
export interface ServerlessCacheEnvironment {
  /** `CACHE_HOST`: the serverless cache's endpoint. */
  readonly cacheHost: string;
  /** `CACHE_PORT`: 6379, the endpoint's port. */
  readonly cachePort: number;
  /** `CACHE_SECRET_ARN`: the cache user's secret, JSON with `username` and `password`. */
  readonly cacheSecretArn: string;
  /** `CACHE_TTL_SECONDS`, 300 when not set. */
  readonly cacheTtlSeconds: number;
}

/** Reads the function's variables. Fails with the name of a missing or malformed variable. */
export function readServerlessCacheEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): ServerlessCacheEnvironment {
  const { required, positiveInteger, secretArn } = environmentReader(env, 'serverless-cache');
  const cacheHost = required('CACHE_HOST');
  const cachePort = positiveInteger('CACHE_PORT', required('CACHE_PORT'), 65_535);
  const cacheSecretArn = secretArn('CACHE_SECRET_ARN');
  const ttl = env.CACHE_TTL_SECONDS?.trim();
  const cacheTtlSeconds = ttl === undefined || ttl === '' ? 300 : positiveInteger('CACHE_TTL_SECONDS', ttl, 86_400);
  return { cacheHost, cachePort, cacheSecretArn, cacheTtlSeconds };
}

/** Options of `createProductHandler`; everything has a default for Lambda. */
export interface ProductHandlerOptions {
  /** @default process.env */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** @default - Secrets Manager's GetSecretValue */
  readonly fetchSecret?: SecretFetcher;
  /** Reads a product from the source of truth. @default findStandInProduct */
  readonly findProduct?: (id: string) => Promise<Product | null>;
  /**
   * Connection settings over the environment's, e.g. `caCertificate` for a private CA in tests.
   * On AWS the defaults fit: ElastiCache's certificates chain to public roots.
   */
  readonly cacheConnection?: Partial<IovalkeyConnectionOptions>;
  /**
   * After a failed connection attempt, reads go straight to the source for this long before the
   * next attempt.
   * @default 5000
   */
  readonly cacheRetryIntervalMs?: number;
  /** @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
}

/** The handler of one execution environment, with what it holds open. */
export interface ProductHandler {
  (event: ProductRequest): Promise<ProductResponse>;
  /** Closes the cache connection. */
  close(): Promise<void>;
}

/**
 * Builds the handler: reads the environment (and fails at once, naming the variable, when it is
 * incomplete), and prepares the connection, which opens at the first read.
 *
 * The cache is never a dependency of a read: when it cannot be reached, or refuses the password
 * even after the secret was read again, the read goes to the source and the connection is tried
 * again `cacheRetryIntervalMs` later.
 */
export function createProductHandler(options: ProductHandlerOptions = {}): ProductHandler {
  const environment = readServerlessCacheEnvironment(options.environment ?? process.env);
  const logger = options.logger ?? jsonConsoleLogger;
  const secrets = new SecretCache(options.fetchSecret ?? secretsManagerFetcher());
  const findProduct = options.findProduct ?? findStandInProduct;
  const retryIntervalMs = options.cacheRetryIntervalMs ?? 5000;
  const secretId = environment.cacheSecretArn;

  const open = (secretString: string): Promise<IovalkeyClient> => connectIovalkey({
    host: environment.cacheHost,
    port: environment.cachePort,
    // ElastiCache Serverless runs in a cluster-mode enabled configuration only (ElastiCache best
    // practices, "Use cluster-mode enabled configurations"), always with TLS.
    clusterMode: true,
    tls: true,
    credentials: credentialsFromSecret(secretString),
    // A Lambda request waits for the cache only briefly: a miss costs a source read anyway.
    connectTimeoutMs: 1000,
    requestTimeoutMs: 500,
    clientName: 'serverless-cache',
    ...options.cacheConnection,
  });

  const connection = new LazyConnection<IovalkeyClient>({
    connect: async () => {
      const secret = await secrets.get(secretId);
      try {
        return await open(secret);
      } catch (error) {
        if (!(error instanceof CacheConnectionError) || error.reason !== 'authentication') throw error;
        // The password rotated since the secret was read: read it again, once.
        logger.warn('serverless-cache.credentials-rejected', { secretId, action: 'reading the secret again' });
        const renewed = await secrets.refresh(secretId);
        if (renewed === secret) throw error;
        return open(renewed);
      }
    },
    // A client that stopped because its password was refused while reconnecting is replaced,
    // with the secret read again at the next attempt.
    usable: (client) => client.status !== 'end',
    close: (client) => client.disconnect(),
    retryIntervalMs,
    onFailure: (error) => logger.warn('serverless-cache.cache-unavailable', { error: describeError(error), retryInMs: retryIntervalMs }),
  });

  const products = new CacheAside<Product>({
    // Connection failures reach CacheAside as failed cache operations: counted, logged, and the
    // read goes to the source.
    store: lazyCacheStore(() => connection.get(), iovalkeyCacheStore),
    keyPrefix: 'product:',
    ttlSeconds: environment.cacheTtlSeconds,
    jitterSeconds: 30,
    logger,
  });
  // Products loaded from the source in this process. Concurrent reads of one key share the
  // loaded object (single flight), and a cache hit is a freshly decoded one, so membership tells
  // each response whether its value came from the source.
  const loaded = new WeakSet<Product>();

  const handle = async (event: ProductRequest): Promise<ProductResponse> => {
    const id = productIdOf(event);
    const product = await products.read(id, async () => {
      const found = await findProduct(id);
      if (found) loaded.add(found);
      return found;
    });
    const cache = product === null || loaded.has(product) ? 'miss' : 'hit';
    return { product, cache, stats: products.stats() };
  };

  return Object.assign(handle, { close: () => connection.close() });
}

let defaultHandler: ProductHandler | undefined;

/**
 * The Lambda entry point: the handler built from `process.env` at the first invocation, then
 * kept for the execution environment.
 */
export function handler(event: ProductRequest): Promise<ProductResponse> {
  defaultHandler ??= createProductHandler();
  return defaultHandler(event);
}
