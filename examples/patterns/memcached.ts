/**
 * A Memcached client for ElastiCache: auto discovery through the configuration endpoint, a
 * ketama-style consistent-hash ring over the discovered nodes, TLS to every node, fail-fast
 * timeouts, and a `CacheStore` so that `CacheAside` and `WriteThrough` run over Memcached unchanged.
 *
 * It speaks the Memcached text protocol (`get`, `set`, `add`, `delete`) and ElastiCache's
 * `config get cluster` on `node:tls`, one connection per node with pipelined requests. See
 * "Memcached" in this folder's README for why it is not an npm client.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { CacheStore } from './cache-store';
import { describeError, jsonConsoleLogger, PatternLogger } from './logger';

/** Why a Memcached operation failed. */
export type MemcachedFailure =
  /** The configuration endpoint's reply is not a valid `config get cluster` reply. */
  | 'discovery'
  /** The node or endpoint could not be connected to, or the connection was lost. */
  | 'unavailable'
  /** The TLS handshake failed: untrusted certificate, wrong name, or TLS off at the server. */
  | 'tls'
  /** No connection or no reply within the timeout. */
  | 'timeout'
  /** The server sent something the protocol does not allow at that point. */
  | 'protocol'
  /** `SERVER_ERROR`: the server could not carry out the command (e.g. a value too large). */
  | 'server'
  /** The request was refused, by the server (`ERROR`, `CLIENT_ERROR`) or before sending (bad key, bad TTL). */
  | 'client'
  /** Too many requests in flight to one node. */
  | 'overloaded'
  /** The client was closed. */
  | 'closed';

/** A Memcached operation failed; `reason` says why, the message what to check. */
export class MemcachedError extends Error {
  constructor(
    public readonly reason: MemcachedFailure,
    /** The node or endpoint concerned (`host:port`), when there is one. */
    public readonly address: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MemcachedError';
  }
}

/** A `host:port` address. */
export interface MemcachedEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, e.g. the `MEMCACHED_CONFIG_ENDPOINT` that the example stack sets from
 * `ShardedMemcached.configurationEndpoint.socketAddress`.
 */
export function parseMemcachedEndpoint(text: string): MemcachedEndpoint {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new Error(`'${text}' is not a Memcached endpoint: expected host:port with a port from 1 to 65535, ` +
      'e.g. the configuration endpoint mycluster.abc123.cfg.use1.cache.amazonaws.com:11212.');
  }
  return { host: match[1], port };
}

/** One node of the cluster, as the configuration endpoint lists it. */
export interface ClusterNode {
  /** The node's DNS name: the name its TLS certificate is checked against. */
  readonly hostname: string;
  /** The node's private IP address, when ElastiCache lists one; connections go there. */
  readonly ip?: string;
  readonly port: number;
}

/** The reply to `config get cluster`. */
export interface ClusterConfig {
  /** Increases by one each time a node is added or removed. */
  readonly version: number;
  readonly nodes: readonly ClusterNode[];
}

const CRLF = Buffer.from('\r\n');
/** Reply lines are short (`VALUE <key> <flags> <bytes> <cas>` at most); a longer one is garbage. */
const MAX_LINE_BYTES = 8 * 1024;
const MAX_CONFIG_BYTES = 1024 * 1024;
/** ElastiCache's largest `max_item_size`, 128 MiB: a larger announced value is garbage. */
const MAX_VALUE_BYTES = 128 * 1024 * 1024;
/**
 * Expiry times up to 30 days are relative seconds; larger ones are taken as Unix times
 * (Memcached protocol.txt, "Expiration times").
 */
export const MAX_RELATIVE_EXPTIME_SECONDS = 60 * 60 * 24 * 30;
/** Keys are at most 250 bytes, without control characters or whitespace (protocol.txt, "Keys"). */
const MAX_KEY_BYTES = 250;

/**
 * Parses a complete reply to `config get cluster`, strictly, as the ElastiCache user guide
 * describes it ("Adding Auto Discovery to your Memcached client library", Output Format):
 *
 *   CONFIG cluster 0 <bytes>\r\n
 *   <config version>\n
 *   <hostname>|<ip address>|<port> <hostname>|<ip address>|<port> ...\n
 *   \r\n
 *   END\r\n
 *
 * `<bytes>` counts the two data lines with their line feeds, like the length of a `VALUE` block.
 * The IP address may be empty ("the pipe characters will still be printed"). The guide's own
 * sample announces 147 bytes for 136 bytes of data; real replies count exactly, and so does this
 * parser, since the count is what separates the data from the `END` line.
 *
 * @throws MemcachedError with reason `discovery` that says what is wrong with the reply
 */
