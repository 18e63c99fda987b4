/**
 * Benchmark of the caching pattern modules (examples/patterns) against real local servers:
 * redis-server with TLS and an AUTH token, and PostgreSQL, both started on 127.0.0.1 by the test
 * harness (test/servers) and stopped at the end.
 *
 *   npx tsx bench/patterns.ts
 *
 * It prints figures; it asserts nothing about timing. See bench/README.md for what they mean.
 * Parameters can be changed with environment variables (BENCH_LATENCY_ITERATIONS, ...): see PARAMETERS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { CacheAside, jsonConsoleLogger, PatternLogger, valkeyCacheStore, ValkeyClient } from '../examples/patterns';
// The tests' products table (with a counter that every product query increments) and their
// connection settings; importing it also turns GLIDE's core log off.
import { connectTo, Product, PRODUCT_SCHEMA } from '../test/patterns/support';
import { PostgresServer, RedisServer } from '../test/servers';

/** Set by Ctrl-C (SIGINT) or SIGTERM, while the servers are being stopped. */
let interrupted = false;

/** Absorbed cache errors are printed (there should be none), except while interrupted. */
const benchLogger: PatternLogger = {
  warn: (event, fields) => {
    if (!interrupted) jsonConsoleLogger.warn(event, fields);
  },
};

/**
 * The products table as the tests read it (the same statements as test/patterns/support.ts's
 * ProductDatabase), so that the database counts the queries it actually ran. Its own pool, so that
 * a server stopped under it (Ctrl-C reaches PostgreSQL too) is an expected error, not a crash.
 */
class BenchDatabase {
  private readonly pool: Pool;
  private closing = false;

  constructor(server: PostgresServer) {
    this.pool = new Pool({ ...server.clientConfig, max: 10 });
    this.pool.on('error', (error) => {
      // 57P01: the server is shutting down (after Ctrl-C, which reaches it too).
      if (!this.closing && (error as { code?: string }).code !== '57P01') process.stderr.write(`postgres connection error: ${error.message}\n`);
    });
  }

  /** One query: counts itself and reads the product. */
  public async find(id: string): Promise<Product | null> {
    const result = await this.pool.query(
      `WITH counted AS (UPDATE product_queries SET n = n + 1)
       SELECT id, name, price_cents, version FROM products WHERE id = $1`,
      [id],
    );
    return result.rows.length > 0 ? toProduct(result.rows[0]) : null;
  }

  /** The product queries the database has run so far. */
  public async queryCount(): Promise<number> {
    const result = await this.pool.query('SELECT n FROM product_queries');
    return Number(result.rows[0].n);
  }

  /** The row as stored, without counting a query. */
  public async row(id: string): Promise<Product | null> {
    const result = await this.pool.query('SELECT id, name, price_cents, version FROM products WHERE id = $1', [id]);
    return result.rows.length > 0 ? toProduct(result.rows[0]) : null;
  }

  public async close(): Promise<void> {
    this.closing = true;
    await this.pool.end();
  }
}

function toProduct(row: Record<string, unknown>): Product {
  return { id: String(row.id), name: String(row.name), priceCents: Number(row.price_cents), version: Number(row.version) };
}

