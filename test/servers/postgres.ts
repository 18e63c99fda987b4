import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';
import { findBinary, postgresBinaryDirectories } from './binaries';
import { ManagedProcess } from './managed-process';
import { LOOPBACK, startOnFreePort } from './ports';
import { makeTempDir, removeTempDir } from './temp-dir';
import { testCertificates } from './tls';

/** How to start PostgreSQL. */
export interface PostgresServerOptions {
  /** SQL run once the server is up, e.g. `CREATE TABLE ...`. */
  readonly schema?: string;
  /**
   * TLS only, like RDS with `rds.force_ssl`: the server presents a certificate signed by the
   * throwaway CA that the Redis servers use (`testCertificates()`) and refuses connections
   * without TLS. `clientConfig` then verifies the certificate against `caPem`.
   * @default false
   */
  readonly ssl?: boolean;
  /**
   * Roles other than the harness's superuser log in with a password (SCRAM), as on RDS, so that
   * a wrong or rotated password is refused. The superuser `postgres` stays trusted, for the harness.
   * @default false - every role is trusted
   */
  readonly passwordAuthentication?: boolean;
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
    const tlsArgs = options.ssl ? installCertificate(directory, owner) : [];
    if (options.ssl || options.passwordAuthentication) {
      writeHostRules(dataDirectory, { ssl: options.ssl ?? false, passwordAuthentication: options.passwordAuthentication ?? false });
    }

    try {
      return await startOnFreePort(async (port) => {
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
            ...tlsArgs,
          ],
          readyPattern: READY,
          runAsUser: owner ? POSTGRES_OS_USER : undefined,
          // SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one, which still frees shared memory.
          stopSignal: 'SIGINT',
          exitSignal: 'SIGQUIT',
          cwd: directory,
        });
        const server = new PostgresServer(port, process_, directory, options.ssl ? testCertificates().caPem : undefined);
        if (options.schema) await server.query(options.schema);
        return server;
      });
    } catch (error) {
      removeTempDir(directory);
      throw error;
    }
  }

  public readonly host: string = LOOPBACK;
  public readonly user = 'postgres';
  public readonly database = 'postgres';

  private constructor(
    public readonly port: number,
    private readonly process_: ManagedProcess,
    private readonly directory: string,
    /** The CA certificate (PEM) that clients must trust, when the server was started with `ssl`. */
    public readonly caPem?: string,
  ) {}

  /** The pid of the postmaster. */
  public get pid(): number {
    return this.process_.pid;
  }

  /** The `pg` client settings for this server (as the superuser), verifying its certificate when it has TLS. */
  public get clientConfig(): ClientConfig {
    return {
      host: this.host,
      port: this.port,
      user: this.user,
      database: this.database,
      ...(this.caPem ? { ssl: { ca: this.caPem, rejectUnauthorized: true } } : {}),
    };
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

/**
 * Copies the test server certificate and key beside the data directory, where the server's OS
 * user owns them: PostgreSQL refuses a key file that others can read, or that it does not own
 * (unless root owns it and its group is the server's).
 */
function installCertificate(directory: string, owner: { uid: number; gid: number } | undefined): string[] {
  const certificates = testCertificates();
  const certFile = path.join(directory, 'server.crt');
  const keyFile = path.join(directory, 'server.key');
  fs.copyFileSync(certificates.certFile, certFile);
  fs.copyFileSync(certificates.keyFile, keyFile);
  fs.chmodSync(keyFile, 0o600);
  if (owner) {
    fs.chownSync(certFile, owner.uid, owner.gid);
    fs.chownSync(keyFile, owner.uid, owner.gid);
  }
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${certFile}`, '-c', `ssl_key_file=${keyFile}`];
}

/**
 * Replaces initdb's pg_hba.conf (everyone trusted, with or without TLS). The first matching line
 * applies and a connection that matches none is refused: with `hostssl` lines only, a connection
 * without TLS is refused.
 */
function writeHostRules(dataDirectory: string, rules: { ssl: boolean; passwordAuthentication: boolean }): void {
  const type = rules.ssl ? 'hostssl' : 'host';
  const method = rules.passwordAuthentication ? 'scram-sha-256' : 'trust';
  fs.writeFileSync(path.join(dataDirectory, 'pg_hba.conf'), [
    `${type} all postgres ${LOOPBACK}/32 trust`,
    `${type} all all ${LOOPBACK}/32 ${method}`,
    '',
  ].join('\n'));
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
