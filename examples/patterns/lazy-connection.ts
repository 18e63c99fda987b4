/** Options of `LazyConnection`. */
export interface LazyConnectionOptions<T> {
  /** Opens a connection: connect, authenticate, check. */
  readonly connect: () => Promise<T>;
  /**
   * Whether a connection that was opened can still serve, e.g. an iovalkey client whose `status`
   * is not `end` (it gave up reconnecting). One that cannot is dropped and a new one opened.
   * @default - always
   */
  readonly usable?: (connection: T) => boolean;
  /** Closes a connection that is dropped or closed. */
  readonly close: (connection: T) => void;
  /**
   * After a failed attempt, `get()` fails at once for this long instead of trying again, so that a
   * server that is down costs one connection attempt per interval, not one per request.
   * @default 0: every `get()` after a failure tries again
   */
  readonly retryIntervalMs?: number;
  /** Told of each failed attempt (to log it). */
  readonly onFailure?: (error: unknown) => void;
}

/**
 * The connection of one execution environment (a Lambda instance, a process), opened at its first
 * use and kept for the next ones. Concurrent first uses share one attempt.
 */
export class LazyConnection<T> {
  private connection?: T;
  private connecting?: Promise<T>;
  private retryAfter = 0;
  private lastFailure?: unknown;

  constructor(private readonly options: LazyConnectionOptions<T>) {}

  /** The open connection, or a new one. */
  public get(): Promise<T> {
    const current = this.connection;
    if (current !== undefined) {
      if (this.options.usable?.(current) ?? true) return Promise.resolve(current);
      this.discard(current);
    }
    if (this.connecting) return this.connecting;
    if (Date.now() < this.retryAfter) {
      return Promise.reject(new Error(`Not connected: the last attempt failed less than ${this.options.retryIntervalMs} ms ago `
        + `(${describe(this.lastFailure)}); the next one is made after that.`));
    }
    const connecting = this.options.connect().then(
      (connection) => {
        this.connection = connection;
        return connection;
      },
      (error: unknown) => {
        this.retryAfter = Date.now() + (this.options.retryIntervalMs ?? 0);
        this.lastFailure = error;
        this.options.onFailure?.(error);
        throw error;
      },
    ).finally(() => {
      if (this.connecting === connecting) this.connecting = undefined;
    });
    this.connecting = connecting;
    return connecting;
  }

  /** Drops `connection` (if it is the current one) and closes it: the next `get()` opens another. */
  public discard(connection: T): void {
    if (this.connection === connection) this.connection = undefined;
    this.options.close(connection);
  }

  /** Closes the connection, including one being opened. */
  public async close(): Promise<void> {
    const current = this.connection;
    this.connection = undefined;
    if (current !== undefined) this.options.close(current);
    const opened = await this.connecting?.catch(() => undefined);
    if (opened !== undefined && opened !== current) this.options.close(opened);
    this.connection = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
