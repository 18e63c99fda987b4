import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, RedisOptions, Valkey } from 'iovalkey';
import type { CacheStore } from './cache-store';
import { CacheEndpointOptions, explainConnectionError, isAuthenticationRejection } from './connection-common';

/** A connected iovalkey client: standalone (cluster mode off) or cluster-aware. */
export type IovalkeyClient = Valkey | Cluster;

/** How to connect to an ElastiCache (Valkey or Redis OSS) endpoint with iovalkey. */
export interface IovalkeyConnectionOptions extends CacheEndpointOptions {
  /**
   * How long a command may wait for its reply before it fails. While the client is disconnected,
   * commands fail at once instead of waiting in a queue.
   * @default 500
   */
  readonly requestTimeoutMs?: number;
  /**
   * The longest wait between two reconnection attempts of a client that was connected.
   * @default 2000
   */
  readonly maxReconnectDelayMs?: number;
}

/**
 * Connects to the cache with iovalkey, the pure-JavaScript client that a Lambda bundle can carry,
 * the way `connectCache()` connects with GLIDE, and returns a client; close it with
 * `client.disconnect()`.
 *
 * iovalkey's defaults suit a long-lived server that can wait for its cache: an offline queue
 * without bound, twenty retries per command, reconnection forever. Here instead:
 * - the connection is checked before it is returned (AUTH, then PING), so that a rejected token
 *   or user is a `CacheConnectionError` with reason `authentication` at once, an endpoint that
 *   does not answer one with reason `unreachable` after `connectTimeoutMs`, and an RBAC user that
 *   may not run PING one with reason `permission`;
 * - commands fail after `requestTimeoutMs`, and at once while disconnected (no offline queue);
 *   commands in flight when the connection drops fail instead of being sent again, since a
 *   write sent again after a newer one would overwrite it;
 * - a client that was connected reconnects after 50 ms doubling up to `maxReconnectDelayMs`, with
 *   jitter; it stops (its `status` becomes `end`) when the server rejects its credentials, which
 *   retrying cannot fix: replace such a client, with the secret read again.
 */
export async function connectIovalkey(options: IovalkeyConnectionOptions): Promise<IovalkeyClient> {
  const useTls = options.tls ?? true;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 500;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
  const endpoint = `${options.host}:${options.port}`;

  let connected = false;
  let credentialsRejected = false;
  // Before the first successful check, a failure is reported to the caller rather than retried.
  const retryStrategy = (attempt: number): number | null =>
    connected && !credentialsRejected ? reconnectDelayMs(attempt, maxReconnectDelayMs) : null;

  const tls: ConnectionOptions | undefined = useTls ? (options.caCertificate ? { ca: options.caCertificate } : {}) : undefined;
  const nodeOptions: RedisOptions = {
    username: options.credentials?.username,
    password: options.credentials?.password,
    connectTimeout: connectTimeoutMs,
    commandTimeout: requestTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The ready check sends INFO, which an RBAC user may not be allowed; the PING below checks
    // the connection instead. A node still loading its data answers LOADING, a cache error.
    enableReadyCheck: false,
    connectionName: options.clientName,
    // disconnect() ends the socket and waits this long for its 'close' before destroying it; a
    // socket that already closed (after a failed attempt) never emits it again.
    disconnectTimeout: 0,
  };

  const client: IovalkeyClient = options.clusterMode
    ? new Cluster([{ host: options.host, port: options.port }], {
      // ElastiCache's certificates name the nodes' DNS names: connecting to the addresses they
      // resolve to would fail the certificate check, so each node is reached by its name.
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: { ...nodeOptions, tls },
      enableOfflineQueue: false,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: connectTimeoutMs,
      lazyConnect: true,
    })
    : new Valkey({
      ...nodeOptions,
      host: options.host,
      port: options.port,
      // Node sends the name as SNI only when given `servername`, and RFC 6066 forbids an address there.
      tls: tls && isIP(options.host) === 0 ? { servername: options.host, ...tls } : tls,
      enableOfflineQueue: false,
      retryStrategy,
      lazyConnect: true,
    });

  // iovalkey reports why a connection closed (refused, timed out, certificate, WRONGPASS during a
  // reconnection) only as an 'error' event; the awaited calls fail with "Connection is closed.".
  let firstError: unknown;
  const onError = (error: unknown): void => {
    firstError ??= error;
    if (connected && isAuthenticationRejection(error)) credentialsRejected = true;
  };
  client.on('error', onError);
  if (client instanceof Cluster) client.on('node error', onError);

  let deadline: NodeJS.Timeout | undefined;
  const limitMs = 2 * connectTimeoutMs + requestTimeoutMs;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      // Each step has its own timeout; this bounds their sum, whatever the client does.
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error(`Connection attempt timed out after ${limitMs} ms`)), limitMs);
      }),
    ]);
    connected = true;
    return client;
  } catch (error) {
    client.disconnect();
    throw explainConnectionError(causeOf(error, firstError), {
      endpoint,
      username: options.credentials?.username,
      connectTimeoutMs,
      customCa: Boolean(options.caCertificate),
      connectCommands: 'The client sends PING after AUTH to check the connection: the RBAC access string must allow +ping ' +
        '(AccessString.readWrite() and AccessString.readOnly() do).',
    });
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * A `CacheStore` over an iovalkey client, standalone or cluster, with the semantics of
 * `valkeyCacheStore`: `SET ... PX <ttl>`, with `NX` for `onlyIfAbsent`, and `false` when `NX`
 * found the key.
 */
export function iovalkeyCacheStore(client: IovalkeyClient): CacheStore {
  return {
    async get(key) {
      return client.get(key);
    },
    async set(key, value, options) {
      const ttlMs = Math.max(1, Math.round(options.ttlMs));
      const reply = options.onlyIfAbsent
        ? await client.set(key, value, 'PX', ttlMs, 'NX')
        : await client.set(key, value, 'PX', ttlMs);
      return reply !== null;
    },
    async delete(key) {
      await client.del(key);
    },
  };
}

/** 50 ms doubling up to `maxMs`, each within ±20% so that many instances do not reconnect in lockstep. */
function reconnectDelayMs(attempt: number, maxMs: number): number {
  const base = Math.min(50 * 2 ** Math.min(attempt - 1, 16), maxMs);
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/**
 * The error that says why: the cluster client's "Failed to refresh slots cache." keeps the node's
 * own error beside it, and a generic failure is explained by the first 'error' event.
 */
function causeOf(error: unknown, firstError: unknown): unknown {
  const nodeError = (error as { lastNodeError?: unknown } | undefined)?.lastNodeError;
  if (nodeError instanceof Error) return nodeError;
  const generic = error instanceof Error && /Connection is closed|Failed to refresh slots cache|None of startup nodes/i.test(error.message);
  return generic && firstError !== undefined ? firstError : error;
}