export function parseClusterConfig(reply: string | Buffer): ClusterConfig {
  const buffer = typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply;
  const source = { label: 'a configuration endpoint' };
  const outcome = parseConfigReply(buffer, 0, source);
  if (!outcome) throw discoveryError(source, 'it ends before the END line (truncated)');
  if (outcome.error) throw outcome.error;
  if (outcome.end !== buffer.length) {
    throw discoveryError(source, `${buffer.length - outcome.end} unexpected bytes follow the END line`);
  }
  return outcome.value as ClusterConfig;
}

/**
 * The ring position of the cache key: the first four bytes of its MD5, little-endian, as in
 * ketama (last.fm's libketama, and libmemcached's ketama mode).
 */
function ketamaHash(text: string, group = 0): number {
  return createHash('md5').update(text).digest().readUInt32LE(group * 4);
}

/**
 * A consistent-hash ring (ketama): each node gets `pointsPerNode` points on a 32-bit circle, from
 * the MD5 of `<node id>-<n>` (four points per digest), and a key belongs to the first point at or
 * after its own hash. Adding a node to N takes about 1/(N+1) of the keys, all to the new node;
 * removing one moves only its keys. With modulo hashing most keys would move.
 *
 * The layout depends only on the node ids, not on their order, so every application instance
 * that sees the same node list maps keys the same way.
 */
export class HashRing {
  /** The node ids, sorted. */
  public readonly nodes: readonly string[];
  private readonly points: Uint32Array;
  private readonly owners: string[];

  /**
   * @param nodeIds the nodes, e.g. `host:port`; at least one, no duplicates
   * @param pointsPerNode a multiple of 4; ketama's 160 gives each of a few nodes its share within a few percent
   */
  constructor(nodeIds: readonly string[], pointsPerNode = 160) {
    if (nodeIds.length === 0) throw new Error('A hash ring needs at least one node.');
    if (new Set(nodeIds).size !== nodeIds.length) throw new Error(`The node ids of a hash ring must be unique: ${nodeIds.join(', ')}`);
    if (!Number.isInteger(pointsPerNode) || pointsPerNode < 4 || pointsPerNode % 4 !== 0) {
      throw new Error(`pointsPerNode must be a positive multiple of 4, got ${pointsPerNode}`);
    }
    const entries: Array<{ point: number; node: string }> = [];
    for (const node of nodeIds) {
      for (let digest = 0; digest < pointsPerNode / 4; digest++) {
        for (let group = 0; group < 4; group++) entries.push({ point: ketamaHash(`${node}-${digest}`, group), node });
      }
    }
    // Ties (two nodes on one point) are broken by id, so that the order of nodeIds never matters.
    entries.sort((a, b) => a.point - b.point || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    this.points = Uint32Array.from(entries, (entry) => entry.point);
    this.owners = entries.map((entry) => entry.node);
    this.nodes = [...nodeIds].sort();
  }

  /** The node that holds `key`. */
  public nodeFor(key: string): string {
    const hash = ketamaHash(key);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (this.points[middle] < hash) low = middle + 1;
      else high = middle;
    }
    return this.owners[low === this.points.length ? 0 : low];
  }
}

/**
 * The `exptime` of a `set` or `add` for a TTL in milliseconds: whole seconds, rounded up so that a
 * value never expires before its TTL. Beyond 30 days Memcached reads the number as a Unix time,
 * so longer TTLs are sent as one.
 */
export function memcachedExptime(ttlMs: number, nowMs: number = Date.now()): number {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs)) {
    throw new MemcachedError('client', undefined,
      `The TTL must be a positive, finite number of milliseconds, got ${ttlMs}: Memcached reads 0 as "never expires".`);
  }
  const seconds = Math.ceil(ttlMs / 1000);
  return seconds <= MAX_RELATIVE_EXPTIME_SECONDS ? seconds : Math.ceil(nowMs / 1000) + seconds;
}

/** How to reach an ElastiCache Memcached cluster. */
export interface MemcachedClientOptions {
  /** The configuration endpoint, `host:port` or parsed (`ShardedMemcached.configurationEndpoint`). */
  readonly configurationEndpoint: string | MemcachedEndpoint;
  /**
   * TLS to the configuration endpoint and to every node. `ShardedMemcached` turns in-transit
   * encryption on by default, and then the nodes accept nothing else.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * The CA certificate (PEM) to trust instead of the system's roots. ElastiCache's certificates
   * chain to Amazon's public roots, so leave this out on AWS; tests with a private CA set it.
   * @default - the system's trusted roots
   */
  readonly caCertificate?: string;
  /**
   * How long a TCP and TLS connection may take, to the endpoint or to a node.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a reply may take once the request is sent. A node that does not answer in time
   * fails the request; its connection is closed, since a late reply would be out of step.
   * @default 500
   */
  readonly requestTimeoutMs?: number;
  /**
   * How often to ask the configuration endpoint for the node list again, so that added and
   * replaced nodes are used without a restart. The timer does not keep the process alive. 0 turns
   * the periodic refresh off (`refresh()` still works).
   * @default 60000
   */
  readonly refreshIntervalMs?: number;
  /**
   * After a failed connection to a node, requests for its keys fail at once for this long instead
   * of each waiting to connect: a node that is down costs one connection attempt per period, not
   * one per request.
   * @default 1000
   */
  readonly retryDelayMs?: number;
  /**
   * The most requests in flight on one node; more fail at once (`overloaded`) instead of queueing.
   * @default 1000
   */
  readonly maxPendingPerNode?: number;
  /** @default 160 (ketama) */
  readonly pointsPerNode?: number;
  /** Where failed background refreshes are reported. @default jsonConsoleLogger */
  readonly logger?: PatternLogger;
}

