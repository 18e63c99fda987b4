import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { findBinary } from './binaries';
import { LoopbackServer } from './loopback-server';
import { ManagedProcess } from './managed-process';
import { LOOPBACK, startOnFreePort } from './ports';
import { connectTls, testCertificates } from './tls';

/** How to start a Memcached server. */
export interface MemcachedServerOptions {
  /** @default 'memcached' */
  readonly name?: string;
  /**
   * Item memory in megabytes (`-m`).
   * @default 16
   */
  readonly memoryMegabytes?: number;
}

/** The name in the test certificate (besides 127.0.0.1), listed as the nodes' host name. */
const CERTIFICATE_HOST_NAME = 'localhost';
// With -vv, Memcached prints this line once its listener is open (and one line per command after).
const READY = /server listening/;

/**
 * A Debian `memcached` (1.6, built with TLS) on a free loopback port, with TLS only (`-Z`, no
 * plain-text listener and no UDP), like an ElastiCache Memcached node with in-transit encryption.
 * Its certificate is signed by a throwaway CA (`caPem`). Memcached has no authentication, and
 * neither has ElastiCache's.
 */
export class MemcachedServer extends LoopbackServer {
  /** Starts a server; retries with another port when the chosen one was taken meanwhile. */
  public static async start(options: MemcachedServerOptions = {}): Promise<MemcachedServer> {
    const binary = findBinary('memcached', { debianPackage: 'memcached' });
    return startOnFreePort(async (port) => {
      const server = new MemcachedServer(binary, port, options);
      await server.launch();
      return server;
    });
  }

  /** Starts `count` servers, named `memcached 1`, `memcached 2`, ...; stops them all if one fails. */
  public static async startMany(count: number, options: MemcachedServerOptions = {}): Promise<MemcachedServer[]> {
    const started: MemcachedServer[] = [];
    try {
      for (let i = 1; i <= count; i++) started.push(await MemcachedServer.start({ ...options, name: `${options.name ?? 'memcached'} ${i}` }));
      return started;
    } catch (error) {
      for (const server of started) await server.stop();
      throw error;
    }
  }

  public readonly port: number;
  /** The CA certificate (PEM) that clients must trust. */
  public readonly caPem: string;
  public readonly name: string;
  private readonly args: string[];

  private constructor(private readonly binary: string, port: number, options: MemcachedServerOptions) {
    super();
    const certificates = testCertificates();
    this.port = port;
    this.name = options.name ?? 'memcached';
    this.caPem = certificates.caPem;
    this.args = [
      '-l', LOOPBACK,
      '-p', String(port),
      '-U', '0',
      '-m', String(options.memoryMegabytes ?? 16),
      '-t', '2',
      '-B', 'ascii',
      '-Z',
      '-o', `ssl_chain_cert=${certificates.certFile},ssl_key=${certificates.keyFile}`,
      '-vv',
    ];
    // Memcached refuses to run as root without -u; Debian's package creates the 'memcache' user.
    // The certificate is read before the switch, so its folder may stay private to root.
    if (process.getuid?.() === 0) this.args.push('-u', 'memcache');
  }

  /** The node as the configuration endpoint lists it: `localhost|127.0.0.1|<port>`. */
  public get clusterNode(): ListedNode {
    return { hostname: CERTIFICATE_HOST_NAME, ip: this.host, port: this.port };
  }

  /** Stops the server (SIGTERM; nothing to save). */
  public async stop(): Promise<void> {
    await this.current?.stop();
  }

