/**
 * What the two cache clients' connection modules share: the endpoint settings, the credentials
 * read from a Secrets Manager secret, and the error that says why a connection failed.
 *
 * This module imports neither client, so that a Lambda bundle built around `iovalkey.ts` does not
 * pull in Valkey GLIDE and its native core, and the GLIDE connection in `connection.ts` does not
 * pull in iovalkey.
 */

/** The credentials the cache checks: the AUTH token alone, or an RBAC user and its password. */
export interface CacheCredentials {
  /** The RBAC user; without one, the token authenticates the `default` user (`AUTH <token>`). */
  readonly username?: string;
  readonly password: string;
}

/** Where the cache is and how to reach it, whichever client connects. */
export interface CacheEndpointOptions {
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

/** What `explainConnectionError` needs to know besides the error. */
export interface ConnectionFailureContext {
  /** `host:port`. */
  readonly endpoint: string;
  /** The RBAC user that tried to connect, if any. */
  readonly username?: string;
  readonly connectTimeoutMs: number;
  /** Whether a CA certificate was given instead of the system's roots. */
  readonly customCa: boolean;
  /**
   * What the client runs on connect that the RBAC user must be allowed, as a sentence: the
   * `permission` message ends with it.
   */
  readonly connectCommands: string;
  /** Whether the client rejected its own settings (GLIDE's `ConfigurationError`). */
  readonly configurationError?: boolean;
}

/**
 * Whether the server refused the credentials: `WRONGPASS` (Valkey, Redis OSS 6 and later),
 * `NOAUTH`, or `ERR invalid password` (older engines).
 */
export function isAuthenticationRejection(error: unknown): boolean {
  return AUTHENTICATION.test(errorDetail(error));
}

const AUTHENTICATION = /WRONGPASS|NOAUTH|invalid password|invalid username-password|AUTH failed|authentication/i;
const PERMISSION = /no permissions|NOPERM|PermissionDenied/i;
// Node's socket and TLS errors name themselves by code (ECONNREFUSED, ETIMEDOUT, ENOTFOUND,
// SELF_SIGNED_CERT_IN_CHAIN); GLIDE's core says the same in words.
const UNREACHABLE = /timed out|ETIMEDOUT|refused|unreachable|no route|dns|lookup|resolve|ENOTFOUND|EAI_AGAIN|broken pipe|reset|certificate|self.signed/i;

/**
 * Turns the error of a failed connection attempt into a `CacheConnectionError` whose reason and
 * message say what to check. The message quotes the client's or server's own words, which never
 * contain the credentials.
 */
export function explainConnectionError(error: unknown, context: ConnectionFailureContext): CacheConnectionError {
  const { endpoint } = context;
  const detail = errorDetail(error);
  if (AUTHENTICATION.test(detail)) {
    const who = context.username ? `user '${context.username}'` : 'the AUTH token (default user)';
    return new CacheConnectionError('authentication', endpoint,
      `The cache at ${endpoint} rejected the credentials of ${who}. Check that the application reads the current ` +
      'secret (the token may have been rotated) and, for RBAC, that the user exists, is enabled and is in the user group. ' +
      `Server said: ${detail}`, { cause: error });
  }
  if (PERMISSION.test(detail)) {
    return new CacheConnectionError('permission', endpoint,
      `The cache at ${endpoint} accepted the credentials but the user may not run a command the client sends on connect. ` +
      `${context.connectCommands} Server said: ${detail}`, { cause: error });
  }
  if (context.configurationError) {
    return new CacheConnectionError('configuration', endpoint, `Invalid cache client configuration for ${endpoint}: ${detail}`, { cause: error });
  }
  if (UNREACHABLE.test(detail)) {
    return new CacheConnectionError('unreachable', endpoint,
      `Could not connect to the cache at ${endpoint} within ${context.connectTimeoutMs} ms. Check the endpoint and port, that the ` +
      "cache's security group admits this application, that TLS is on at both ends" +
      `${context.customCa ? ' and that the CA certificate signed the server certificate' : ''}. Client said: ${detail}`, { cause: error });
  }
  return new CacheConnectionError('failed', endpoint, `Could not connect to the cache at ${endpoint}: ${detail}`, { cause: error });
}

function errorDetail(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}