/** Counters of a `MemcachedClient`, since it was created. */
export interface MemcachedClientStats {
  /** The config version the ring was built from. */
  readonly configVersion: number;
  /** Nodes in the ring. */
  readonly nodes: number;
  /** Successful reads of the node list. */
  readonly refreshes: number;
  /** Times the ring was built: the first time, and each time the config version changed. */
  readonly ringRebuilds: number;
  /** Failed reads of the node list; the ring in use was kept. */
  readonly discoveryErrors: number;
}

/**
 * A Memcached client for an ElastiCache cluster, found through its configuration endpoint.
 *
 * - Discovery: `connect()` reads the node list with `config get cluster` and fails with a clear
 *   `MemcachedError` when it cannot. The list is read again every `refreshIntervalMs`; the ring is
 *   rebuilt only when the config version changes (a node of the ring listed with a new address,
 *   as a replaced node can be, is reconnected there without a rebuild). A failed refresh keeps
 *   the ring in use.
 * - Placement: each key lives on one node, chosen by consistent hashing (`HashRing`). Keys of a
 *   node that is down are not moved elsewhere: their requests fail, so that the caller reads its
 *   database, and nothing is written to a node that will not be asked for the key again once the
 *   node is back.
 * - Failures are fast: connections and replies have timeouts, a node that refused a connection
 *   fails its requests at once for `retryDelayMs`, and each node has a bounded number of requests
 *   in flight.
 *
 * @example
 * const client = await MemcachedClient.connect({ configurationEndpoint: process.env.MEMCACHED_CONFIG_ENDPOINT! });
 * const products = new CacheAside<Product>({ store: memcachedCacheStore(client), keyPrefix: 'product:', ttlSeconds: 300 });
 */
export class MemcachedClient {
  /** Connects to the configuration endpoint, reads the node list and starts the periodic refresh. */
  public static async connect(options: MemcachedClientOptions): Promise<MemcachedClient> {
    const client = new MemcachedClient(options);
    await client.refresh();
    client.startRefreshTimer();
    return client;
  }

  private readonly endpoint: MemcachedEndpoint;
  private readonly settings: ConnectionSettings;
  private readonly requestTimeoutMs: number;
  private readonly refreshIntervalMs: number;
  private readonly pointsPerNode: number;
  private readonly logger: PatternLogger;
  private readonly pools = new Map<string, NodePool>();
  private config?: ClusterConfig;
  private ring?: HashRing;
  private refreshing?: Promise<boolean>;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly counters = { refreshes: 0, ringRebuilds: 0, discoveryErrors: 0 };

