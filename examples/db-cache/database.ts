import { Pool, QueryResult, QueryResultRow } from 'pg';
import { describeError, PatternLogger } from '../patterns/logger';
import { SingleFlight } from '../patterns/single-flight';
import { SecretCache } from '../shared/secrets';

/** Where and as whom to connect, from the database secret. */
export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
}

/**
 * The settings in the secret that RDS generates for a database's credentials (a CDK
 * `DatabaseSecret` attached to the instance): JSON with `username`, `password`, `host`, `port`
 * and `dbname`. Without `dbname`, PostgreSQL's default database `postgres`, which RDS creates.
 * Errors name the missing fields, never the values.
 */
export function databaseSettingsFromSecret(secretString: string): DatabaseSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new Error('The database secret is not valid JSON: an RDS secret {"username", "password", "host", "port", "dbname"} was expected.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('The database secret is not a JSON object: an RDS secret {"username", "password", "host", "port", "dbname"} was expected.');
  }
  const fields = parsed as Record<string, unknown>;
  const text = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`The database secret has no non-empty string field '${name}' (fields: ${Object.keys(fields).join(', ') || 'none'}).`);
    }
    return value;
  };
  // RDS writes the port as a number; a hand-made secret may hold it as text.
  const port = typeof fields.port === 'string' && /^\d+$/.test(fields.port) ? Number(fields.port) : fields.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error("The database secret's field 'port' is not a port number.");
  }
  const database = fields.dbname === undefined ? 'postgres' : text('dbname');
  return { host: text('host'), port, username: text('username'), password: text('password'), database };
}

/** Connection settings that are not in the secret. */
export interface DatabaseConnectionOptions {
  /**
   * The CA certificate (PEM) to trust instead of the system's roots, for a test server. On Lambda,
   * leave it out: the RDS CA comes from `NODE_EXTRA_CA_CERTS` (see `openPool`).
   * @default - the system's trusted roots
   */
  readonly caCertificate?: string;
  /**
   * How long to wait for a connection (TCP, TLS and login), or for a free one in the pool.
   * @default 3000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may run; the server cancels it after that.
   * @default 5000
   */
  readonly statementTimeoutMs?: number;
  /**
   * Connections per pool. A Lambda execution environment serves one request at a time, so one
   * connection per instance; concurrent statements in one process wait for it.
   * @default 1
   */
  readonly maxConnections?: number;
}

/** The database cannot serve the request now (down, unreachable, refusing the credentials, overloaded). */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** SQLSTATE `28P01` (invalid_password) and `28000` (invalid_authorization_specification). */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code === '28P01' || code === '28000';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Whether an error means that the database cannot be reached or cannot serve now, rather than a
 * fault of the request or of the code. PostgreSQL's SQLSTATE classes (PostgreSQL documentation,
 * appendix "PostgreSQL Error Codes"): 08 connection exception, 28 invalid authorization, 53
 * insufficient resources (e.g. too many connections), 57P operator intervention (shutdown,
 * "cannot connect now"), and 57014, a statement cancelled by `statement_timeout`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) {
    if (/^(08|28|53|57P)/.test(code) || code === '57014' || NETWORK_CODES.has(code)) return true;
    // Node's TLS errors: an untrusted or mismatched server certificate.
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|does not support SSL|Query read timeout/i.test(message);
}

/**
 * A connection pool built from the database secret, over verified TLS, that follows password
 * rotation: when the database refuses the password, the secret is read again once and, if it
 * changed, the statement runs again on a new pool with the new password. Connections already
 * open keep working during a rotation (PostgreSQL checks the password at login only), so this
 * happens when a new connection is opened after the old password was replaced.
 */
export class Database {
  private current?: Promise<OpenPool>;
  private readonly renewals = new SingleFlight();

  constructor(
    private readonly secrets: SecretCache,
    private readonly secretId: string,
    private readonly options: DatabaseConnectionOptions,
    private readonly logger: PatternLogger,
  ) {}

