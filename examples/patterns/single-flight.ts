/** Counters of a `SingleFlight`. */
export interface SingleFlightStats {
  /** Calls that ran their function. */
  readonly started: number;
  /** Calls that joined a call already in flight for the same key instead of running their own. */
  readonly joined: number;
  /** Keys in flight now. */
  readonly inFlight: number;
}

/**
 * Collapses concurrent calls for the same key into one: the first call runs the function, and the
 * calls that arrive while it is in flight get its result (or its error). Once it settles, the next
 * call runs the function again; nothing is cached here.
 *
 * This protects the database from a thundering herd when a hot key expires: 100 requests that
 * miss the same key at once cause one query, not 100. It works within one process; N application
 * instances can still send up to N queries for one key, which is the price of not coordinating
 * through a distributed lock (itself a source of latency and failure modes).
 */
export class SingleFlight {
  private readonly calls = new Map<string, Promise<unknown>>();
  private startedCount = 0;
  private joinedCount = 0;

  /** Runs `fn` for `key`, or joins the call for `key` that is already in flight. */
  public run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const inFlight = this.calls.get(key);
    if (inFlight) {
      this.joinedCount++;
      return inFlight as Promise<T>;
    }
    this.startedCount++;
    // `fn` starts in a microtask, after the call is registered: a function that throws at once
    // still settles through `finally`, which then finds and removes its own entry.
    const call: Promise<T> = Promise.resolve()
      .then(fn)
      .finally(() => {
        if (this.calls.get(key) === call) this.calls.delete(key);
      });
    this.calls.set(key, call);
    return call;
  }

  public stats(): SingleFlightStats {
    return { started: this.startedCount, joined: this.joinedCount, inFlight: this.calls.size };
  }
}
