/**
 * The web tier of the session-store example, behind an API Gateway REST API: many instances
 * (Lambda execution environments), none of which keeps a login in memory. Every instance reads
 * the sessions that any other wrote, from the `SessionStoreCache` that `grantSessionAccess`
 * configured it for (`SESSION_STORE_*` variables).
 *
 * - `POST /login` with `{"userId"}`: writes a session with the TTL and sets the `sid` cookie.
 * - `GET /me`: reads the session and slides its expiry (401 without a live session).
 * - `POST /logout`: deletes the session and clears the cookie.
 *
 * Responses name the instance (`x-instance`) so that a caller sees different instances serve one
 * login. Unlike a cache, the session store is the source of truth for logins: when it is down the
 * answer is 503, never "logged out".
 *
 * The client is iovalkey, plain JavaScript that esbuild bundles for any platform.
 */
import { randomUUID } from 'node:crypto';
import { CacheConnectionError } from '../patterns/connection-common';
import type { IovalkeyConnectionOptions } from '../patterns/iovalkey';
import { OpenedIovalkeySessionStore, openIovalkeySessionStore } from '../patterns/iovalkey-sessions';
import { LazyConnection } from '../patterns/lazy-connection';
import { describeError, jsonConsoleLogger, PatternLogger } from '../patterns/logger';
import { readSessionStoreEnvironment, SessionStoreEnvironment } from '../patterns/session-store';
import { ApiGatewayProxyEvent, ApiGatewayProxyResult, bodyText, header, json } from '../shared/api-gateway';
import { SecretCache, SecretFetcher, secretsManagerFetcher } from '../shared/secrets';

/** The session's data. */
export interface WebSession {
  readonly userId: string;
  /** When the user logged in, ISO 8601. */
  readonly loggedInAt: string;
}

