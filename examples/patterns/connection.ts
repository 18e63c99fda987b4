import {
  BaseClientConfiguration, ClientCircuitBreakerConfiguration, ConfigurationError, GlideClient, GlideClusterClient, Logger,
} from '@valkey/valkey-glide';

/** A connected Valkey GLIDE client: standalone (cluster mode off) or cluster-aware. */
export type ValkeyClient = GlideClient | GlideClusterClient;

/** The credentials the cache checks: the AUTH token alone, or an RBAC user and its password. */
export interface CacheCredentials {
  /** The RBAC user; without one, the token authenticates the `default` user (`AUTH <token>`). */
  readonly username?: string;
  readonly password: string;
}

/** How to connect to an ElastiCache (Valkey or Redis OSS) endpoint. */
export interface CacheConnectionOptions {
  /** The primary endpoint (cluster mode off), the configuration endpoint (cluster mode on) or a serverless endpoint. */
  readonly host: string;
  readonly port: number;
  /**
   * TLS (in-transit encryption). The library's caches require it, and ElastiCache rejects a token
   * sent over a plain connection.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * The CA certificate (PEM) to trust instead of the system's roots. ElastiCache's certificates
   * chain to Amazon's public roots, so leave this out on AWS; tests with a private CA set it.
   * @default - the system's trusted roots
   */
  readonly caCertificate?: string;
  /** @default - no authentication */
  readonly credentials?: CacheCredentials;
  /**
   * Use the cluster-aware client, for cluster mode on (`SecureRedisCluster` with `clusterMode`, or
   * `SESSION_STORE_CLUSTER_MODE=true`). It follows the slot map, redirections and failovers.
   * @default false
   */
  readonly clusterMode?: boolean;
  /**
   * How long to wait for a TCP and TLS connection, at creation and at every reconnection.
   * @default 2000
   */
  readonly connectTimeoutMs?: number;
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
  /** Shown in `CLIENT LIST`, e.g. the service's name. */
  readonly clientName?: string;
}

/** Why a connection could not be made. */
export type CacheConnectionFailure = 'authentication' | 'permission' | 'unreachable' | 'configuration' | 'failed';

/** The cache could not be connected to; `reason` says why, the message what to check. */
export class CacheConnectionError extends Error {
  constructor(
    public readonly reason: CacheConnectionFailure,
    public readonly endpoint: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CacheConnectionError';
  }
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
    throw explainConnectionError(error, endpoint, options, connectTimeoutMs);
  }
}

/**
 * The credentials in a Secrets Manager secret string, as the library's constructs store them:
 * - the AUTH token as plain text (`SecureRedisCluster` with a generated token, node-based
 *   `SessionStoreCache`);
 * - JSON with the password in `jsonField` (default `password`) and, for RBAC users, a `username`
 *   (serverless `SessionStoreCache`, `CacheUser` secrets, `AuthToken.fromSecret(secret, field)`).
 *
 * `username`, when given (e.g. `SESSION_STORE_USERNAME`), takes precedence over the secret's.
 * Errors never contain the secret's value.
 */
export function credentialsFromSecret(secretString: string, options: { jsonField?: string; username?: string } = {}): CacheCredentials {
  const text = secretString.trim();
  if (text.length === 0) throw new Error('The cache secret is empty.');
  if (!text.startsWith('{')) {
    if (options.jsonField) throw new Error(`The cache secret is plain text, but a JSON field '${options.jsonField}' was expected.`);
    return { username: options.username, password: text };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('The cache secret starts with "{" but is not valid JSON.');
  }
  const fields = parsed as Record<string, unknown>;
  const field = options.jsonField ?? 'password';
  const password = fields[field];
  if (typeof password !== 'string' || password.length === 0) {
    throw new Error(`The cache secret is JSON without a non-empty string field '${field}' (fields: ${Object.keys(fields).join(', ') || 'none'}).`);
  }
  const username = options.username ?? (typeof fields.username === 'string' && fields.username.length > 0 ? fields.username : undefined);
  return { username, password };
}

/**
 * The level of the GLIDE core's own log (on stdout): `warn` by default. Connection errors reach
 * the application as exceptions anyway, so tests set `off`.
 */
export function setValkeyClientLogLevel(level: 'error' | 'warn' | 'info' | 'debug' | 'off'): void {
  Logger.setLoggerConfig(level);
}

function explainConnectionError(error: unknown, endpoint: string, options: CacheConnectionOptions, connectTimeoutMs: number): CacheConnectionError {
  const detail = error instanceof Error ? error.message.trim() : String(error);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH failed|authentication/i.test(detail)) {
    const who = options.credentials?.username ? `user '${options.credentials.username}'` : 'the AUTH token (default user)';
    return new CacheConnectionError('authentication', endpoint,
      `The cache at ${endpoint} rejected the credentials of ${who}. Check that the application reads the current ` +
      'secret (the token may have been rotated) and, for RBAC, that the user exists, is enabled and is in the user group. ' +
      `Server said: ${detail}`, { cause: error });
  }
  if (/no permissions|NOPERM|PermissionDenied/i.test(detail)) {
    return new CacheConnectionError('permission', endpoint,
      `The cache at ${endpoint} accepted the credentials but the user may not run a command the client sends on connect. ` +
      'GLIDE checks the node\'s role with INFO REPLICATION: the RBAC access string must allow +info ' +
      `(AccessString.readWrite() does). Server said: ${detail}`, { cause: error });
  }
  if (error instanceof ConfigurationError) {
    return new CacheConnectionError('configuration', endpoint, `Invalid cache client configuration for ${endpoint}: ${detail}`, { cause: error });
  }
  if (/timed out|refused|unreachable|no route|dns|lookup|resolve|broken pipe|reset/i.test(detail)) {
    return new CacheConnectionError('unreachable', endpoint,
      `Could not connect to the cache at ${endpoint} within ${connectTimeoutMs} ms. Check the endpoint and port, that the ` +
      "cache's security group admits this application, that TLS is on at both ends" +
      `${options.caCertificate ? ' and that the CA certificate signed the server certificate' : ''}. Client said: ${detail}`, { cause: error });
  }
  return new CacheConnectionError('failed', endpoint, `Could not connect to the cache at ${endpoint}: ${detail}`, { cause: error });
}