  private constructor(options: MemcachedClientOptions) {
    this.endpoint = typeof options.configurationEndpoint === 'string'
      ? parseMemcachedEndpoint(options.configurationEndpoint)
      : options.configurationEndpoint;
    const positive = (name: string, value: number | undefined, fallback: number, allowZero = false): number => {
      const resolved = value ?? fallback;
      if (!Number.isFinite(resolved) || resolved < 0 || (!allowZero && resolved === 0)) {
        throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
      }
      return resolved;
    };
    this.settings = {
      tls: options.tls ?? true,
      caCertificate: options.caCertificate,
      connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 1000),
      retryDelayMs: positive('retryDelayMs', options.retryDelayMs, 1000, true),
      maxPending: positive('maxPendingPerNode', options.maxPendingPerNode, 1000),
    };
    this.requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs, 500);
    this.refreshIntervalMs = positive('refreshIntervalMs', options.refreshIntervalMs, 60_000, true);
    this.pointsPerNode = options.pointsPerNode ?? 160;
    this.logger = options.logger ?? jsonConsoleLogger;
  }

  /** The config version the ring in use was built from. */
  public get configVersion(): number {
    return this.config?.version ?? -1;
  }

  /** The nodes in the ring, as the configuration endpoint listed them. */
  public nodes(): ClusterNode[] {
    return [...(this.config?.nodes ?? [])];
  }

  /** The node that holds `key`. */
  public nodeFor(key: string): ClusterNode {
    return this.poolFor(key).node;
  }

  /** The value of `key`, or `null` when it is absent or expired. */
  public async get(key: string): Promise<string | null> {
    const keyBytes = encodeKey(key);
    const payload = Buffer.concat([Buffer.from('get '), keyBytes, CRLF]);
    const value = await this.send(key, payload, { kind: 'value', key: keyBytes, command: 'get' });
    return value === null ? null : (value as Buffer).toString('utf8');
  }

  /** Stores the value with a TTL in milliseconds (rounded up to whole seconds). */
  public set(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.store('set', key, value, ttlMs);
  }

  /** Stores the value only if the key is absent; `false` when it exists. */
  public add(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.store('add', key, value, ttlMs);
  }

  /** Removes the key; `false` when it was absent. */
  public async delete(key: string): Promise<boolean> {
    const keyBytes = encodeKey(key);
    const payload = Buffer.concat([Buffer.from('delete '), keyBytes, CRLF]);
    return await this.send(key, payload, { kind: 'deleted', command: 'delete' }) as boolean;
  }

  /**
   * Reads the node list from the configuration endpoint now, and rebuilds the ring if the config
   * version changed. Returns whether it did. Concurrent calls share one read.
   */
  public refresh(): Promise<boolean> {
    if (this.closed) return Promise.reject(closedError());
    this.refreshing ??= this.discover().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  public stats(): MemcachedClientStats {
    return { ...this.counters, configVersion: this.configVersion, nodes: this.config?.nodes.length ?? 0 };
  }

  /** Stops the refresh and closes every connection; requests in flight fail with reason `closed`. */
  public close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private startRefreshTimer(): void {
    if (this.refreshIntervalMs === 0 || this.closed) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error) => {
        if (this.closed) return;
        this.logger.warn('memcached.discovery-failed', {
          endpoint: `${this.endpoint.host}:${this.endpoint.port}`,
          configVersion: this.configVersion,
          error: describeError(error),
        });
      });
    }, this.refreshIntervalMs);
    // A cache client must not keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private async discover(): Promise<boolean> {
    const address = `${this.endpoint.host}:${this.endpoint.port}`;
    let config: ClusterConfig;
    try {
      const connection = await NodeConnection.open({
        host: this.endpoint.host,
        port: this.endpoint.port,
        servername: this.endpoint.host,
        address,
        label: `the configuration endpoint ${address}`,
      }, this.settings);
      try {
        config = await connection.request(Buffer.from('config get cluster\r\n'), { kind: 'config', command: 'config get cluster' },
          this.requestTimeoutMs) as ClusterConfig;
      } finally {
        connection.destroy();
      }
    } catch (error) {
      this.counters.discoveryErrors++;
      throw error;
    }
    if (this.closed) throw closedError();
    this.counters.refreshes++;
    return this.apply(config);
  }

  private apply(config: ClusterConfig): boolean {
    if (this.config && this.config.version === config.version) {
      this.followAddresses(config);
      return false;
    }
    const ring = new HashRing(config.nodes.map(nodeId), this.pointsPerNode);
    const next = new Map<string, NodePool>();
    for (const node of config.nodes) {
      const id = nodeId(node);
      const current = this.pools.get(id);
      // A replaced node keeps its name and may get a new address: connect to the new one.
      next.set(id, current && current.node.ip === node.ip ? current : new NodePool(node, this.settings));
    }
    for (const [id, pool] of this.pools) {
      if (next.get(id) !== pool) pool.retire();
    }
    this.pools.clear();
    for (const [id, pool] of next) this.pools.set(id, pool);
    this.ring = ring;
    this.config = { version: config.version, nodes: [...config.nodes] };
    this.counters.ringRebuilds++;
    return true;
  }

  /**
   * Same version, same ring: but a node of the ring that is listed with another address (a
   * replaced node keeps its name) gets a new connection there. Nodes the ring does not have wait
   * for the next version.
   */
  private followAddresses(config: ClusterConfig): void {
    const listed = new Map(config.nodes.map((node) => [nodeId(node), node]));
    let changed = false;
    for (const [id, pool] of this.pools) {
      const node = listed.get(id);
      if (!node || node.ip === pool.node.ip) continue;
      pool.retire();
      this.pools.set(id, new NodePool(node, this.settings));
      changed = true;
    }
    if (changed) this.config = { version: this.config!.version, nodes: this.config!.nodes.map((node) => this.pools.get(nodeId(node))!.node) };
  }

  private poolFor(key: string): NodePool {
    if (this.closed) throw closedError();
    return this.pools.get(this.ring!.nodeFor(key))!;
  }

  private async store(command: 'set' | 'add', key: string, value: string, ttlMs: number): Promise<boolean> {
    const keyBytes = encodeKey(key);
    const data = Buffer.from(value, 'utf8');
    const header = Buffer.from(` 0 ${memcachedExptime(ttlMs)} ${data.length}\r\n`);
    const payload = Buffer.concat([Buffer.from(`${command} `), keyBytes, header, data, CRLF]);
    return await this.send(key, payload, { kind: 'stored', command }) as boolean;
  }

  private async send(key: string, payload: Buffer, reply: ReplySpec): Promise<unknown> {
    const connection = await this.poolFor(key).connection();
    return connection.request(payload, reply, this.requestTimeoutMs);
  }
}

