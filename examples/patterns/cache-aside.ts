import { CachedValueOptions, CacheStore, jitteredTtlMs, jsonCodec, resolveTtl, ValueCodec } from './cache-store';
import { describeError, jsonConsoleLogger, PatternLogger } from './logger';
import { SingleFlight } from './single-flight';

/** Reads a value from the source of truth (the database); `null` or `undefined` when there is none. */
export type Loader<T> = () => Promise<T | null | undefined>;

/** Options of `CacheAside`. */
export interface CacheAsideOptions<T> extends CachedValueOptions<T> {
  /**
   * Cache "not found" for this many seconds (negative caching), so that repeated reads of a key
   * that does not exist do not reach the database each time. Keep it short: a row created in the
   * meantime stays invisible to readers until it expires (write-through's `write` replaces it).
   * @default - "not found" is not cached
   */
  readonly negativeTtlSeconds?: number;
}

/** Counters of a `CacheAside`, since it was created. */
export interface CacheAsideStats {
  /** Reads answered from the cache. */
  readonly hits: number;
  /** Reads answered from the cache with a cached "not found". */
  readonly negativeHits: number;
  /** Reads for which the cache had nothing. */
  readonly misses: number;
  /** Calls of the loader (database queries). */
  readonly loads: number;
  /** Reads that joined a concurrent read of the same key instead of doing their own. */
  readonly sharedReads: number;
  /** Cache operations that failed (server down, timeout, bad value) and were absorbed. */
  readonly cacheErrors: number;
}

/**
 * Internal marker of a cached "not found". JSON (the default codec) never produces a string that
 * starts with a NUL character; a custom codec must not either.
 */
const NOT_FOUND = '\u0000not-found';

/**
 * Lazy loading (cache-aside): read the cache; on a miss, read the database and write the result
 * back with a TTL, so that the next reads are hits.
 *
 * - Expiry: each value gets `ttlSeconds` plus a random jitter of up to `jitterSeconds`, so that
 *   values loaded together do not expire together.
 * - Single flight: concurrent reads of one key in this process share one cache lookup and, on a
 *   miss, one database query.
 * - The cache is an optimization, never a dependency: when it fails (down, timing out, holding a
 *   value that no longer decodes), the read goes to the database, the error is logged and
 *   counted, and the read succeeds. Database errors do fail the read.
 * - Write-back uses `SET ... NX`: a value that a writer (write-through) put in the cache while this
 *   read was querying the database is newer than what this read loaded, and is kept.
 *
 * @example
 * const products = new CacheAside<Product>({ store: valkeyCacheStore(client), keyPrefix: 'product:', ttlSeconds: 300 });
 * const product = await products.read(id, () => db.findProduct(id));
 */
export class CacheAside<T> {
  private readonly store: CacheStore;
  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly jitterSeconds: number;
  private readonly negativeTtlSeconds?: number;
  private readonly codec: ValueCodec<T>;
  private readonly logger: PatternLogger;
  private readonly flights = new SingleFlight();
  private readonly counters = { hits: 0, negativeHits: 0, misses: 0, loads: 0, cacheErrors: 0 };

  constructor(options: CacheAsideOptions<T>) {
    ({ ttlSeconds: this.ttlSeconds, jitterSeconds: this.jitterSeconds } = resolveTtl(options));
    if (options.negativeTtlSeconds !== undefined) {
      if (!(options.negativeTtlSeconds > 0) || !Number.isFinite(options.negativeTtlSeconds)) {
        throw new Error(`negativeTtlSeconds must be a positive number of seconds, got ${options.negativeTtlSeconds}`);
      }
      this.negativeTtlSeconds = options.negativeTtlSeconds;
    }
    this.store = options.store;
    this.keyPrefix = options.keyPrefix ?? '';
    this.codec = options.codec ?? jsonCodec<T>();
    this.logger = options.logger ?? jsonConsoleLogger;
  }

  /**
   * The value of `key`: from the cache when it is there, else from `loader`, which is then cached.
   * Returns `null` when the loader finds nothing. Concurrent callers of one key receive the same
   * object: treat it as read-only.
   */
  public read(key: string, loader: Loader<T>): Promise<T | null> {
    const cacheKey = this.keyPrefix + key;
    // The whole read is collapsed, lookup included: callers that arrive while a miss is being
    // loaded join it rather than miss again, so N concurrent misses cost exactly one query.
    return this.flights.run(cacheKey, () => this.readOnce(cacheKey, loader));
  }

  public stats(): CacheAsideStats {
    return { ...this.counters, sharedReads: this.flights.stats().joined };
  }

  private async readOnce(cacheKey: string, loader: Loader<T>): Promise<T | null> {
    let cacheAvailable = true;
    let replaceCorrupt = false;
    let cached: string | null = null;
    try {
      cached = await this.store.get(cacheKey);
    } catch (error) {
      cacheAvailable = false;
      this.cacheError('get', cacheKey, error);
    }

    if (cached === NOT_FOUND) {
      this.counters.negativeHits++;
      return null;
    }
    if (cached !== null) {
      try {
        const value = this.codec.decode(cached);
        this.counters.hits++;
        return value;
      } catch (error) {
        // A value written by an older version of the application, or garbage: reload and replace it.
        this.cacheError('decode', cacheKey, error);
        replaceCorrupt = true;
      }
    } else if (cacheAvailable) {
      this.counters.misses++;
    }

    this.counters.loads++;
    const loaded = (await loader()) ?? null;

    // When the lookup failed the cache is most likely down: skip the write-back rather than pay a
    // second timeout on this request.
    if (cacheAvailable) await this.writeBack(cacheKey, loaded, replaceCorrupt);
    return loaded;
  }

  private async writeBack(cacheKey: string, value: T | null, replaceCorrupt: boolean): Promise<void> {
    let text: string;
    let ttlMs: number;
    if (value === null) {
      if (this.negativeTtlSeconds === undefined) return;
      text = NOT_FOUND;
      ttlMs = this.negativeTtlSeconds * 1000;
    } else {
      text = this.codec.encode(value);
      ttlMs = jitteredTtlMs(this.ttlSeconds, this.jitterSeconds);
    }
    try {
      await this.store.set(cacheKey, text, { ttlMs, onlyIfAbsent: !replaceCorrupt });
    } catch (error) {
      this.cacheError('set', cacheKey, error);
    }
  }

  private cacheError(operation: string, key: string, error: unknown): void {
    this.counters.cacheErrors++;
    this.logger.warn('cache-aside.cache-error', { operation, key, error: describeError(error) });
  }
}
