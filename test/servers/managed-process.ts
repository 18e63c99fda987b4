import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { Socket } from 'node:net';
import { onHostExit } from './host-process';

/** How to start a server process. */
export interface ManagedProcessOptions {
  /** A short name for messages, e.g. `redis primary`. */
  readonly name: string;
  /** The absolute path of the executable. */
  readonly command: string;
  readonly args: string[];
  /** The process is ready once its output (stdout and stderr) matches this. */
  readonly readyPattern: RegExp;
  /** @default 15000 */
  readonly readyTimeoutMs?: number;
  /**
   * The OS user to run as, when the harness runs as root (PostgreSQL refuses to run as root).
   * @default - the current user
   */
  readonly runAsUser?: string;
  /**
   * The signal for an orderly stop, and the one the kernel sends when the test process dies.
   * @default 'SIGTERM'
   */
  readonly stopSignal?: NodeJS.Signals;
  /**
   * The signal sent synchronously at exit of the test process to a server still running
   * (after a failed `afterAll`, or none). `SIGKILL` for servers with nothing to clean up;
   * PostgreSQL takes `SIGQUIT` (immediate shutdown), which still frees its shared memory.
   * @default 'SIGKILL'
   */
  readonly exitSignal?: NodeJS.Signals;
  readonly cwd?: string;
}

const OUTPUT_LIMIT = 1024 * 1024;
const STOP_GRACE_MS = 5000;

const liveProcesses = new Set<ManagedProcess>();

// Jest runs afterAll hooks even when tests fail; this catches what they miss (a failing
// beforeAll, an interrupted run), synchronously, as 'exit' handlers must be.
onHostExit(() => {
  for (const managed of liveProcesses) managed.killAtExit();
});

/**
 * A server child process that is stopped when the test process ends, whatever way it ends.
 *
 * Three layers keep a failing test from leaking servers: `stop()` in `afterAll`; an 'exit'
 * handler for the servers still running when Node exits; and, for a test process killed outright
 * (SIGKILL of a Jest worker, which runs no handler), the kernel's parent-death signal, set with
 * util-linux `setpriv --pdeathsig` (the server gets `stopSignal` when its parent dies).
 */
export class ManagedProcess {
  /** Starts the process and waits until its output matches `readyPattern`. */
  public static async start(options: ManagedProcessOptions): Promise<ManagedProcess> {
    const managed = new ManagedProcess(options);
    try {
      await managed.waitForOutput(options.readyPattern, options.readyTimeoutMs ?? 15_000);
    } catch (error) {
      await managed.stop();
      throw error;
    }
    return managed;
  }

  public readonly name: string;
  public readonly pid: number;
  private readonly child: ChildProcess;
  private readonly stopSignal: NodeJS.Signals;
  private readonly exitSignal: NodeJS.Signals;
  private readonly exitPromise: Promise<void>;
  private outputText = '';
  private outputDropped = 0;
  private exitDescription?: string;
  private readonly outputListeners = new Set<() => void>();