function intParameter(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function numberParameter(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** Every loop below is bounded by these. */
const PARAMETERS = {
  /** Measured iterations of each of the two reads (raw GET, cache-aside hit). */
  latencyIterations: intParameter('BENCH_LATENCY_ITERATIONS', 20_000, 100, 200_000),
  /** Unmeasured iterations before them (JIT, connection, server caches). */
  latencyWarmup: intParameter('BENCH_LATENCY_WARMUP', 2_000, 0, 50_000),
  zipfReads: intParameter('BENCH_ZIPF_READS', 10_000, 100, 100_000),
  zipfKeys: intParameter('BENCH_ZIPF_KEYS', 1_000, 2, 100_000),
  zipfExponent: numberParameter('BENCH_ZIPF_S', 1.1, 0, 5),
  seed: intParameter('BENCH_SEED', 20_240_601, 0, 2_147_483_645),
  concurrentMisses: intParameter('BENCH_CONCURRENT_MISSES', 100, 2, 1_000),
  /** Rounds of the single-flight test, each on a fresh key. */
  singleFlightRounds: intParameter('BENCH_SINGLE_FLIGHT_ROUNDS', 20, 1, 1_000),
  ttlSeconds: 3600,
};

const MINSTD_MODULUS = 2_147_483_647;

/**
 * A seeded PRNG (Park and Miller's MINSTD, with multiplier 48271), so that every run draws the same
 * workload. Plain arithmetic: the products stay below 2^53, so doubles compute them exactly.
 */
function seededRandom(seed: number): () => number {
  let state = (seed % (MINSTD_MODULUS - 1)) + 1;
  return () => {
    state = (state * 48_271) % MINSTD_MODULUS;
    return (state - 1) / (MINSTD_MODULUS - 1);
  };
}

/** Draws ranks 1..keys with P(k) proportional to 1 / k^s (by inverse CDF). */
function zipfSampler(keys: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(keys);
  let total = 0;
  for (let k = 1; k <= keys; k++) {
    total += 1 / Math.pow(k, s);
    cdf[k - 1] = total;
  }
  for (let i = 0; i < keys; i++) cdf[i] /= total;
  return () => {
    const u = random();
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (cdf[middle] < u) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function summarize(samplesNs: Float64Array): { medianUs: number; p99Us: number } {
  const sorted = Float64Array.from(samplesNs).sort();
  return { medianUs: percentile(sorted, 50) / 1000, p99Us: percentile(sorted, 99) / 1000 };
}

function table(title: string, rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([name]) => name.length), 'figure'.length);
  const valueWidth = Math.max(...rows.map(([, value]) => value.length), 'value'.length);
  const line = (a: string, b: string): string => `| ${a.padEnd(width)} | ${b.padEnd(valueWidth)} |`;
  return [
    `### ${title}`,
    '',
    line('figure', 'value'),
    `|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 2)}|`,
    ...rows.map(([name, value]) => line(name, value)),
    '',
  ].join('\n');
}

const us = (value: number): string => `${value.toFixed(1)} µs`;
const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;
const count = (value: number): string => value.toLocaleString('en-US');

function glideVersion(): string {
  try {
    let directory = path.dirname(require.resolve('@valkey/valkey-glide'));
    for (let depth = 0; depth < 5; depth++) {
      const file = path.join(directory, 'package.json');
      if (fs.existsSync(file)) {
        const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (manifest.name === '@valkey/valkey-glide') return manifest.version ?? 'unknown';
      }
      directory = path.dirname(directory);
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

async function machineFacts(redis: RedisServer, postgres: PostgresServer): Promise<Array<[string, string]>> {
  const cpus = os.cpus();
  const redisInfo = await redis.info('server');
  const [pgVersion] = await postgres.query<{ server_version: string }>('SHOW server_version');
  return [
    ['node', process.version],
    ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['cpu model', cpus[0]?.model.trim() ?? 'unknown'],
    ['cores (os.cpus)', String(cpus.length)],
    ['available parallelism', String(os.availableParallelism())],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['redis-server', `${redisInfo.redis_version ?? 'unknown'} (TLS, requirepass, 127.0.0.1)`],
    ['postgresql', `${pgVersion?.server_version ?? 'unknown'} (fsync off, 127.0.0.1)`],
    ['@valkey/valkey-glide', glideVersion()],
  ];
}

/** 1. A hit through CacheAside.read against a raw GET of the same key through the same client. */
async function hitLatency(client: ValkeyClient, db: BenchDatabase): Promise<Array<[string, string]>> {
  const reads = new CacheAside<Product>({ store: valkeyCacheStore(client), keyPrefix: 'bench:latency:', ttlSeconds: PARAMETERS.ttlSeconds, logger: benchLogger });
  const id = 'p1';
  const cacheKey = `bench:latency:${id}`;
  let loads = 0;
  const loader = (): Promise<Product | null> => {
    loads++;
    return db.find(id);
  };
  // The first read misses and caches the product; every later one is a hit.
  await reads.read(id, loader);
  if ((await client.get(cacheKey)) === null) throw new Error('the product was not cached after the first read');

  const { latencyWarmup: warmup, latencyIterations: iterations } = PARAMETERS;
  const raw = new Float64Array(iterations);
  const aside = new Float64Array(iterations);
  // Interleaved, alternating which goes first, so that drift (GC, frequency, other load) hits both alike.
  for (let i = 0; i < warmup + iterations; i++) {
    const rawFirst = i % 2 === 0;
    let rawNs = 0n;
    let asideNs = 0n;
    for (let step = 0; step < 2; step++) {
      const start = process.hrtime.bigint();
      if ((step === 0) === rawFirst) {
        await client.get(cacheKey);
        rawNs = process.hrtime.bigint() - start;
      } else {
        await reads.read(id, loader);
        asideNs = process.hrtime.bigint() - start;
      }
    }
    if (i >= warmup) {
      raw[i - warmup] = Number(rawNs);
      aside[i - warmup] = Number(asideNs);
    }
  }
  const stats = reads.stats();
  if (loads !== 1 || stats.cacheErrors !== 0) {
    throw new Error(`the latency loop was meant to be all hits, but it loaded ${loads} times with ${stats.cacheErrors} cache errors`);
  }
  const rawSummary = summarize(raw);
  const asideSummary = summarize(aside);
  return [
    ['iterations (after warm-up)', `${count(iterations)} each (warm-up ${count(warmup)}), sequential, interleaved`],
    ['value', `${Buffer.byteLength(JSON.stringify(await db.row(id)))} B JSON`],
    ['raw GET median', us(rawSummary.medianUs)],
    ['raw GET p99', us(rawSummary.p99Us)],
    ['CacheAside.read hit median', us(asideSummary.medianUs)],
    ['CacheAside.read hit p99', us(asideSummary.p99Us)],
    ['ratio median (read / GET)', `${(asideSummary.medianUs / rawSummary.medianUs).toFixed(2)}x`],
    ['ratio p99 (read / GET)', `${(asideSummary.p99Us / rawSummary.p99Us).toFixed(2)}x`],
  ];
}

/** 2. Database queries on a Zipf read workload, with the cache and without it. */
async function zipfWorkload(client: ValkeyClient, redis: RedisServer, db: BenchDatabase): Promise<Array<[string, string]>> {
  const { zipfReads, zipfKeys, zipfExponent, seed } = PARAMETERS;
  const next = zipfSampler(zipfKeys, zipfExponent, seededRandom(seed));
  const ids = Array.from({ length: zipfReads }, () => `p${next()}`);
  const distinct = new Set(ids).size;
  const hottestShare = ids.filter((id) => id === 'p1').length / zipfReads;

  // Without the cache: every read is a query.
  const beforeDirect = await db.queryCount();
  let start = process.hrtime.bigint();
  for (const id of ids) await db.find(id);
  const directMs = Number(process.hrtime.bigint() - start) / 1e6;
  const directQueries = (await db.queryCount()) - beforeDirect;

  // With the cache, starting empty (a cold cache), TTL longer than the run.
  await redis.command('FLUSHALL');
  const reads = new CacheAside<Product>({ store: valkeyCacheStore(client), keyPrefix: 'bench:zipf:', ttlSeconds: PARAMETERS.ttlSeconds, logger: benchLogger });
  const beforeCached = await db.queryCount();
  start = process.hrtime.bigint();
  for (const id of ids) await reads.read(id, () => db.find(id));
  const cachedMs = Number(process.hrtime.bigint() - start) / 1e6;
  const cachedQueries = (await db.queryCount()) - beforeCached;
  const stats = reads.stats();

  return [
    ['workload', `${count(zipfReads)} reads over ${count(zipfKeys)} keys, Zipf s=${zipfExponent}, seed ${seed}, sequential`],
    ['distinct keys read', count(distinct)],
    ['share of reads on the hottest key', pct(hottestShare)],
    ['queries without the cache', count(directQueries)],
    ['queries with the cache (cold start)', count(cachedQueries)],
    ['queries saved', `${count(directQueries - cachedQueries)} (${pct(1 - cachedQueries / directQueries)})`],
    ['hit ratio', `${pct(stats.hits / zipfReads)} (${count(stats.hits)} hits, ${count(stats.misses)} misses, ${stats.cacheErrors} cache errors)`],
    ['wall time without / with the cache', `${directMs.toFixed(0)} ms / ${cachedMs.toFixed(0)} ms`],
  ];
}

/** 3. Concurrent misses on one key: how many database queries they cost. */
async function singleFlight(client: ValkeyClient, db: BenchDatabase): Promise<Array<[string, string]>> {
  const { concurrentMisses, singleFlightRounds } = PARAMETERS;
  const perRound: number[] = [];
  let loaderCalls = 0;
  let wrongValues = 0;
  let shared = 0;
  for (let round = 0; round < singleFlightRounds; round++) {
    // A fresh CacheAside and a fresh key each round: the cache holds nothing for it.
    const reads = new CacheAside<Product>({ store: valkeyCacheStore(client), keyPrefix: `bench:flight:${round}:`, ttlSeconds: PARAMETERS.ttlSeconds, logger: benchLogger });
    const id = `p${(round % PARAMETERS.zipfKeys) + 1}`;
    const before = await db.queryCount();
    const results = await Promise.all(Array.from({ length: concurrentMisses }, () => reads.read(id, () => {
      loaderCalls++;
      return db.find(id);
    })));
    perRound.push((await db.queryCount()) - before);
    wrongValues += results.filter((product) => product?.id !== id).length;
    shared += reads.stats().sharedReads;
  }
  // The same reads as the textbook cache-aside, without collapsing: each read looks the key up,
  // and on a miss queries the database and writes the value back itself.
  const store = valkeyCacheStore(client);
  const naivePerRound: number[] = [];
  for (let round = 0; round < singleFlightRounds; round++) {
    const id = `p${(round % PARAMETERS.zipfKeys) + 1}`;
    const key = `bench:naive:${round}:${id}`;
    const before = await db.queryCount();
    const results = await Promise.all(Array.from({ length: concurrentMisses }, async () => {
      const cached = await store.get(key);
      if (cached !== null) return JSON.parse(cached) as Product;
      const product = await db.find(id);
      await store.set(key, JSON.stringify(product), { ttlMs: PARAMETERS.ttlSeconds * 1000, onlyIfAbsent: true });
      return product;
    }));
    naivePerRound.push((await db.queryCount()) - before);
    wrongValues += results.filter((product) => product?.id !== id).length;
  }
  const range = (values: number[]): string => {
    const min = Math.min(...values);
    const max = Math.max(...values);
    return min === max ? String(min) : `${min} to ${max}`;
  };
  const total = perRound.reduce((sum, n) => sum + n, 0);
  const naiveTotal = naivePerRound.reduce((sum, n) => sum + n, 0);
  return [
    ['scenario', `${concurrentMisses} concurrent reads of one uncached key, ${singleFlightRounds} rounds (fresh key each)`],
    ['database queries per round, with single flight', range(perRound)],
    ['database queries per round, without (get, miss, query, set per read)', range(naivePerRound)],
    ['database queries in all rounds, with / without', `${count(total)} / ${count(naiveTotal)} for ${count(concurrentMisses * singleFlightRounds)} reads each (loader calls with: ${count(loaderCalls)})`],
    ['reads that joined another (sharedReads)', count(shared)],
    ['reads with a wrong value (both)', String(wrongValues)],
  ];
}

async function main(): Promise<void> {
  const started = Date.now();
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;
  let client: ValkeyClient | undefined;
  let db: BenchDatabase | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      client?.close();
      await db?.close().catch(() => undefined);
      await redis?.stop();
      await postgres?.stop();
    })();
    return stopping;
  };
  // Ctrl-C or a kill: stop the servers before leaving (the harness also kills them at exit and
  // through the parent-death signal).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n${signal}: stopping the servers\n`);
      void stop().finally(() => process.exit(130));
    });
  }

  try {
    process.stderr.write('starting redis-server (TLS, AUTH) and PostgreSQL on 127.0.0.1...\n');
    [redis, postgres] = await Promise.all([RedisServer.start({ name: 'bench redis' }), PostgresServer.start({ schema: PRODUCT_SCHEMA })]);
    await postgres.query(
      `INSERT INTO products (id, name, price_cents)
       SELECT 'p' || g, 'Product ' || g, 100 + g FROM generate_series(1, ${PARAMETERS.zipfKeys}) AS g`,
    );
    client = await connectTo(redis, { requestTimeoutMs: 2000 });
    db = new BenchDatabase(postgres);
    // Open the pool's connections before measuring.
    await Promise.all(Array.from({ length: 10 }, () => db!.row('p1')));

    const output: string[] = ['# Caching patterns benchmark', ''];
    output.push(table('Machine', await machineFacts(redis, postgres)));
    process.stderr.write('1/3 hit latency...\n');
    output.push(table('1. Cache hit: CacheAside.read vs raw GET (same GLIDE client)', await hitLatency(client, db)));
    process.stderr.write('2/3 Zipf workload...\n');
    output.push(table('2. Database queries on a Zipf read workload', await zipfWorkload(client, redis, db)));
    process.stderr.write('3/3 single flight...\n');
    output.push(table('3. Single flight: concurrent misses on one key', await singleFlight(client, db)));
    output.push(`Total time ${((Date.now() - started) / 1000).toFixed(1)} s. Figures vary between runs and machines; nothing here is asserted.`);
    process.stdout.write(`${output.join('\n')}\n`);
  } finally {
    await stop();
  }
}

main().catch((error: unknown) => {
  if (interrupted) return; // the signal handler stops the servers and exits
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
