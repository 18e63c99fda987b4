import { ManagedProcess } from './managed-process';
import { LOOPBACK } from './ports';

/**
 * What the test servers share: one process at a time (the latest start), on a loopback port,
 * that tests break on purpose (`kill()`) and start again on the same port (`restart()`).
 */
export abstract class LoopbackServer {
  public readonly host: string = LOOPBACK;
  public abstract readonly name: string;
  public abstract readonly port: number;
  /** The process of the latest start. */
  protected current?: ManagedProcess;

  /** Whether the server process is running. */
  public get running(): boolean {
    return this.current !== undefined && !this.current.exited;
  }

  /** The pid of the server process (of its latest start). */
  public get pid(): number | undefined {
    return this.current?.pid;
  }

  /** The server's output so far. */
  public get log(): string {
    return this.current?.output ?? '';
  }

  /** Kills the server with SIGKILL, as a crash would. */
  public async kill(): Promise<void> {
    await this.current?.kill();
  }

  /**
   * Starts the server again on the same port, after it stopped or was killed. A memcached comes
   * back empty, like a replaced node; a redis-server keeps its folder (but saves nothing).
   */
  public async restart(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is still running`);
    await this.launch();
  }

  /** Starts the process and waits until it is ready; sets `current`. */
  protected abstract launch(): Promise<void>;
}
