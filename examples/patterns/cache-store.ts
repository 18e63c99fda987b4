import type { PatternLogger } from './logger';

// This module loads no client: cache-aside and write-through import it, and a Lambda bundle of
// them must not pull in GLIDE's native core (esbuild cannot bundle its .node file).

/**
 * The few cache operations that cache-aside and write-through need: `valkeyCacheStore` (GLIDE),
 * `iovalkeyCacheStore` (iovalkey) and `memcachedCacheStore` implement it.
 */
export interface CacheStore {
  /** The value, or `null` when the key is absent or expired. */
  get(key: string): Promise<string | null>;
  /** Writes the value with an expiry. Returns `false` when `onlyIfAbsent` is set and the key exists. */
  set(key: string, value: string, options: CacheSetOptions): Promise<boolean>;
  /** Removes the key; absent keys are not an error. */
  delete(key: string): Promise<void>;
}

/**
 * A `CacheStore` over a client that is opened on demand: each operation first waits for
 * `client()`, so that a client that cannot connect makes the operation fail like any other cache
 * error (which cache-aside and write-through count, log and read around).
 */
export function lazyCacheStore<C>(client: () => Promise<C>, storeOf: (client: C) => CacheStore): CacheStore {
  return {
    get: async (key) => storeOf(await client()).get(key),
    set: async (key, value, options) => storeOf(await client()).set(key, value, options),
    delete: async (key) => storeOf(await client()).delete(key),
  };
}

/** Options of `CacheStore.set`. */
export interface CacheSetOptions {
  /** Time to live in milliseconds. */
  readonly ttlMs: number;
  /** Write only when the key does not exist (`SET ... NX`). */
  readonly onlyIfAbsent?: boolean;
}

/** Turns values into cache strings and back. */
export interface ValueCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/** JSON, the default codec. */
export function jsonCodec<T>(): ValueCodec<T> {
  return {
    encode: (value) => JSON.stringify(value),
    decode: (text) => JSON.parse(text) as T,
  };
}

/**
 * How one kind of value is cached. Pass the same options to `CacheAside` and `WriteThrough` so that
 * readers and writers agree on keys, format and expiry.
 */
export interface CachedValueOptions<T> {
  readonly store: CacheStore;
  /**
   * Prepended to every key, e.g. `product:`.
   * @default ''
   */
  readonly keyPrefix?: string;
  /** The base time to live of a cached value. */
  readonly ttlSeconds: number;
  /**
   * Up to this many seconds are added at random to each TTL, so that keys cached together (after a
   * deploy, a flush or a burst) do not all expire together and send their misses to the database
   * at once.
   * @default - 10% of `ttlSeconds`
   */
  readonly jitterSeconds?: number;
  /** @default jsonCodec() */
  readonly codec?: ValueCodec<T>;
  /** @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
}

/** A TTL in milliseconds, uniformly in [ttlSeconds, ttlSeconds + jitterSeconds]. */
export function jitteredTtlMs(ttlSeconds: number, jitterSeconds: number, random: () => number = Math.random): number {
  return Math.round((ttlSeconds + jitterSeconds * random()) * 1000);
}

/** Checks the TTL options and fills in the default jitter. */
export function resolveTtl(options: { ttlSeconds: number; jitterSeconds?: number }): { ttlSeconds: number; jitterSeconds: number } {
  const { ttlSeconds } = options;
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new Error(`ttlSeconds must be a positive number of seconds, got ${ttlSeconds}`);
  }
  const jitterSeconds = options.jitterSeconds ?? ttlSeconds * 0.1;
  if (!(jitterSeconds >= 0) || !Number.isFinite(jitterSeconds)) {
    throw new Error(`jitterSeconds must be zero or a positive number of seconds, got ${jitterSeconds}`);
  }
  return { ttlSeconds, jitterSeconds };
}
