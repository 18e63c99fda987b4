import type { QueryResult, QueryResultRow } from 'pg';

/** A product as the API returns it and the cache holds it. */
export interface Product {
  readonly id: string;
  readonly name: string;
  readonly priceCents: number;
  /** Assigned by the database: 1 when created, incremented by every update. Absent in what a client sends. */
  readonly version?: number;
}

/** What runs the statements: `Database`, or any `pg` pool or client. */
export interface Queryable {
  query<R extends QueryResultRow>(sql: string, values?: unknown[]): Promise<QueryResult<R>>;
}

/** A request that the API refuses, with a message for the client (answered with 400). */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME_LENGTH = 200;
// The largest value of PostgreSQL's `integer`, the column's type.
const MAX_PRICE_CENTS = 2_147_483_647;
const BODY_FIELDS = new Set(['id', 'name', 'priceCents']);

/**
 * Checks a product id from the path: 1 to 64 letters, digits, `-` or `_`. Anything else (an
 * encoded character, a slash) is refused before it reaches a cache key or a query.
 */
export function parseProductId(id: string | undefined): string {
  if (id === undefined || !ID.test(id)) {
    throw new InvalidRequestError("The product id must be 1 to 64 letters, digits, '-' or '_'.");
  }
  return id;
}

/**
 * Checks the JSON body of `PUT /products/{id}`: `{"name": string, "priceCents": integer}`, and
 * optionally `"id"`, which must then be the id of the path. Unknown fields are refused rather
 * than dropped, so that a misspelt field is not silently lost.
 */
export function parseProductBody(id: string, body: string | null | undefined): Product {
  if (body === null || body === undefined || body.trim() === '') {
    throw new InvalidRequestError('A JSON body {"name": string, "priceCents": integer} is required.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidRequestError('The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError('The body must be a JSON object {"name": string, "priceCents": integer}.');
  }
  const fields = parsed as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((field) => !BODY_FIELDS.has(field));
  if (unknown.length > 0) {
    throw new InvalidRequestError(`Unknown field(s): ${unknown.join(', ')}. A product has "name" and "priceCents".`);
  }
  if (fields.id !== undefined && fields.id !== id) {
    throw new InvalidRequestError('The body\'s "id" differs from the id in the path.');
  }
  const { name, priceCents } = fields;
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InvalidRequestError(`"name" must be a non-blank string of at most ${MAX_NAME_LENGTH} characters.`);
  }
  if (typeof priceCents !== 'number' || !Number.isInteger(priceCents) || priceCents < 0 || priceCents > MAX_PRICE_CENTS) {
    throw new InvalidRequestError(`"priceCents" must be a whole number from 0 to ${MAX_PRICE_CENTS}.`);
  }
  return { id, name, priceCents };
}

/** The `products` table, created at the first use if it does not exist. */
export const PRODUCTS_TABLE = `
  CREATE TABLE IF NOT EXISTS products (
    id text PRIMARY KEY,
    name text NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents >= 0),
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`;

/**
 * The products in PostgreSQL. The table is created at the first statement of each execution
 * environment; until that succeeds, every call tries again.
 */
export class ProductRepository {
  private schema?: Promise<void>;

  constructor(private readonly db: Queryable) {}

  /** The product, or `null`. */
  public async find(id: string): Promise<Product | null> {
    await this.ready();
    const result = await this.db.query<ProductRow>('SELECT id, name, price_cents, version FROM products WHERE id = $1', [id]);
    return result.rows.length > 0 ? toProduct(result.rows[0]) : null;
  }

  /** Creates or replaces the product; returns the row as stored, with its new version. */
  public async upsert(product: Product): Promise<Product> {
    await this.ready();
    const result = await this.db.query<ProductRow>(
      `INSERT INTO products (id, name, price_cents) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE
         SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents, version = products.version + 1, updated_at = now()
       RETURNING id, name, price_cents, version`,
      [product.id, product.name, product.priceCents],
    );
    return toProduct(result.rows[0]);
  }

  /** Returns whether there was a product to delete. */
  public async delete(id: string): Promise<boolean> {
    await this.ready();
    const result = await this.db.query('DELETE FROM products WHERE id = $1', [id]);
    return (result.rowCount ?? 0) > 0;
  }

  private ready(): Promise<void> {
    if (!this.schema) {
      const creating = this.createTable();
      this.schema = creating;
      creating.catch(() => {
        if (this.schema === creating) this.schema = undefined;
      });
    }
    return this.schema;
  }

  private async createTable(): Promise<void> {
    try {
      await this.db.query(PRODUCTS_TABLE);
    } catch (error) {
      // Two sessions that create the table at once can both pass the IF NOT EXISTS check; the
      // loser fails on the catalog's unique index (23505) or with duplicate_table (42P07), and
      // the table exists either way.
      const code = (error as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
  }
}

interface ProductRow extends QueryResultRow {
  readonly id: string;
  readonly name: string;
  readonly price_cents: number;
  readonly version: number;
}

function toProduct(row: ProductRow): Product {
  return { id: row.id, name: row.name, priceCents: Number(row.price_cents), version: Number(row.version) };
}