  /**
   * Freezes the process (SIGSTOP): its port still accepts TCP connections (the kernel completes
   * them) but nothing answers, like a node that hangs. `resume()` undoes it.
   */
  public async suspend(): Promise<void> {
    if (!this.running) throw new Error(`${this.name} is not running`);
    process.kill(this.pid!, 'SIGSTOP');
    // The signal is delivered asynchronously: a request sent right away could still be answered.
    // Bounded: at most 100 polls of 10 ms of the state in /proc (Linux, proc(5)).
    for (let i = 0; i < 100; i++) {
      if (processState(this.pid!) === 'T') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${this.name} did not stop within 1 s of SIGSTOP`);
  }

  /** Lets a suspended server run again. */
  public resume(): void {
    if (this.running) process.kill(this.pid!, 'SIGCONT');
  }

  /** A connection for inspecting the server, independent of the client under test; close it after use. */
  public connect(): Promise<MemcachedInspector> {
    return MemcachedInspector.connect(this.host, this.port, this.caPem);
  }

  /** `stats` on a fresh connection. */
  public async stats(): Promise<Record<string, string>> {
    const inspector = await this.connect();
    try {
      return await inspector.stats();
    } finally {
      inspector.close();
    }
  }

  /** The number of items the server holds (`curr_items`). */
  public async itemCount(): Promise<number> {
    return Number((await this.stats()).curr_items);
  }

  protected async launch(): Promise<void> {
    this.current = await ManagedProcess.start({
      name: `${this.name} (127.0.0.1:${this.port})`,
      command: this.binary,
      args: this.args,
      readyPattern: READY,
    });
  }
}

/**
 * A minimal Memcached text-protocol client over TLS, for the tests to look at a server's state
 * (items, values, TTLs) without the client under test. One command at a time.
 */
export class MemcachedInspector {
  public static async connect(host: string, port: number, caPem: string, timeoutMs = 5000): Promise<MemcachedInspector> {
    const socket = await connectTls(host, port, caPem, timeoutMs, 'Memcached inspector');
    return new MemcachedInspector(socket, `${host}:${port}`, timeoutMs);
  }

  private buffer = Buffer.alloc(0);
  private waiter?: { complete: (buffer: Buffer) => number; resolve: (reply: Buffer) => void; reject: (error: Error) => void };
  private closedError?: Error;

  private constructor(private readonly socket: tls.TLSSocket, private readonly address: string, private readonly timeoutMs: number) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error): void => {
      this.closedError = error;
      this.waiter?.reject(error);
      this.waiter = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`Memcached inspector: connection to ${address} closed`)));
  }

  /** `stats` as a map. */
  public async stats(): Promise<Record<string, string>> {
    const reply = (await this.send('stats\r\n', untilEnd)).toString('utf8');
    const fields: Record<string, string> = {};
    for (const line of reply.split('\r\n')) {
      const match = /^STAT (\S+) (.*)$/.exec(line);
      if (match) fields[match[1]] = match[2];
    }
    return fields;
  }

  /** The server's clock in Unix seconds (`stats` time). */
  public async time(): Promise<number> {
    return Number((await this.stats()).time);
  }

  /**
   * When `key` expires, in the server's Unix seconds (`lru_crawler metadump all`: an absolute time,
   * so how long a test takes to ask does not matter): -1 for never, `null` when absent.
   */
  public async expiresAt(key: string): Promise<number | null> {
    const reply = (await this.send('lru_crawler metadump all\r\n', untilEnd)).toString('utf8');
    for (const line of reply.split('\r\n')) {
      const match = /^key=(\S+) exp=(-?\d+) /.exec(line);
      if (match && decodeURIComponent(match[1]) === key) return Number(match[2]);
    }
    return null;
  }

  /** The value of `key` as the server holds it, or `null`. */
  public async get(key: string): Promise<string | null> {
    const reply = await this.send(`get ${key}\r\n`, valueReply);
    if (reply.toString('latin1') === 'END\r\n') return null;
    const header = reply.indexOf('\r\n');
    const length = Number(/ (\d+)$/.exec(reply.toString('latin1', 0, header))![1]);
    return reply.toString('utf8', header + 2, header + 2 + length);
  }

  /** The seconds `key` has left (`mg <key> t`): -1 for no expiry, `null` when absent. */
  public async ttl(key: string): Promise<number | null> {
    const line = (await this.send(`mg ${key} t\r\n`, oneLine)).toString('latin1').trim();
    if (line === 'EN') return null;
    const match = /^HD t(-?\d+)$/.exec(line);
    if (!match) throw new Error(`Memcached inspector: unexpected reply to mg from ${this.address}: ${line}`);
    return Number(match[1]);
  }

  /** Stores a value as another application (or an older version of this one) would. */
  public async set(key: string, value: string, exptimeSeconds: number): Promise<void> {
    const data = Buffer.from(value, 'utf8');
    const reply = await this.send(Buffer.concat([Buffer.from(`set ${key} 0 ${exptimeSeconds} ${data.length}\r\n`), data, Buffer.from('\r\n')]), oneLine);
    if (reply.toString('latin1') !== 'STORED\r\n') throw new Error(`Memcached inspector: set on ${this.address} answered ${reply.toString('latin1').trim()}`);
  }

  /** Empties the server. */
  public async flushAll(): Promise<void> {
    const reply = await this.send('flush_all\r\n', oneLine);
    if (reply.toString('latin1') !== 'OK\r\n') throw new Error(`Memcached inspector: flush_all on ${this.address} answered ${reply.toString('latin1').trim()}`);
  }

  public close(): void {
    this.socket.destroy();
  }

  private send(request: string | Buffer, complete: (buffer: Buffer) => number): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.waiter) return Promise.reject(new Error('Memcached inspector: one command at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`Memcached inspector: no reply from ${this.address} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        complete,
        resolve: (reply) => { clearTimeout(timer); resolve(reply); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      };
      this.socket.write(request);
      this.drain();
    });
  }

  private drain(): void {
    if (!this.waiter) return;
    const length = this.waiter.complete(this.buffer);
    if (length === 0) return;
    const reply = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter.resolve(reply);
  }
}

