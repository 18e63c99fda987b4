import { CacheStore, lazyCacheStore } from '../patterns/cache-store';
import { CacheConnectionError, CacheCredentials, credentialsFromSecret } from '../patterns/connection-common';
import { IovalkeyClient, iovalkeyCacheStore } from '../patterns/iovalkey';
import { LazyConnection } from '../patterns/lazy-connection';
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
  private readonly connection: LazyConnection<IovalkeyClient>;

  constructor(private readonly settings: CacheConnectionSettings) {
    this.connection = new LazyConnection({
      connect: () => this.connect(),
      usable: (client) => {
        if (client.status !== 'end') return true;
        this.settings.logger.warn('db-cache.cache-connection-ended', { action: 'connecting again' });
        return false;
      },
      close: (client) => client.disconnect(),
      retryIntervalMs: settings.retryIntervalMs,
      onFailure: (error) => this.settings.logger.warn('db-cache.cache-unavailable', { error: describeError(error), retryInMs: settings.retryIntervalMs }),
    });
    this.store = lazyCacheStore(() => this.connection.get(), iovalkeyCacheStore);
  }

  /** Closes the connection, including one being opened. */
  public close(): Promise<void> {
    return this.connection.close();
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
