import { randomBytes } from 'node:crypto';
import { CacheEndpointOptions, credentialsFromSecret } from './connection-common';

// This module loads no client, so that a Lambda bundle of it carries only the client it uses:
// glide-sessions.ts (GLIDE) and iovalkey-sessions.ts (iovalkey) connect it.

/** Replication of a session write, when durable writes are on. */
export interface ReplicationResult {
  /** Replicas that acknowledged the write (and every write before it on this connection). */
  readonly replicas: number;
  /** Whether at least the required number of replicas acknowledged it in time. */
  readonly acknowledged: boolean;
}

/** A new session. */
export interface CreatedSession {
  /** The session id for the cookie: 256 random bits, URL-safe. */
  readonly id: string;
  /** Present when durable writes are on. */
  readonly replication?: ReplicationResult;
}

/** The outcome of `update` or `destroy`. */
export interface SessionWriteResult {
  /** Whether the session existed. */
  readonly found: boolean;
  /** Present when durable writes are on. */
  readonly replication?: ReplicationResult;
}

/** Durable writes: wait for replicas after each write (`WAIT`). */
export interface DurableWriteOptions {
  /** @default 1 */
  readonly replicas?: number;
  /**
   * How long to wait for the replicas. A write that is not acknowledged in time is still applied
   * on the primary; `acknowledged: false` says it could be lost if the primary fails now.
   * @default 500
   */
  readonly timeoutMs?: number;
}

/**
 * The commands a `SessionStore` runs, so that it works over any Valkey client: GLIDE
 * (`glideSessionCommands`, for services) or iovalkey (`iovalkeySessionCommands`, for Lambda
 * bundles). Errors propagate: the session store is the source of truth for logins.
 */
export interface SessionCommands {
  /** `SET key value EX ttl NX`: false when the key exists. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** `SET key value EX ttl XX`: false when the key does not exist. */
  setIfPresent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** `GETEX key EX ttl`: the value, or null; rejects with the server's "unknown command" where GETEX is missing. */
  getAndExpire(key: string, ttlSeconds: number): Promise<string | null>;
  /** `GET key`. */
  get(key: string): Promise<string | null>;
  /** `EXPIRE key ttl`: false when the key does not exist. */
  expire(key: string, ttlSeconds: number): Promise<boolean>;
  /** `DEL key`: whether it existed. */
  delete(key: string): Promise<boolean>;
  /**
   * `WAIT replicas timeout` on the primary that holds `key` (in cluster mode, the primary of its
   * slot): how many replicas have the writes made so far on that connection. Rejects with
   * `WaitUndeliveredError` when the WAIT could not reach that primary.
   */
  waitForReplicas(key: string, replicas: number, timeoutMs: number): Promise<number>;
}

/**
 * A WAIT that could not be delivered to the primary of the key after the write succeeded (the
 * client's view of the cluster is stale right after a failover, or the node it reached is now a
 * replica): the write's replication is unknown.
 */
export class WaitUndeliveredError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WaitUndeliveredError';
  }
}

/** Options of `SessionStore`. */
export interface SessionStoreOptions {
  /** The commands over a client: `glideSessionCommands(client)` or `iovalkeySessionCommands(client)`. */
  readonly commands: SessionCommands;
  /** The idle timeout: a session expires this long after its last use. */
  readonly ttlSeconds: number;
  /** @default 'sess:' */
  readonly keyPrefix?: string;
  /**
   * After each create, update and destroy, wait until replicas have the write, so that a failover
   * right after the response does not lose a login or resurrect a logged-out session.
   * @default - no waiting: replication is asynchronous
   */
  readonly durable?: DurableWriteOptions;
}

/** 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-]. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sessions for stateless application instances: any instance reads the session another wrote.
 *
 * - `create` writes `<prefix><id>` with `SET ... EX <ttl> NX` under a random id.
 * - `get` reads it and slides the expiry in the same command (`GETEX ... EX <ttl>`), so an active
 *   user stays logged in and an idle one is logged out after `ttlSeconds`. On servers older than
 *   Redis 6.2, which lack GETEX, it falls back to `GET` then `EXPIRE`.
 * - `destroy` deletes it at logout.
 *
 * The session store is the source of truth for logins: unlike cache-aside, its errors are not
 * absorbed but propagate, and the application answers 503 rather than treat the user as logged out.
 */
export class SessionStore<T = Record<string, unknown>> {
  public readonly ttlSeconds: number;
  public readonly keyPrefix: string;
  private readonly commands: SessionCommands;
  private readonly durable?: Required<DurableWriteOptions>;
  private getexSupported = true;