/** Reply framers: the length of the complete reply at the start of the buffer, or 0. */
function oneLine(buffer: Buffer): number {
  const end = buffer.indexOf('\r\n');
  return end === -1 ? 0 : end + 2;
}

function untilEnd(buffer: Buffer): number {
  const end = buffer.indexOf('END\r\n');
  return end === -1 ? 0 : end + 5;
}

function valueReply(buffer: Buffer): number {
  const first = oneLine(buffer);
  if (first === 0) return 0;
  const line = buffer.toString('latin1', 0, first - 2);
  if (line === 'END') return first;
  const match = /^VALUE \S+ \d+ (\d+)$/.exec(line);
  if (!match) throw new Error(`Memcached inspector: unexpected reply to get: ${line}`);
  const total = first + Number(match[1]) + 2 + 'END\r\n'.length;
  return buffer.length >= total ? total : 0;
}

/** A node as the configuration endpoint lists it. */
export interface ListedNode {
  readonly hostname: string;
  /** Empty in the list when absent, as ElastiCache does when a node has no private IP yet. */
  readonly ip?: string;
  readonly port: number;
}

/** What the configuration endpoint does instead of answering. */
export type DiscoveryFault =
  /** Send these bytes as the whole reply to each `config get cluster`. */
  | { readonly reply: string | Buffer }
  /** Accept the request and never answer. */
  | { readonly silent: true }
  /** Close the connection when the request arrives. */
  | { readonly hangUp: true };

/**
 * A stand-in for ElastiCache's discovery extension, and for nothing else: a loopback TLS server
 * that answers `config get cluster` with the node list it is given, in ElastiCache's format
 * (`CONFIG cluster 0 <bytes>`, the config version, `hostname|ip|port` entries, `END`), and
 * `ERROR` to every other command. Memcached itself has no such command; on ElastiCache the
 * configuration endpoint is a DNS name that points at one of the nodes, which answer it.
 *
 * All cache traffic goes to the real Memcached nodes that the list names; this server never sees
 * a key. `setNodes()` changes the list and bumps the version, as ElastiCache does when a node is
 * added or removed; `fault()` makes it misbehave, to test the client's errors.
 */