  private constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.stopSignal = options.stopSignal ?? 'SIGTERM';
    this.exitSignal = options.exitSignal ?? 'SIGKILL';
    const { command, args, spawnOptions } = launchSpec(options.command, options.args, this.stopSignal, options.runAsUser);
    this.child = spawn(command, args, { ...spawnOptions, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) {
      throw new Error(`${this.name}: could not start ${options.command}`);
    }
    this.pid = this.child.pid;
    liveProcesses.add(this);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitDescription = signal ? `killed by ${signal}` : `exited with code ${code}`;
        liveProcesses.delete(this);
        this.notifyOutput();
        resolve();
      });
    });
    this.child.once('error', (error) => {
      this.append(`\n[harness] spawn error: ${error.message}\n`);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
    // A server that a failed test forgot must not keep the test process alive (Jest would wait
    // for it forever): neither the child nor its pipes hold the event loop, and at exit the
    // handler above stops the server.
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) (stream as Socket | null)?.unref();
  }

  /** Whether the process has exited. */
  public get exited(): boolean {
    return this.exitDescription !== undefined;
  }

  /** Everything the process printed so far (the last 1 MiB). */
  public get output(): string {
    return this.outputText;
  }

  /** The number of characters printed so far, for `waitForOutput(..., fromOffset)`. */
  public get outputLength(): number {
    return this.outputDropped + this.outputText.length;
  }

  /**
   * Waits until the output printed from `fromOffset` on matches `pattern`. Fails with the output's
   * tail when the process exits first or the time runs out.
   */
  public waitForOutput(pattern: RegExp, timeoutMs: number, fromOffset = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const start = Math.max(0, fromOffset - this.outputDropped);
        if (pattern.test(this.outputText.slice(start))) {
          finish();
          resolve();
        } else if (this.exited) {
          finish();
          reject(new Error(`${this.name} ${this.exitDescription} before printing ${pattern}.\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms.\n${this.tail()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.outputListeners.delete(check);
      };
      this.outputListeners.add(check);
      check();
    });
  }

  /** Stops the process: `stopSignal`, then SIGKILL after a grace period. Idempotent. */
  public async stop(): Promise<void> {
    if (!this.exited) {
      this.signal(this.stopSignal);
      const timer = setTimeout(() => this.signal('SIGKILL'), STOP_GRACE_MS);
      await this.exitPromise;
      clearTimeout(timer);
    }
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  /** Kills the process hard and waits for its exit, to simulate a crash. */
  public async kill(): Promise<void> {
    if (!this.exited) this.signal('SIGKILL');
    await this.exitPromise;
  }

  /** The last lines of output, for error messages. */
  public tail(lines = 30): string {
    return this.outputText.split('\n').slice(-lines).map((line) => `  | ${line}`).join('\n');
  }

  /** @internal called from the 'exit' handler only */
  public killAtExit(): void {
    this.signal(this.exitSignal);
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  private append(text: string): void {
    this.outputText += text;
    if (this.outputText.length > OUTPUT_LIMIT) {
      const excess = this.outputText.length - OUTPUT_LIMIT;
      this.outputText = this.outputText.slice(excess);
      this.outputDropped += excess;
    }
    this.notifyOutput();
  }

  private notifyOutput(): void {
    for (const listener of [...this.outputListeners]) listener();
  }
}

interface LaunchSpec {
  command: string;
  args: string[];
  spawnOptions: { uid?: number; gid?: number };
}

/**
 * Wraps the command in `setpriv` when it is there (util-linux, on every Debian): it sets the
 * parent-death signal and, as root, drops to `runAsUser`, then execs the server under the same pid.
 * Without setpriv, Node's spawn switches the user and the 'exit' handler is the last resort.
 */
function launchSpec(command: string, args: string[], deathSignal: NodeJS.Signals, runAsUser?: string): LaunchSpec {
  const switchUser = runAsUser !== undefined && process.getuid?.() === 0;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((candidate) => fs.existsSync(candidate));
  if (setpriv) {
    const userArgs = switchUser ? ['--reuid', runAsUser, '--regid', primaryGroupOf(runAsUser), '--init-groups'] : [];
    return { command: setpriv, args: ['--pdeathsig', deathSignal.replace(/^SIG/, ''), ...userArgs, '--', command, ...args], spawnOptions: {} };
  }
  if (switchUser) {
    return { command, args, spawnOptions: { uid: Number(idOf(runAsUser, '-u')), gid: Number(idOf(runAsUser, '-g')) } };
  }
  return { command, args, spawnOptions: {} };
}

function primaryGroupOf(user: string): string {
  return idOf(user, '-g');
}

function idOf(user: string, flag: '-u' | '-g'): string {
  try {
    return execFileSync('id', [flag, user], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`The OS user '${user}' does not exist. It comes with the server's Debian package (apt-get install postgresql creates 'postgres').`);
  }
}
