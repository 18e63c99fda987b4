import { CachedValueOptions, CacheStore, jitteredTtlMs, jsonCodec, resolveTtl, ValueCodec } from './cache-store';
import { describeError, jsonConsoleLogger, PatternLogger } from './logger';

/** Writes a value to the source of truth. Returns the row as stored (e.g. `RETURNING *`), or nothing. */
export type Persist<T> = (value: T) => Promise<T | void>;

/** Options of `WriteThrough`: the same as the `CacheAside` that reads these values. */
export type WriteThroughOptions<T> = CachedValueOptions<T>;

/** Counters of a `WriteThrough`, since it was created. */
export interface WriteThroughStats {
  /** Writes that reached the database (whatever happened in the cache). */
  readonly writes: number;
  /** Removals that reached the database. */
  readonly removes: number;
  /** Cache operations that failed and were absorbed. */
  readonly cacheErrors: number;
  /**
   * Writes and removals after which the cache could be neither updated nor invalidated: the
   * previous value may be served until its TTL runs out. Alarm on this one.
   */
  readonly invalidationFailures: number;
}

/**
 * Write-through: every write goes to the database first, then to the cache, so that the cache
 * holds the new value as soon as the write returns and readers never see the old one after it.
 * Removals delete in the database, then invalidate the cache key.
 *
 * Order and failures:
 * - Database first: if the database write fails, the error propagates and the cache is untouched,
 *   so the cache never holds a value that was not committed.
 * - Cache second, best effort: once the database has committed, the write has happened, and
 *   failing it because of the cache would make the caller retry a write that succeeded (and the
 *   database cannot be rolled back cleanly at this point). So a cache failure is logged and
 *   counted, and the key is deleted as a fallback: a missing key only costs one database read,
 *   while a surviving old value would be served as if it were current.
 * - If the delete fails too (the cache is unreachable), the old value can be served until its
 *   TTL expires: the TTL is the bound on staleness, so keep it as short as the data allows, and
 *   alarm on `invalidationFailures`.
 * - Concurrent writers of one key can reach the database and the cache in different orders, so
 *   the cache may keep the older of two racing writes until the TTL. Where one key is written
 *   concurrently, version the values or invalidate instead of writing (use `remove`-style deletes
 *   and let the next read load the row).
 *
 * @example
 * const writer = new WriteThrough<Product>(productCacheOptions);
 * await writer.write(product.id, product, (p) => db.upsertProduct(p));
 * await writer.remove(product.id, () => db.deleteProduct(product.id));
 */
export class WriteThrough<T> {
  private readonly store: CacheStore;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly jitterSeconds: number;
  private readonly codec: ValueCodec<T>;
  private readonly logger: PatternLogger;
  private readonly counters = { writes: 0, removes: 0, cacheErrors: 0, invalidationFailures: 0 };

  constructor(options: WriteThroughOptions<T>) {
    ({ ttlSeconds: this.ttlSeconds, jitterSeconds: this.jitterSeconds } = resolveTtl(options));
    this.store = options.store;
    this.keyPrefix = options.keyPrefix ?? '';
    this.codec = options.codec ?? jsonCodec<T>();
    this.logger = options.logger ?? jsonConsoleLogger;
  }

  /**
   * Persists `value` with `persist`, then caches what was stored: the row `persist` returns, or
   * `value` when it returns nothing. Returns the cached value. Fails only when `persist` fails.
   */
  public async write(key: string, value: T, persist: Persist<T>): Promise<T> {
    const stored = (await persist(value)) ?? value;
    this.counters.writes++;
    const cacheKey = this.keyPrefix + key;
    try {
      await this.store.set(cacheKey, this.codec.encode(stored), { ttlMs: jitteredTtlMs(this.ttlSeconds, this.jitterSeconds) });
    } catch (error) {
      this.cacheError('set', cacheKey, error);
      await this.invalidate(cacheKey);
    }
    return stored;
  }

  /**
   * Deletes with `del` (in the database), then removes the key from the cache. Returns what `del`
   * returns. Fails only when `del` fails; the cache is then untouched.
   */
  public async remove<R>(key: string, del: () => Promise<R>): Promise<R> {
    const result = await del();
    this.counters.removes++;
    await this.invalidate(this.keyPrefix + key);
    return result;
  }

  public stats(): WriteThroughStats {
    return { ...this.counters };
  }

  private async invalidate(cacheKey: string): Promise<void> {
    try {
      await this.store.delete(cacheKey);
    } catch (error) {
      this.cacheError('delete', cacheKey, error);
      this.counters.invalidationFailures++;
      this.logger.warn('write-through.stale-until-ttl', { key: cacheKey, maxStaleSeconds: this.ttlSeconds + this.jitterSeconds });
    }
  }

  private cacheError(operation: string, key: string, error: unknown): void {
    this.counters.cacheErrors++;
    this.logger.warn('write-through.cache-error', { operation, key, error: describeError(error) });
  }
}
