import { randomBytes } from 'node:crypto';
import { findBinary } from './binaries';
import { LoopbackServer } from './loopback-server';
import { ManagedProcess } from './managed-process';
import { freePort, LOOPBACK, startOnFreePort } from './ports';
import { RespClient, RespReply } from './resp';
import { makeTempDir, removeTempDir } from './temp-dir';
import { testCertificates } from './tls';

/** How to start a Redis server. */
export interface RedisServerOptions {
  /** @default 'redis' */
  readonly name?: string;
  /**
   * The AUTH token (`requirepass`), as ElastiCache with AUTH requires one.
   * @default - a random token
   */
  readonly password?: string;
  /** Start as a replica of this server, replicating over TLS. */
  readonly replicaOf?: RedisServer;
  /** More `redis-server` arguments, e.g. `['--rename-command', 'GETEX', '']` to imitate an older server. */
  readonly extraArgs?: string[];
  /**
   * Start as a Redis Cluster node (`cluster-enabled`) with this `cluster-node-timeout`, its bus
   * and replication over TLS, on a second free port for the bus. `RedisCluster` joins the nodes.
   */
  readonly clusterNodeTimeoutMs?: number;
}

const READY = /Ready to accept connections/;
const REPLICA_SYNCED = /MASTER <-> REPLICA sync: Finished with success/;

/**
 * A Debian `redis-server` (7.x, the protocol of Valkey and ElastiCache) on a free loopback port,
 * with TLS only (no plain-text port) and a password, like an ElastiCache node with in-transit
 * encryption and an AUTH token. Its certificate is signed by a throwaway CA (`caPem`).
 */
export class RedisServer extends LoopbackServer {
  /** Starts a server; retries with another port when the chosen one was taken meanwhile. */
  public static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const binary = findBinary('redis-server', { debianPackage: 'redis-server' });
    if (options.replicaOf && options.clusterNodeTimeoutMs !== undefined) {
      throw new Error('A cluster node cannot be started with replicaOf: the cluster assigns replicas (CLUSTER REPLICATE)');
    }
    return startOnFreePort(async (port) => {
      const busPort = options.clusterNodeTimeoutMs === undefined ? undefined : await freePort();
      const server = new RedisServer(binary, port, busPort, options);
      try {
        await server.launch();
        return server;
      } catch (error) {
        server.removeFiles();
        throw error;
      }
    });
  }

  /** A primary and a replica that has finished its first synchronization. */
  public static async startPrimaryWithReplica(password?: string): Promise<{ primary: RedisServer; replica: RedisServer }> {
    const primary = await RedisServer.start({ name: 'redis primary', password });
    try {
      const replica = await RedisServer.start({ name: 'redis replica', password: primary.password, replicaOf: primary });
      return { primary, replica };
    } catch (error) {
      await primary.stop();
      throw error;
    }
  }

  /** The port of a server that was running a moment ago and is stopped now: nothing listens there. */
  public static async stoppedServerPort(): Promise<number> {
    const down = await RedisServer.start({ name: 'redis (stopped)' });
    await down.stop();
    return down.port;
  }

  public readonly port: number;
  public readonly password: string;
  /** The CA certificate (PEM) that clients must trust. */
  public readonly caPem: string;
  public readonly name: string;
  /** The cluster bus port (TLS), for cluster nodes only. */
  public readonly clusterBusPort?: number;
  private readonly directory: string;
  private readonly args: string[];
  private readonly replicaOf?: RedisServer;

  private constructor(private readonly binary: string, port: number, clusterBusPort: number | undefined, options: RedisServerOptions) {
    super();
    const certificates = testCertificates();
    this.port = port;
    this.clusterBusPort = clusterBusPort;
    this.name = options.name ?? 'redis';
    this.password = options.password ?? randomBytes(24).toString('base64url');
    this.caPem = certificates.caPem;
    this.replicaOf = options.replicaOf;
    this.directory = makeTempDir('redis');
    this.args = [
      '--bind', LOOPBACK,
      '--port', '0',
      '--tls-port', String(port),
      '--tls-cert-file', certificates.certFile,
      '--tls-key-file', certificates.keyFile,
      '--tls-ca-cert-file', certificates.caFile,
      '--tls-auth-clients', 'no',
      '--requirepass', this.password,
      '--dir', this.directory,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--logfile', '',
      // The first full sync starts at once instead of after the default 5 s.
      '--repl-diskless-sync', 'yes',
      '--repl-diskless-sync-delay', '0',
    ];
    if (clusterBusPort !== undefined) {
      this.args.push(
        '--cluster-enabled', 'yes',
        // Relative to --dir: kept by pause() and kill(), so that a restarted node rejoins as itself.
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(options.clusterNodeTimeoutMs),
        // The bus port defaults to the port + 10000, which may be taken, or beyond 65535 for a high free port.
        '--cluster-port', String(clusterBusPort),
        '--tls-cluster', 'yes',
        '--tls-replication', 'yes',
        // Any node may become the replica of any other after a failover: all share the password.
        '--masterauth', this.password,
      );
    }
    this.args.push(...options.extraArgs ?? []);
    if (this.replicaOf) {
      this.args.push(
        '--replicaof', this.replicaOf.host, String(this.replicaOf.port),
        '--tls-replication', 'yes',
        '--masterauth', this.replicaOf.password,
      );
    }
  }

  /** Stops the server (SIGTERM; nothing to save) and removes its files. */
  public async stop(): Promise<void> {
    await this.current?.stop();
    this.removeFiles();
  }

  /** Stops the server but keeps its port and files, for `restart()`. */
  public async pause(): Promise<void> {
    await this.current?.stop();
  }

  /** An authenticated RESP connection for inspecting the server; close it after use. */
  public async connect(): Promise<RespClient> {
    return RespClient.connect({ host: this.host, port: this.port, caPem: this.caPem, password: this.password });
  }

  /** Runs one command on a fresh connection. */
  public async command(...args: Array<string | number>): Promise<RespReply> {
    const client = await this.connect();
    try {
      return await client.command(...args);
    } finally {
      client.close();
    }
  }

  /** `INFO <section>` as a map. */
  public async info(section: string): Promise<Record<string, string>> {
    const text = String(await this.command('INFO', section));
    const fields: Record<string, string> = {};
    for (const line of text.split('\r\n')) {
      const separator = line.indexOf(':');
      if (separator > 0) fields[line.slice(0, separator)] = line.slice(separator + 1);
    }
    return fields;
  }

  protected async launch(): Promise<void> {
    this.current = await ManagedProcess.start({
      name: `${this.name} (127.0.0.1:${this.port})`,
      command: this.binary,
      args: this.args,
      readyPattern: READY,
      cwd: this.directory,
    });
    if (this.replicaOf) {
      await this.current.waitForOutput(REPLICA_SYNCED, 15_000);
    }
  }

  private removeFiles(): void {
    removeTempDir(this.directory);
  }
}