/**
 * A `CacheStore` over a `MemcachedClient`, for `CacheAside` and `WriteThrough`: `onlyIfAbsent`
 * is `add`, the TTL becomes whole seconds (rounded up).
 */
export function memcachedCacheStore(client: Pick<MemcachedClient, 'get' | 'set' | 'add' | 'delete'>): CacheStore {
  return {
    get: (key) => client.get(key),
    set: (key, value, options) => (options.onlyIfAbsent ? client.add(key, value, options.ttlMs) : client.set(key, value, options.ttlMs)),
    async delete(key) {
      await client.delete(key);
    },
  };
}

function nodeId(node: ClusterNode): string {
  return `${node.hostname}:${node.port}`;
}

function closedError(): MemcachedError {
  return new MemcachedError('closed', undefined, 'The Memcached client was closed.');
}

function encodeKey(key: string): Buffer {
  const bytes = Buffer.from(key, 'utf8');
  // eslint-disable-next-line no-control-regex
  if (bytes.length === 0 || bytes.length > MAX_KEY_BYTES || /[\x00-\x20\x7f]/.test(key)) {
    throw new MemcachedError('client', undefined,
      `Memcached keys are 1 to ${MAX_KEY_BYTES} bytes without spaces or control characters; this one has ${bytes.length} bytes` +
      `${bytes.length > 0 && bytes.length <= MAX_KEY_BYTES ? ' and a space or control character' : ''}. Shorten or hash long keys.`);
  }
  return bytes;
}

/** What the connection needs to know to open a socket. */
interface ConnectionSettings {
  readonly tls: boolean;
  readonly caCertificate?: string;
  readonly connectTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly maxPending: number;
}

/** Who a reply comes from, for messages: `label` is a noun phrase such as "the node host:port". */
interface Source {
  readonly label: string;
  readonly address?: string;
}

interface ConnectionTarget extends Source {
  /** Where to connect: an IP address or a DNS name. */
  readonly host: string;
  readonly port: number;
  /** The name to check the certificate against (and send as SNI); IP addresses are checked as such. */
  readonly servername: string;
  readonly address: string;
}

/** One node's connection: opened on first use, reopened after a failure, but not sooner than `retryDelayMs`. */
class NodePool {
  private current?: NodeConnection;
  private opening?: Promise<NodeConnection>;
  private downUntil = 0;
  private lastFailure?: MemcachedError;
  private closedBy?: () => MemcachedError;
  private readonly target: ConnectionTarget;

  constructor(public readonly node: ClusterNode, private readonly settings: ConnectionSettings) {
    const address = nodeId(node);
    this.target = { host: node.ip ?? node.hostname, port: node.port, servername: node.hostname, address, label: `the node ${address}` };
  }