/** What the handler depends on; tests give their own. */
export interface SessionHandlerDependencies {
  /** @default readSessionStoreEnvironment(process.env) */
  readonly environment?: SessionStoreEnvironment;
  /** @default Secrets Manager's GetSecretValue */
  readonly fetchSecret?: SecretFetcher;
  /** Connection settings over the environment's (a test CA, timeouts). */
  readonly connection?: Partial<IovalkeyConnectionOptions>;
  /** @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
}

/** The handler, with `close()` for tests. */
export interface SessionHandler {
  (event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult>;
  /** Closes the connection. */
  close(): Promise<void>;
}

const COOKIE = 'sid';
const USER_ID = /^[A-Za-z0-9._@-]{1,128}$/;

/** Builds the handler. The connection is opened at the first request and kept for the next ones. */
export function createSessionHandler(dependencies: SessionHandlerDependencies = {}): SessionHandler {
  const environment = dependencies.environment ?? readSessionStoreEnvironment(process.env);
  const logger = dependencies.logger ?? jsonConsoleLogger;
  const secrets = new SecretCache(dependencies.fetchSecret ?? secretsManagerFetcher());
  // One id per execution environment: the "instance" a request landed on.
  const instance = randomUUID();

  if (environment.auth === 'iam') {
    throw new Error('This example reads a secret (SESSION_STORE_AUTH token or password); an IAM user signs a token instead (examples/iam-auth).');
  }
  const secretArn = environment.secretArn!;

  const open = async (refresh: boolean): Promise<OpenedIovalkeySessionStore> => {
    const secretValue = refresh ? await secrets.refresh(secretArn) : await secrets.get(secretArn);
    return openIovalkeySessionStore({ environment, secretValue, connection: dependencies.connection });
  };

  /** A connection; after a rejected secret (rotated meanwhile), the secret is read once more. */
  const connect = (): Promise<OpenedIovalkeySessionStore> => open(false).catch(async (error: unknown) => {
    if (!(error instanceof CacheConnectionError && error.reason === 'authentication')) throw error;
    logger.warn('session_store_secret_refresh', { error: describeError(error) });
    return open(true);
  });

  // A client that ended (the server rejected its credentials when it reconnected, after a
  // rotation) is replaced at the next use.
  const connection = new LazyConnection<OpenedIovalkeySessionStore>({
    connect,
    usable: ({ client }) => client.status !== 'end',
    close: ({ client }) => client.disconnect(),
  });

  /**
   * Runs `operation` on the store. When the connection dropped under it (a failover, a node
   * replacement, or a rotation that ended the old token), the client is replaced and the operation
   * runs once more: every operation here may run twice (a login writes a new random id with NX,
   * reads and deletes repeat harmlessly).
   */
  const withStore = async <R>(operation: (opened: OpenedIovalkeySessionStore) => Promise<R>): Promise<R> => {
    const current = await connection.get();
    try {
      return await operation(current);
    } catch (error) {
      // The client may not have noticed the drop yet: its status can still say `ready`.
      if (current.client.status === 'ready' && !/Connection is closed|Stream isn't writeable|ECONNRESET|EPIPE/i.test(String(error))) throw error;
      logger.warn('session_store_reconnect', { status: current.client.status, error: describeError(error) });
      connection.discard(current);
      return operation(await connection.get());
    }
  };

  const respond = (statusCode: number, body: unknown, headers: Record<string, string> = {}) =>
    json(statusCode, body, { 'x-instance': instance, 'cache-control': 'no-store', ...headers });

  const cookie = (value: string, maxAge: number) =>
    `${COOKIE}=${value}; Max-Age=${maxAge}; Path=/; HttpOnly; Secure; SameSite=Strict`;

  const handle = async (event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> => {
    const route = `${event.httpMethod} ${event.path}`;
    try {
      switch (route) {
        case 'POST /login': {
          const userId = parseLogin(bodyText(event));
          if (userId === undefined) return respond(400, { message: 'The body must be JSON {"userId": "<1 to 128 of A-Z a-z 0-9 . _ @ ->"}.' });
          const { id, ttlSeconds } = await withStore(async ({ sessions }) => ({
            id: (await sessions.create({ userId, loggedInAt: new Date().toISOString() })).id,
            ttlSeconds: sessions.ttlSeconds,
          }));
          return respond(201, { userId, expiresInSeconds: ttlSeconds }, { 'set-cookie': cookie(id, ttlSeconds) });
        }
        case 'GET /me': {
          const id = sessionIdOf(event);
          const { session, ttlSeconds } = await withStore(async ({ sessions }) => ({
            session: id ? await sessions.get(id) as WebSession | null : null,
            ttlSeconds: sessions.ttlSeconds,
          }));
          if (!session) return respond(401, { message: 'Not logged in, or the session expired: POST /login.' });
          // The read slid the expiry: the cookie follows it.
          return respond(200, session, { 'set-cookie': cookie(id!, ttlSeconds) });
        }
        case 'POST /logout': {
          const id = sessionIdOf(event);
          if (id) await withStore(({ sessions }) => sessions.destroy(id));
          return { statusCode: 204, headers: { 'x-instance': instance, 'set-cookie': cookie('', 0) }, body: '' };
        }
        default:
          return respond(404, { message: `No route ${route}: POST /login, GET /me, POST /logout.` });
      }
    } catch (error) {
      logger.warn('session_store_unavailable', { route, error: describeError(error) });
      return respond(503, { message: 'The session store is unavailable; try again.' }, { 'retry-after': '1' });
    }
  };

  const sessionHandler = handle as SessionHandler;
  sessionHandler.close = () => connection.close();
  return sessionHandler;
}

let defaultHandler: SessionHandler | undefined;

/** The Lambda entry point, configured from the function's environment. */
export async function handler(event: ApiGatewayProxyEvent): Promise<ApiGatewayProxyResult> {
  defaultHandler ??= createSessionHandler();
  return defaultHandler(event);
}

/** The user id of a login body, or undefined when the body is not `{"userId": "<valid>"}`. */
function parseLogin(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as { userId?: unknown };
    return typeof parsed.userId === 'string' && USER_ID.test(parsed.userId) ? parsed.userId : undefined;
  } catch {
    return undefined;
  }
}

/** The session id of the `sid` cookie; the store refuses malformed ids without a lookup. */
function sessionIdOf(event: ApiGatewayProxyEvent): string | undefined {
  const cookies = header(event, 'cookie') ?? '';
  for (const part of cookies.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE && value.length > 0) return value.join('=');
  }
  return undefined;
}