  constructor(options: SessionStoreOptions) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new Error(`ttlSeconds must be a positive whole number of seconds, got ${options.ttlSeconds}`);
    }
    this.commands = options.commands;
    this.ttlSeconds = options.ttlSeconds;
    this.keyPrefix = options.keyPrefix ?? 'sess:';
    if (options.durable) {
      this.durable = { replicas: options.durable.replicas ?? 1, timeoutMs: options.durable.timeoutMs ?? 500 };
    }
  }

  /** Writes a new session with the TTL and returns its id. */
  public async create(data: T): Promise<CreatedSession> {
    const value = JSON.stringify(data);
    // NX: a new id never overwrites an existing session. With 256 random bits a collision does
    // not happen; NX makes it impossible rather than improbable.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = randomBytes(32).toString('base64url');
      if (await this.commands.setIfAbsent(this.key(id), value, this.ttlSeconds)) {
        return { id, replication: await this.waitForReplicas(this.key(id)) };
      }
    }
    throw new Error('Could not allocate a session id: the random source is broken');
  }

  /**
   * The session's data, or `null` when the id is unknown, expired or malformed. Reading a session
   * resets its expiry to `ttlSeconds` (sliding expiry).
   */
  public async get(id: string): Promise<T | null> {
    if (!SESSION_ID.test(id)) return null;
    const key = this.key(id);
    let text: string | null;
    if (this.getexSupported) {
      try {
        text = await this.commands.getAndExpire(key, this.ttlSeconds);
      } catch (error) {
        if (!/unknown command/i.test(String(error))) throw error;
        this.getexSupported = false;
        text = await this.getThenExpire(key);
      }
    } else {
      text = await this.getThenExpire(key);
    }
    return text === null ? null : JSON.parse(text) as T;
  }

  /** Resets the session's expiry without reading it. Returns whether the session exists. */
  public async touch(id: string): Promise<boolean> {
    if (!SESSION_ID.test(id)) return false;
    return this.commands.expire(this.key(id), this.ttlSeconds);
  }

  /** Replaces the session's data and resets its expiry; does nothing for an unknown session. */
  public async update(id: string, data: T): Promise<SessionWriteResult> {
    if (!SESSION_ID.test(id)) return { found: false };
    const found = await this.commands.setIfPresent(this.key(id), JSON.stringify(data), this.ttlSeconds);
    return { found, replication: await this.waitForReplicas(this.key(id)) };
  }

  /** Deletes the session (logout). */
  public async destroy(id: string): Promise<SessionWriteResult> {
    if (!SESSION_ID.test(id)) return { found: false };
    const found = await this.commands.delete(this.key(id));
    // A logout lost in a failover would bring the session back: it is waited for like a login.
    return { found, replication: await this.waitForReplicas(this.key(id)) };
  }

  private key(id: string): string {
    return this.keyPrefix + id;
  }

  private async getThenExpire(key: string): Promise<string | null> {
    const text = await this.commands.get(key);
    if (text === null) return null;
    await this.commands.expire(key, this.ttlSeconds);
    return text;
  }

  /**
   * `WAIT <replicas> <timeout>` after a write of `key`, on the primary that took it. It counts the
   * replicas that have every write made so far on that connection, which includes the write just
   * made (clients multiplex one connection per node; other requests' writes only make the wait
   * cover more).
   *
   * A WAIT that cannot be delivered after the write succeeded reports the write as not
   * acknowledged rather than failing it: the write was applied, and whether a replica has it is
   * unknown, which is what `acknowledged: false` means.
   */
  private async waitForReplicas(key: string): Promise<ReplicationResult | undefined> {
    if (!this.durable) return undefined;
    const { replicas: required, timeoutMs } = this.durable;
    let replicas: number;
    try {
      replicas = await this.commands.waitForReplicas(key, required, timeoutMs);
    } catch (error) {
      if (!(error instanceof WaitUndeliveredError)) throw error;
      return { replicas: 0, acknowledged: false };
    }
    return { replicas, acknowledged: replicas >= required };
  }
}

/** How the application authenticates to the session store (`SESSION_STORE_AUTH`). */
export type SessionStoreAuth = 'token' | 'password' | 'iam';