  public connection(): Promise<NodeConnection> {
    if (this.closedBy) return Promise.reject(this.closedBy());
    if (this.current?.usable) return Promise.resolve(this.current);
    if (this.opening) return this.opening;
    if (Date.now() < this.downUntil && this.lastFailure) {
      return Promise.reject(new MemcachedError('unavailable', this.target.address,
        `${capital(this.target.label)} is skipped for up to ${this.settings.retryDelayMs} ms after a failed connection: ` +
        this.lastFailure.message, { cause: this.lastFailure }));
    }
    this.opening = NodeConnection.open(this.target, this.settings).then((connection) => {
      if (this.closedBy) {
        connection.destroy();
        throw this.closedBy();
      }
      this.current = connection;
      return connection;
    }, (error: MemcachedError) => {
      this.downUntil = Date.now() + this.settings.retryDelayMs;
      this.lastFailure = error;
      throw error;
    }).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** The node left the ring or moved to another address: requests in flight finish, then the connection closes. */
  public retire(): void {
    this.closedBy = () => new MemcachedError('unavailable', this.target.address,
      `${capital(this.target.label)} at ${this.target.host} left the cluster's node list or moved; retry the request.`);
    this.current?.endWhenIdle();
  }

  public close(): void {
    this.closedBy = closedError;
    this.current?.destroy(closedError());
  }
}

type ReplySpec =
  | { readonly kind: 'value'; readonly key: Buffer; readonly command: string }
  | { readonly kind: 'stored'; readonly command: string }
  | { readonly kind: 'deleted'; readonly command: string }
  | { readonly kind: 'config'; readonly command: string };

/** A complete reply: its value or the error the server answered with, and where it ends. */
interface ReplyOutcome {
  readonly end: number;
  readonly value?: unknown;
  readonly error?: MemcachedError;
  /** After `ERROR` or `CLIENT_ERROR` the server may read the rest of the request as a new one. */
  readonly fatal?: boolean;
}

interface Pending {
  readonly reply: ReplySpec;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: MemcachedError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One TLS (or TCP) connection with pipelined requests: Memcached answers the requests of a
 * connection in the order they were sent, so replies are matched to a FIFO of pending requests.
 * Anything out of step (a reply nobody asked for, a malformed line, a timeout) closes the
 * connection and fails every request on it, rather than risk handing one key's value to another
 * request.
 */
class NodeConnection {
  public static open(target: ConnectionTarget, settings: ConnectionSettings): Promise<NodeConnection> {
    return new Promise((resolve, reject) => {
      const socket: net.Socket = settings.tls
        ? tls.connect({
          host: target.host,
          port: target.port,
          // SNI takes names only (RFC 6066 section 3); an IP address is checked against the certificate's IP entries.
          servername: net.isIP(target.servername) ? undefined : target.servername,
          // Connections go to the listed IP address, but the certificate is for the node's name.
          checkServerIdentity: (_host, certificate) => tls.checkServerIdentity(target.servername, certificate),
          ca: settings.caCertificate,
          minVersion: 'TLSv1.2',
        })
        : net.connect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MemcachedError('timeout', target.address,
          `No ${settings.tls ? 'TLS ' : ''}connection to ${target.label} within ${settings.connectTimeoutMs} ms. Check the address, ` +
          "that the cache's security group admits this application, and that the node is up."));
      }, settings.connectTimeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(explainConnectError(error, target, settings));
      };
      socket.once('error', onError);
      socket.once(settings.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new NodeConnection(socket, target, settings.maxPending));
      });
    });
  }

  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private failure?: MemcachedError;
  private ending = false;

  private constructor(private readonly socket: net.Socket, private readonly source: ConnectionTarget, private readonly maxPending: number) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    // Only a connection with requests in flight keeps the process alive (see request()).
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.destroy(new MemcachedError('unavailable', source.address,
      `The connection to ${source.label} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.destroy(new MemcachedError('unavailable', source.address,
      `${capital(source.label)} closed the connection${this.pending.length > 0 ? ` with ${this.pending.length} request(s) unanswered` : ''}.`)));
  }

  /** Whether new requests may be sent on it. */
  public get usable(): boolean {
    return this.failure === undefined && !this.ending;
  }

  public request(payload: Buffer, reply: ReplySpec, timeoutMs: number): Promise<unknown> {
    if (!this.usable) {
      return Promise.reject(this.failure ?? new MemcachedError('unavailable', this.source.address,
        `The connection to ${this.source.label} is closing; retry the request.`));
    }
    if (this.pending.length >= this.maxPending) {
      return Promise.reject(new MemcachedError('overloaded', this.source.address,
        `${this.pending.length} requests are already in flight to ${this.source.label} (maxPendingPerNode); this one was not sent.`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.destroy(new MemcachedError('timeout', this.source.address,
        `No reply from ${this.source.label} to ${reply.command} within ${timeoutMs} ms: the node may be overloaded or unreachable. ` +
        'The connection was closed; the next request opens a new one.')), timeoutMs);
      this.pending.push({ reply, resolve, reject, timer });
      if (this.pending.length === 1) this.socket.ref();
      this.socket.write(payload);
    });
  }

  /** Closes after the requests in flight are answered. */
  public endWhenIdle(): void {
    this.ending = true;
    if (this.pending.length === 0) this.socket.end();
  }

  /** Closes at once; requests in flight fail with `error`. Idempotent. */
  public destroy(error?: MemcachedError): void {
    if (this.failure) return;
    this.failure = error ?? new MemcachedError('closed', this.source.address, `The connection to ${this.source.label} was closed.`);
    this.socket.destroy();
    for (const waiter of this.pending.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
  }

  private receive(chunk: Buffer): void {
    if (this.failure) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    try {
      while (this.pending.length > 0) {
        const outcome = parseReply(this.pending[0].reply, this.buffer, offset, this.source);
        if (!outcome) break;
        offset = outcome.end;
        const waiter = this.pending.shift()!;
        clearTimeout(waiter.timer);
        if (!outcome.error) {
          waiter.resolve(outcome.value);
          continue;
        }
        waiter.reject(outcome.error);
        if (outcome.fatal) {
          this.destroy(new MemcachedError('protocol', this.source.address,
            `The connection to ${this.source.label} was closed after the server refused a request (${outcome.error.message}), ` +
            'since the server may read the rest of that request as another one. Retry the request.'));
          return;
        }
      }
      if (this.pending.length === 0 && offset < this.buffer.length) {
        throw new MemcachedError('protocol', this.source.address,
          `${capital(this.source.label)} sent ${this.buffer.length - offset} bytes that no request asked for.`);
      }
    } catch (error) {
      this.destroy(error instanceof MemcachedError
        ? error
        : new MemcachedError('protocol', this.source.address, describeError(error), { cause: error }));
      return;
    }
    this.buffer = this.buffer.subarray(offset);
    if (this.pending.length === 0) {
      this.socket.unref();
      if (this.ending) this.socket.end();
    }
  }
}

function explainConnectError(error: Error, target: ConnectionTarget, settings: ConnectionSettings): MemcachedError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const detail = `${code ? `${code}: ` : ''}${error.message}`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/i.test(code)) {
    const trust = settings.caCertificate
      ? 'Check that caCertificate is the CA that signed it'
      : "ElastiCache's certificates chain to Amazon's public roots: check the system's CA store";
    return new MemcachedError('tls', target.address,
      `The TLS certificate of ${target.label} was not accepted (${detail}). ${trust}, and that the certificate is for ${target.servername}.`,
      { cause: error });
  }
  if (/EPROTO|ERR_SSL|wrong version number|handshake/i.test(detail)) {
    return new MemcachedError('tls', target.address,
      `The TLS handshake with ${target.label} failed (${detail}). Check that in-transit encryption is on for the cluster ` +
      '(ShardedMemcached transitEncryption, on by default), or set tls: false for a cluster without it.', { cause: error });
  }
  return new MemcachedError('unavailable', target.address,
    `Could not connect to ${target.label} (${detail}). Check the address, that the node is up, and that the cache's ` +
    'security group admits this application on the cache port.', { cause: error });
}

