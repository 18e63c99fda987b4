import {
  BaseClientConfiguration, ClientCircuitBreakerConfiguration, ConfigurationError, GlideClient, GlideClusterClient, Logger,
} from '@valkey/valkey-glide';
import { CacheEndpointOptions, explainConnectionError } from './connection-common';

export { CacheConnectionError, credentialsFromSecret } from './connection-common';
export type { CacheConnectionFailure, CacheCredentials, CacheEndpointOptions } from './connection-common';

/** A connected Valkey GLIDE client: standalone (cluster mode off) or cluster-aware. */
export type ValkeyClient = GlideClient | GlideClusterClient;

/** How to connect to an ElastiCache (Valkey or Redis OSS) endpoint. */
export interface CacheConnectionOptions extends CacheEndpointOptions {
  /**
   * How long a command may take, reconnection and retries included, before it fails. Commands are
   * never queued without bound while disconnected: they fail after this time.
   * @default 500
   */
  readonly requestTimeoutMs?: number;
  /**
   * The most commands in flight at once; more fail at once instead of piling up.
   * @default 1000
   */
  readonly inflightRequestsLimit?: number;
  /**
   * A client-side circuit breaker: after sustained errors, commands fail at once for a while
   * instead of each waiting for its timeout. Useful in front of cache-aside, where a failed
   * cache read falls through to the database anyway.
   * @default - no circuit breaker
   */
  readonly circuitBreaker?: ClientCircuitBreakerConfiguration;
}

/**
 * Connects to the cache and returns a client; close it with `client.close()`.
 *
 * Fails fast and clearly instead of hanging: a rejected token or user gives a
 * `CacheConnectionError` with reason `authentication` at once; an endpoint that does not answer
 * (wrong host or port, a security group that does not admit the application, TLS off on one side,
 * an untrusted certificate) gives reason `unreachable` after `connectTimeoutMs`; an RBAC user
 * that may not run INFO (which GLIDE sends on connect to check the node's role) gives `permission`.
 */
export async function connectCache(options: CacheConnectionOptions): Promise<ValkeyClient> {
  const tls = options.tls ?? true;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const endpoint = `${options.host}:${options.port}`;
  const config: BaseClientConfiguration = {
    addresses: [{ host: options.host, port: options.port }],
    useTLS: tls,
    credentials: options.credentials ? { username: options.credentials.username, password: options.credentials.password } : undefined,
    requestTimeout: options.requestTimeoutMs ?? 500,
    inflightRequestsLimit: options.inflightRequestsLimit ?? 1000,
    clientName: options.clientName,
    clientCircuitBreaker: options.circuitBreaker,
    // Reconnect quickly after a failover or a restart: 50 ms doubling up to 1.6 s, with jitter so
    // that many application instances do not reconnect in lockstep.
    connectionBackoff: { numberOfRetries: 5, factor: 50, exponentBase: 2, jitterPercent: 20 },
  };
  const advancedConfiguration = {
    connectionTimeout: connectTimeoutMs,
    ...(tls && options.caCertificate ? { tlsAdvancedConfiguration: { rootCertificates: options.caCertificate } } : {}),
  };
  try {
    return options.clusterMode
      ? await GlideClusterClient.createClient({ ...config, advancedConfiguration })
      : await GlideClient.createClient({ ...config, advancedConfiguration });
  } catch (error) {
    throw explainConnectionError(error, {
      endpoint,
      username: options.credentials?.username,
      connectTimeoutMs,
      customCa: Boolean(options.caCertificate),
      connectCommands: 'GLIDE checks the node\'s role with INFO REPLICATION: the RBAC access string must allow +info (AccessString.readWrite() does).',
      configurationError: error instanceof ConfigurationError,
    });
  }
}

/**
 * The level of the GLIDE core's own log (on stdout): `warn` by default. Connection errors reach
 * the application as exceptions anyway, so tests set `off`.
 */
export function setValkeyClientLogLevel(level: 'error' | 'warn' | 'info' | 'debug' | 'off'): void {
  Logger.setLoggerConfig(level);
}
