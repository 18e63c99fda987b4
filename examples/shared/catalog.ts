/**
 * The catalog that the read-path examples serve: its products, the invocation event, and a
 * stand-in for the database, since those examples are about the cache client. A real service
 * passes its own query as `findProduct`.
 */

/** A product as the catalog serves it. */
export interface Product {
  readonly id: string;
  readonly name: string;
  readonly priceCents: number;
}

/** The invocation event. */
export interface ProductRequest {
  readonly productId?: unknown;
}

/** The product id of an event: 1 to 64 letters, digits, `-` or `_`; anything else is refused. */
export function productIdOf(event: ProductRequest): string {
  const id = event?.productId;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new Error('The event must be {"productId": "<1 to 64 letters, digits, - or _>"}.');
  }
  return id;
}

/**
 * Stands in for the catalog's database: products `p-1` to `p-1000` exist, others do not. It is
 * deterministic, so that a cached value can be compared with what the database would return.
 */
export async function findStandInProduct(id: string): Promise<Product | null> {
  const match = /^p-(\d{1,4})$/.exec(id);
  const n = match ? Number(match[1]) : 0;
  if (n < 1 || n > 1000) return null;
  return { id, name: `Product ${n}`, priceCents: 100 * n };
}