function capital(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

function parseReply(spec: ReplySpec, buffer: Buffer, start: number, source: Source): ReplyOutcome | undefined {
  switch (spec.kind) {
    case 'config':
      return parseConfigReply(buffer, start, source);
    case 'value':
      return parseValueReply(spec.key, buffer, start, source);
    case 'stored':
      return parseStatusReply(buffer, start, source, spec.command, { STORED: true, NOT_STORED: false });
    case 'deleted':
      return parseStatusReply(buffer, start, source, spec.command, { DELETED: true, NOT_FOUND: false });
  }
}

interface Line {
  readonly text: string;
  readonly end: number;
}

/** The CRLF-terminated line at `start`, or undefined until it is complete. */
function readLine(buffer: Buffer, start: number, source: Source, reason: MemcachedFailure): Line | undefined {
  const end = buffer.indexOf(CRLF, start);
  if ((end === -1 ? buffer.length : end) - start > MAX_LINE_BYTES) {
    throw new MemcachedError(reason, source.address,
      `${capital(source.label)} sent a reply line longer than ${MAX_LINE_BYTES} bytes: that is not a Memcached reply.`);
  }
  return end === -1 ? undefined : { text: buffer.toString('utf8', start, end), end: end + CRLF.length };
}

/** A data block of `length` bytes and its CRLF, or undefined until it is complete. */
function readBlock(buffer: Buffer, start: number, length: number, misframed: () => MemcachedError): { data: Buffer; end: number } | undefined {
  const end = start + length;
  if (buffer.length < end + CRLF.length) return undefined;
  if (buffer[end] !== CRLF[0] || buffer[end + 1] !== CRLF[1]) throw misframed();
  return { data: buffer.subarray(start, end), end: end + CRLF.length };
}

/** The generic error replies (protocol.txt, "Error strings"), or undefined for any other line. */
function errorReply(line: Line, source: Source, command: string): ReplyOutcome | undefined {
  const from = capital(source.label);
  if (line.text === 'ERROR') {
    if (command === 'config get cluster') {
      return {
        end: line.end,
        fatal: true,
        error: new MemcachedError('discovery', source.address,
          `${from} answered ERROR to config get cluster: it is not an ElastiCache configuration endpoint (plain Memcached, and ` +
          "ElastiCache before 1.4.14, do not know the command). Give the cluster's configuration endpoint " +
          '(ShardedMemcached.configurationEndpoint, whose name contains .cfg.).'),
      };
    }
    return { end: line.end, fatal: true, error: new MemcachedError('client', source.address, `${from} answered ERROR (unknown command) to ${command}.`) };
  }
  if (line.text.startsWith('CLIENT_ERROR')) {
    return { end: line.end, fatal: true, error: new MemcachedError('client', source.address, `${from} refused ${command}: ${line.text}`) };
  }
  if (line.text.startsWith('SERVER_ERROR')) {
    return { end: line.end, error: new MemcachedError('server', source.address, `${from} could not carry out ${command}: ${line.text}`) };
  }
  return undefined;
}

function parseStatusReply(
  buffer: Buffer, start: number, source: Source, command: string, answers: Record<string, boolean>,
): ReplyOutcome | undefined {
  const line = readLine(buffer, start, source, 'protocol');
  if (!line) return undefined;
  if (Object.prototype.hasOwnProperty.call(answers, line.text)) return { end: line.end, value: answers[line.text] };
  const failure = errorReply(line, source, command);
  if (failure) return failure;
  throw new MemcachedError('protocol', source.address,
    `${capital(source.label)} answered ${command} with ${clip(line.text)}, expected ${Object.keys(answers).join(' or ')}.`);
}

function parseValueReply(key: Buffer, buffer: Buffer, start: number, source: Source): ReplyOutcome | undefined {
  const from = capital(source.label);
  const first = readLine(buffer, start, source, 'protocol');
  if (!first) return undefined;
  if (first.text === 'END') return { end: first.end, value: null };
  const failure = errorReply(first, source, 'get');
  if (failure) return failure;
  const match = /^VALUE (\S+) (\d+) (\d+)(?: \d+)?$/.exec(first.text);
  if (!match) throw new MemcachedError('protocol', source.address, `${from} answered get with ${clip(first.text)}, expected VALUE or END.`);
  if (!Buffer.from(match[1], 'utf8').equals(key)) {
    throw new MemcachedError('protocol', source.address, `${from} answered get with the value of another key: replies are out of step.`);
  }
  const length = Number(match[3]);
  if (length > MAX_VALUE_BYTES) {
    throw new MemcachedError('protocol', source.address, `${from} announced a ${length}-byte value, more than any node allows.`);
  }
  const block = readBlock(buffer, first.end, length, () => new MemcachedError('protocol', source.address,
    `${from} sent a value that is not ${length} bytes long as announced.`));
  if (!block) return undefined;
  const last = readLine(buffer, block.end, source, 'protocol');
  if (!last) return undefined;
  if (last.text !== 'END') throw new MemcachedError('protocol', source.address, `${from} sent ${clip(last.text)} after a value, expected END.`);
  return { end: last.end, value: block.data };
}

function discoveryError(source: Source, detail: string): MemcachedError {
  return new MemcachedError('discovery', source.address, `Invalid reply to config get cluster from ${source.label}: ${detail}.`);
}

function parseConfigReply(buffer: Buffer, start: number, source: Source): ReplyOutcome | undefined {
  const header = readLine(buffer, start, source, 'discovery');
  if (!header) return undefined;
  const failure = errorReply(header, source, 'config get cluster');
  if (failure) return failure;
  const match = /^CONFIG cluster (\d+) (\d+)$/.exec(header.text);
  if (!match) throw discoveryError(source, `it starts with ${clip(header.text)} instead of "CONFIG cluster <flags> <bytes>"`);
  const length = Number(match[2]);
  if (length > MAX_CONFIG_BYTES) throw discoveryError(source, `it announces ${length} bytes of data, more than a node list takes`);
  const block = readBlock(buffer, header.end, length, () => discoveryError(source,
    `the ${length} bytes that the header announces are not followed by CRLF: the byte count does not match the data`));
  if (!block) return undefined;
  const end = readLine(buffer, block.end, source, 'discovery');
  if (!end) return undefined;
  if (end.text !== 'END') throw discoveryError(source, `the data is followed by ${clip(end.text)} instead of END`);
  return { end: end.end, value: parseClusterData(block.data, source) };
}

/** The data lines: `<version>\n<hostname>|<ip>|<port> ...\n`. */
function parseClusterData(data: Buffer, source: Source): ClusterConfig {
  const text = data.toString('latin1');
  // eslint-disable-next-line no-control-regex
  if (/[^\x20-\x7e\n]/.test(text)) throw discoveryError(source, 'the data holds bytes other than printable ASCII and line feeds');
  if (!text.endsWith('\n')) throw discoveryError(source, 'the node list does not end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 2) {
    throw discoveryError(source, `the data has ${lines.length} line(s), expected 2: the config version, then the node list`);
  }
  const [versionText, nodeList] = lines;
  if (!/^\d{1,15}$/.test(versionText)) throw discoveryError(source, `the config version ${clip(versionText)} is not a whole number`);
  if (nodeList.length === 0) throw discoveryError(source, 'the node list is empty');
  const nodes: ClusterNode[] = [];
  const seen = new Set<string>();
  for (const entry of nodeList.split(' ')) {
    const fields = entry.split('|');
    if (fields.length !== 3) {
      throw discoveryError(source,
        `the node entry ${clip(entry)} is not hostname|ip-address|port (entries are separated by one space)`);
    }
    const [hostname, ip, portText] = fields;
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(hostname)) {
      throw discoveryError(source, `the node entry ${clip(entry)} has no valid host name`);
    }
    if (ip !== '' && net.isIP(ip) === 0) throw discoveryError(source, `the node entry ${clip(entry)} has an invalid IP address`);
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw discoveryError(source, `the node entry ${clip(entry)} has no port from 1 to 65535`);
    const node: ClusterNode = ip === '' ? { hostname, port } : { hostname, ip, port };
    if (seen.has(nodeId(node))) throw discoveryError(source, `the node ${nodeId(node)} is listed twice`);
    seen.add(nodeId(node));
    nodes.push(node);
  }
  return { version: Number(versionText), nodes };
}
