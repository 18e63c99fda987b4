import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';
import { findBinary, postgresBinaryDirectories } from './binaries';
import { ManagedProcess } from './managed-process';
import { freePort, LOOPBACK } from './ports';
import { makeTempDir, removeTempDir } from './temp-dir';

/** How to start PostgreSQL. */
export interface PostgresServerOptions {
  /** SQL run once the server is up, e.g. `CREATE TABLE ...`. */
  readonly schema?: string;
}

/** PostgreSQL refuses to run as root; as root, the harness runs it as this OS user. */
const POSTGRES_OS_USER = 'postgres';
const READY = /database system is ready to accept connections/;

/**
 * A throwaway PostgreSQL cluster (Debian's `postgresql`, any major version) in a temporary folder,
 * on a free loopback port, without a Unix socket. Durability is switched off (fsync, synchronous
 * commit, full-page writes): the data lives only as long as the test file.
 */
export class PostgresServer {
  /** Runs initdb, starts the server (retrying another port if the chosen one was taken) and applies the schema. */
  public static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    const postgres = findBinary('postgres', { debianPackage: 'postgresql', extraDirectories: postgresBinaryDirectories() });
    // initdb must be of the server's version: take the one beside the real binary (Debian's
    // /usr/lib/postgresql/<major>/bin), also when the PATH has a symlink to it.
    const initdbBeside = path.join(path.dirname(fs.realpathSync(postgres)), 'initdb');
    const initdb = fs.existsSync(initdbBeside) ? initdbBeside : findBinary('initdb', { debianPackage: 'postgresql' });

    const asRoot = process.getuid?.() === 0;
    const owner = asRoot ? osUser(POSTGRES_OS_USER) : undefined;
    const directory = makeTempDir('postgres');
    const dataDirectory = path.join(directory, 'data');
    if (owner) fs.chownSync(directory, owner.uid, owner.gid);
    execFileSync(initdb, ['-D', dataDirectory, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });

    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      try {
        const process_ = await ManagedProcess.start({
          name: `postgres (127.0.0.1:${port})`,
          command: postgres,
          args: [
            '-D', dataDirectory,
            '-h', LOOPBACK,
            '-p', String(port),
            '-k', '',
            '-c', 'fsync=off',
            '-c', 'synchronous_commit=off',
            '-c', 'full_page_writes=off',
            '-c', 'max_connections=200',
          ],
          readyPattern: READY,
          runAsUser: owner ? POSTGRES_OS_USER : undefined,
          // SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one, which still frees shared memory.
          stopSignal: 'SIGINT',
          exitSignal: 'SIGQUIT',
          cwd: directory,
        });
        const server = new PostgresServer(port, process_, directory);
        if (options.schema) await server.query(options.schema);
        return server;
      } catch (error) {
        lastError = error;
        if (!/Address already in use/i.test(String(error))) break;
      }
    }
    removeTempDir(directory);
    throw lastError;
  }

  public readonly host: string = LOOPBACK;
  public readonly user = 'postgres';
  public readonly database = 'postgres';

  private constructor(public readonly port: number, private readonly process_: ManagedProcess, private readonly directory: string) {}

  /** The pid of the postmaster. */
  public get pid(): number {
    return this.process_.pid;
  }

  /** The `pg` client settings for this server. */
  public get clientConfig(): ClientConfig {
    return { host: this.host, port: this.port, user: this.user, database: this.database };
  }

  /** Runs SQL on a fresh connection and returns the rows. */
  public async query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<Row[]> {
    const client = new Client(this.clientConfig);
    await client.connect();
    try {
      const result = await client.query<Row>(sql, values);
      return result.rows;
    } finally {
      await client.end();
    }
  }

  /** Stops the server (fast shutdown) and removes its files. */
  public async stop(): Promise<void> {
    await this.process_.stop();
    removeTempDir(this.directory);
  }
}

function osUser(name: string): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root, and the OS user '${name}' to run it as does not exist. ` +
      "Debian's package creates it: apt-get install postgresql.",
    );
  }
}
