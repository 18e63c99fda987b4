/**
 * What the example functions behind API Gateway REST APIs (Lambda proxy integration, payload 1.0)
 * read and return, without a dependency on a types package.
 */

/** The part of an API Gateway REST API proxy event (payload 1.0) that the function reads. */
export interface ApiGatewayProxyEvent {
  readonly httpMethod: string;
  /** The request path, e.g. `/products/p-1`. */
  readonly path: string;
  /** The resource that matched, e.g. `/products/{id}`. */
  readonly resource?: string;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** What a proxy integration returns to API Gateway. */
export interface ApiGatewayProxyResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The request body as text: API Gateway base64-encodes binary media types. */
export function bodyText(event: ApiGatewayProxyEvent): string | null | undefined {
  return event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The value of a request header, whatever its case (API Gateway passes headers as sent). */
export function header(event: ApiGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