export class ConfigurationEndpointServer {
  /** Starts it on a free loopback port (the kernel picks the port at bind: no race). */
  public static async start(nodes: ReadonlyArray<ListedNode | MemcachedServer>, version = 1): Promise<ConfigurationEndpointServer> {
    const server = new ConfigurationEndpointServer(nodes, version);
    await server.listen();
    return server;
  }

  public readonly host: string = LOOPBACK;
  /** The CA certificate (PEM) that clients must trust. */
  public readonly caPem: string;
  /** `config get cluster` requests answered or faulted so far. */
  public requests = 0;
  private listedNodes: ListedNode[];
  private currentVersion: number;
  private currentFault?: DiscoveryFault;
  private readonly server: tls.Server;
  private readonly sockets = new Set<tls.TLSSocket>();

  private constructor(nodes: ReadonlyArray<ListedNode | MemcachedServer>, version: number) {
    const certificates = testCertificates();
    this.caPem = certificates.caPem;
    this.listedNodes = nodes.map(listed);
    this.currentVersion = version;
    this.server = tls.createServer({ cert: fs.readFileSync(certificates.certFile), key: fs.readFileSync(certificates.keyFile) },
      (socket) => this.serve(socket));
    // A server that a failed test forgot must not keep the test process alive.
    this.server.unref();
  }

  /** The port it listens on. */
  public get port(): number {
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('The configuration endpoint is not listening');
    return address.port;
  }

  /** `host:port`, as `MEMCACHED_CONFIG_ENDPOINT` would hold it. */
  public get endpoint(): string {
    return `${this.host}:${this.port}`;
  }

  public get version(): number {
    return this.currentVersion;
  }

  public get nodes(): ListedNode[] {
    return [...this.listedNodes];
  }

  /**
   * Lists other nodes. The version goes up by one, as on ElastiCache, unless `bumpVersion` is
   * false (to test that the client keeps its ring while the version stays).
   */
  public setNodes(nodes: ReadonlyArray<ListedNode | MemcachedServer>, options: { bumpVersion?: boolean } = {}): void {
    this.listedNodes = nodes.map(listed);
    if (options.bumpVersion ?? true) this.currentVersion++;
  }

  /** Misbehaves from now on; `undefined` answers normally again. */
  public fault(fault: DiscoveryFault | undefined): void {
    this.currentFault = fault;
  }

  /** The reply to `config get cluster` as it would be sent now. */
  public reply(): Buffer {
    const list = this.listedNodes.map((node) => `${node.hostname}|${node.ip ?? ''}|${node.port}`).join(' ');
    const data = `${this.currentVersion}\n${list}\n`;
    return Buffer.from(`CONFIG cluster 0 ${Buffer.byteLength(data)}\r\n${data}\r\nEND\r\n`);
  }

  public async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: LOOPBACK, port: 0 }, () => {
        this.server.removeListener('error', reject);
        resolve();
      });
    });
  }

  private serve(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      // Bounded: a line longer than a command is garbage.
      if (buffer.length > 4096) {
        socket.destroy();
        return;
      }
      for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line !== 'config get cluster') {
          socket.write('ERROR\r\n');
          continue;
        }
        this.requests++;
        const fault = this.currentFault;
        if (fault && 'silent' in fault) continue;
        if (fault && 'hangUp' in fault) {
          socket.destroy();
          return;
        }
        socket.write(fault ? fault.reply : this.reply());
      }
    });
  }
}

/** The state letter of a process (`R`, `S`, `T` for stopped, ...), from /proc/<pid>/stat. */
function processState(pid: number): string | undefined {
  try {
    // The command name in parentheses may contain spaces; the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

function listed(node: ListedNode | MemcachedServer): ListedNode {
  return node instanceof MemcachedServer ? node.clusterNode : { ...node };
}