/** The settings `SessionStoreCache.grantSessionAccess` puts in the application's environment. */
export interface SessionStoreEnvironment {
  /** `SESSION_STORE_HOST` */
  readonly host: string;
  /** `SESSION_STORE_PORT` */
  readonly port: number;
  /** `SESSION_STORE_TLS` (always `true` from the construct) */
  readonly tls: boolean;
  /**
   * `SESSION_STORE_AUTH`: `token` (the AUTH token), `password` (an RBAC user and its password) or
   * `iam` (an IAM-enabled user, no secret). Unset (deployments from before the variable): `password`
   * with a username, else `token`.
   */
  readonly auth: SessionStoreAuth;
  /** `SESSION_STORE_SECRET_ARN`: the secret to fetch from Secrets Manager; unset with `iam`. */
  readonly secretArn?: string;
  /** `SESSION_STORE_USERNAME`: the RBAC user, with `password` and `iam`. */
  readonly username?: string;
  /** `SESSION_STORE_CACHE_NAME`: with `iam`, what the IAM auth token is signed for. */
  readonly cacheName?: string;
  /** `SESSION_STORE_SERVERLESS`: with `iam`, whether to sign the token for a serverless cache. */
  readonly serverless: boolean;
  /** `SESSION_STORE_TTL_SECONDS` */
  readonly ttlSeconds: number;
  /** `SESSION_STORE_KEY_PREFIX` */
  readonly keyPrefix: string;
  /** `SESSION_STORE_CLUSTER_MODE` */
  readonly clusterMode: boolean;
}

/**
 * Reads the `SESSION_STORE_*` variables. Fails with the name of a missing or malformed variable.
 */
export function readSessionStoreEnvironment(env: Record<string, string | undefined> = process.env): SessionStoreEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      throw new Error(`${name} is not set: the function or container must be granted with SessionStoreCache.grantSessionAccess().`);
    }
    return value.trim();
  };
  const positiveInteger = (name: string): number => {
    const text = required(name);
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got '${text}'.`);
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = env[name]?.trim().toLowerCase();
    if (value === undefined || value === '') return fallback;
    if (value !== 'true' && value !== 'false') throw new Error(`${name} must be 'true' or 'false', got '${env[name]}'.`);
    return value === 'true';
  };
  const username = env.SESSION_STORE_USERNAME?.trim() || undefined;
  const authText = env.SESSION_STORE_AUTH?.trim() || (username ? 'password' : 'token');
  if (authText !== 'token' && authText !== 'password' && authText !== 'iam') {
    throw new Error(`SESSION_STORE_AUTH must be 'token', 'password' or 'iam', got '${authText}'.`);
  }
  const auth: SessionStoreAuth = authText;
  if (auth !== 'token' && !username) {
    throw new Error(`SESSION_STORE_USERNAME is not set, but SESSION_STORE_AUTH is '${auth}', which logs in as a user.`);
  }
  return {
    host: required('SESSION_STORE_HOST'),
    port: positiveInteger('SESSION_STORE_PORT'),
    tls: flag('SESSION_STORE_TLS', true),
    auth,
    secretArn: auth === 'iam' ? undefined : required('SESSION_STORE_SECRET_ARN'),
    username,
    cacheName: auth === 'iam' ? required('SESSION_STORE_CACHE_NAME') : undefined,
    serverless: flag('SESSION_STORE_SERVERLESS', false),
    ttlSeconds: env.SESSION_STORE_TTL_SECONDS ? positiveInteger('SESSION_STORE_TTL_SECONDS') : 86_400,
    keyPrefix: env.SESSION_STORE_KEY_PREFIX ?? 'sess:',
    clusterMode: flag('SESSION_STORE_CLUSTER_MODE', false),
  };
}

/**
 * The endpoint and credentials that `grantSessionAccess` configured the application for: host,
 * port, TLS, cluster mode, and the AUTH token (a plain-text secret), an RBAC user's password (a
 * JSON secret) or, with `auth` `iam`, the user and an IAM auth token, given as `secretValue`.
 */
export function sessionStoreEndpoint(environment: SessionStoreEnvironment, secretValue: string): CacheEndpointOptions {
  return {
    host: environment.host,
    port: environment.port,
    tls: environment.tls,
    clusterMode: environment.clusterMode,
    credentials: environment.auth === 'iam'
      ? { username: environment.username, password: secretValue }
      : credentialsFromSecret(secretValue, { username: environment.username }),
  };
}

/** The `SessionStore` of the environment's TTL and key prefix, over the given commands. */
export function sessionStoreFromEnvironment(
  environment: SessionStoreEnvironment, commands: SessionCommands, durable?: DurableWriteOptions,
): SessionStore {
  return new SessionStore({ commands, ttlSeconds: environment.ttlSeconds, keyPrefix: environment.keyPrefix, durable });
}
