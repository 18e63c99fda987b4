import type { CacheStore } from '../patterns/cache-store';
import { CacheConnectionError, CacheCredentials, credentialsFromSecret } from '../patterns/connection-common';
import { IovalkeyClient, iovalkeyCacheStore } from '../patterns/iovalkey';
import { describeError, PatternLogger } from '../patterns/logger';
import { SecretCache } from '../shared/secrets';

/** Options of `CacheConnection`. */
export interface CacheConnectionSettings {
  readonly secrets: SecretCache;
  /** The secret that holds the AUTH token (plain text) or an RBAC user's `{"username", "password"}`. */
  readonly secretId: string;
  /** Opens a connection with these credentials, e.g. `connectIovalkey` with the endpoint. */
  readonly connect: (credentials: CacheCredentials) => Promise<IovalkeyClient>;
  /**
   * After a failed connection attempt, cache operations fail at once for this long instead of
   * each trying to connect again, so that a cache that is down costs one attempt per interval,
   * not one per request.
   */
  readonly retryIntervalMs: number;
  readonly logger: PatternLogger;
}

/**
 * The cache connection of one execution environment, opened at the first cache operation.
 *
 * It never fails a request by itself: the patterns absorb its errors (a read goes to the
 * database, a write is committed there). When the cache rejects the credentials (the token was
 * rotated, and the previous one was dropped at the next rotation), the secret is read again once
 * and the connection retried with the new value; a client that gave up because its credentials
 * were rejected while reconnecting is replaced the same way.
 */
export class CacheConnection {
  /** The cache operations that cache-aside and write-through use, over this connection. */
  public readonly store: CacheStore;
  private client?: IovalkeyClient;
  private connecting?: Promise<IovalkeyClient>;
  private retryAfter = 0;
  private lastFailure?: string;

  constructor(private readonly settings: CacheConnectionSettings) {
    this.store = {
      get: async (key) => iovalkeyCacheStore(await this.connected()).get(key),
      set: async (key, value, options) => iovalkeyCacheStore(await this.connected()).set(key, value, options),
      delete: async (key) => iovalkeyCacheStore(await this.connected()).delete(key),
    };
  }

  /** Closes the connection, including one being opened. */
  public async close(): Promise<void> {
    const connecting = this.connecting;
    const client = this.client;
    this.client = undefined;
    client?.disconnect();
    const opened = await connecting?.catch(() => undefined);
    if (opened && opened !== client) opened.disconnect();
    this.client = undefined;
  }

  private connected(): Promise<IovalkeyClient> {
    if (this.client && this.client.status !== 'end') return Promise.resolve(this.client);
    if (this.client) {
      this.settings.logger.warn('db-cache.cache-connection-ended', { action: 'connecting again' });
      this.client = undefined;
    }
    if (this.connecting) return this.connecting;
    if (Date.now() < this.retryAfter) {
      return Promise.reject(new Error(`The cache is unavailable; the connection is tried again after ${this.settings.retryIntervalMs} ms ` +
        `from the last failure (${this.lastFailure}).`));
    }
    const connecting = this.connect().then(
      (client) => {
        this.client = client;
        return client;
      },
      (error: unknown) => {
        this.retryAfter = Date.now() + this.settings.retryIntervalMs;
        this.lastFailure = error instanceof CacheConnectionError ? error.reason : 'error';
        this.settings.logger.warn('db-cache.cache-unavailable', { error: describeError(error), retryInMs: this.settings.retryIntervalMs });
        throw error;
      },
    ).finally(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    this.connecting = connecting;
    return connecting;
  }

  private async connect(): Promise<IovalkeyClient> {
    const { secrets, secretId } = this.settings;
    const secret = await secrets.get(secretId);
    try {
      return await this.settings.connect(credentialsFromSecret(secret));
    } catch (error) {
      if (!(error instanceof CacheConnectionError) || error.reason !== 'authentication') throw error;
      this.settings.logger.warn('db-cache.cache-credentials-rejected', { secretId, action: 'reading the secret again' });
      const renewed = await secrets.refresh(secretId);
      if (renewed === secret) throw error;
      return this.settings.connect(credentialsFromSecret(renewed));
    }
  }
}