  /**
   * Runs one statement. Fails with `DatabaseUnavailableError` when the database cannot serve;
   * other errors (SQL, constraints, permissions, a malformed secret) propagate as they are.
   */
  public async query<R extends QueryResultRow>(sql: string, values?: unknown[]): Promise<QueryResult<R>> {
    const opened = await this.open();
    try {
      return await opened.pool.query<R>(sql, values);
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw unavailableOrSelf(error);
      const renewed = await this.renewAfterRejection(opened);
      if (!renewed) throw unavailableOrSelf(error);
      try {
        return await renewed.pool.query<R>(sql, values);
      } catch (retryError) {
        throw unavailableOrSelf(retryError);
      }
    }
  }

  /** Closes the pool's connections. */
  public async close(): Promise<void> {
    const opening = this.current;
    this.current = undefined;
    const opened = await opening?.catch(() => undefined);
    await opened?.pool.end();
  }

  /** The pool, opened at the first statement with the secret's settings. A failed opening is not kept. */
  private open(): Promise<OpenPool> {
    if (!this.current) {
      const opening = this.readSettings(() => this.secrets.get(this.secretId)).then((settings) => this.openPool(settings));
      this.current = opening;
      opening.catch(() => {
        if (this.current === opening) this.current = undefined;
      });
    }
    return this.current;
  }

  /**
   * A pool with the secret read again, or `undefined` when the secret still holds the refused
   * credentials. Concurrent callers share one read; a caller whose pool was already replaced
   * gets the replacement without another read.
   */
  private renewAfterRejection(rejected: OpenPool): Promise<OpenPool | undefined> {
    return this.renewals.run('renew', async () => {
      const current = await this.current?.catch(() => undefined);
      if (current && current !== rejected) return current;
      this.logger.warn('db-cache.database-password-rejected', { secretId: this.secretId, action: 'reading the secret again' });
      const settings = await this.readSettings(() => this.secrets.refresh(this.secretId));
      if (settings.username === rejected.settings.username && settings.password === rejected.settings.password) return undefined;
      const renewed = this.openPool(settings);
      this.current = Promise.resolve(renewed);
      rejected.pool.end().catch(() => undefined);
      return renewed;
    });
  }

  private async readSettings(read: () => Promise<string>): Promise<DatabaseSettings> {
    let secret: string;
    try {
      secret = await read();
    } catch (error) {
      // Without its secret the database cannot be reached (Secrets Manager down or unreachable).
      throw new DatabaseUnavailableError(`Could not read the database secret ${this.secretId}: ${describeError(error)}`, { cause: error });
    }
    return databaseSettingsFromSecret(secret);
  }

  private openPool(settings: DatabaseSettings): OpenPool {
    const statementTimeoutMs = this.options.statementTimeoutMs ?? 5000;
    const pool = new Pool({
      host: settings.host,
      port: settings.port,
      user: settings.username,
      password: settings.password,
      database: settings.database,
      // Verified TLS. On Lambda, Node.js 20 and later runtimes trust only Node's own roots unless
      // NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem, the runtime's file of Amazon CA certificates
      // that includes the RDS CAs (Lambda developer guide, "Building Lambda functions with
      // Node.js"); the stack sets that variable.
      ssl: { rejectUnauthorized: true, ...(this.options.caCertificate ? { ca: this.options.caCertificate } : {}) },
      max: this.options.maxConnections ?? 1,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 3000,
      statement_timeout: statementTimeoutMs,
      // The client gives up a little after the server would have cancelled the statement, in
      // case the server does not answer at all.
      query_timeout: statementTimeoutMs + 1000,
      application_name: 'db-cache',
    });
    // An idle connection that the server closes (restart, failover) is reported here; without a
    // listener the error would end the process. The pool drops that connection.
    pool.on('error', (error) => this.logger.warn('db-cache.database-idle-connection-error', { error: describeError(error) }));
    return { pool, settings };
  }
}

interface OpenPool {
  readonly pool: Pool;
  readonly settings: DatabaseSettings;
}

function unavailableOrSelf(error: unknown): unknown {
  return isDatabaseUnavailable(error)
    ? new DatabaseUnavailableError(`The database cannot serve the request: ${describeError(error)}`, { cause: error })
    : error;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
