import { Pool } from 'pg';
import { CacheConnectionOptions, connectCache, PatternLogger, setValkeyClientLogLevel, ValkeyClient } from '../../examples/patterns';
import { PostgresServer, RedisServer } from '../servers';

// GLIDE's core logs connection failures on stdout; the tests assert on the errors instead.
setValkeyClientLogLevel('off');

/** Connects the pattern code to a test server the way an application connects to ElastiCache: TLS and the AUTH token. */
export function connectTo(server: Pick<RedisServer, 'host' | 'port' | 'caPem' | 'password'>, overrides: Partial<CacheConnectionOptions> = {}): Promise<ValkeyClient> {
  return connectCache({
    host: server.host,
    port: server.port,
    caCertificate: server.caPem,
    credentials: { password: server.password },
    connectTimeoutMs: 1000,
    requestTimeoutMs: 300,
    ...overrides,
  });
}

/** A logger that keeps what it was told. */
export class RecordingLogger implements PatternLogger {
  public readonly events: Array<{ event: string; fields: Record<string, unknown> }> = [];

  public warn(event: string, fields: Record<string, unknown>): void {
    this.events.push({ event, fields });
  }

  public named(event: string): Array<Record<string, unknown>> {
    return this.events.filter((entry) => entry.event === event).map((entry) => entry.fields);
  }
}

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly priceCents: number;
  /** Incremented by the database on every update. */
  readonly version?: number;
}

/**
 * The products table, and a counter that every product query increments in the same statement,
 * so that the tests count the queries the database actually ran.
 */
export const PRODUCT_SCHEMA = `
  CREATE TABLE products (
    id text PRIMARY KEY,
    name text NOT NULL,
    price_cents integer NOT NULL,
    version integer NOT NULL DEFAULT 1
  );
  CREATE TABLE product_queries (n bigint NOT NULL);
  INSERT INTO product_queries VALUES (0);
`;

/** The application's data access, against the test PostgreSQL. */
export class ProductDatabase {
  private readonly pool: Pool;

  constructor(server: PostgresServer) {
    this.pool = new Pool({ ...server.clientConfig, max: 10 });
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

  /** Inserts or updates; the database bumps the version and returns the stored row. */
  public async upsert(product: Product): Promise<Product> {
    const result = await this.pool.query(
      `INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents, version = products.version + 1
       RETURNING id, name, price_cents, version`,
      [product.id, product.name, product.priceCents],
    );
    return toProduct(result.rows[0]);
  }

  /** Returns whether a row was deleted. */
  public async delete(id: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM products WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
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
    await this.pool.end();
  }
}

function toProduct(row: Record<string, unknown>): Product {
  return { id: String(row.id), name: String(row.name), priceCents: Number(row.price_cents), version: Number(row.version) };
}

/** A server's clock in milliseconds (TIME: seconds and microseconds). */
export async function serverMillis(server: Pick<RedisServer, 'command'>): Promise<number> {
  const [seconds, micros] = await server.command('TIME') as string[];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * When `key` expires, in the server's milliseconds (PEXPIRETIME): an absolute time, compared with
 * `serverMillis` read before and after the write, so how long a test takes does not matter.
 */
export async function expiresAt(server: Pick<RedisServer, 'command'>, key: string): Promise<number> {
  return Number(await server.command('PEXPIRETIME', key));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops whatever was started, even when some of it failed to start. */
export async function stopAll(...things: Array<{ stop(): Promise<void> } | { close(): void } | undefined>): Promise<void> {
  for (const thing of things) {
    if (!thing) continue;
    if ('stop' in thing) await thing.stop();
    else thing.close();
  }
}
