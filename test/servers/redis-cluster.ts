import { randomBytes } from 'node:crypto';
import { LOOPBACK } from './ports';
import { RedisServer } from './redis';
import { RespReply } from './resp';

/** How to start a Redis Cluster. */
export interface RedisClusterOptions {
  /** @default 'redis cluster' */
  readonly name?: string;
  /**
   * The AUTH token of every node (`requirepass`, and `masterauth` for replication).
   * @default - a random token
   */
  readonly password?: string;
  /**
   * Shards, each a primary with one replica. At least 3: a replica is promoted by the votes of a
   * majority of the primaries, which one lost primary out of 2 would break.
   * @default 3
   */
  readonly shards?: number;
  /**
   * `cluster-node-timeout`: how long a primary may not answer before the others mark it failed and
   * its replica takes over. Redis' default is 15 s; a failover here takes about twice this.
   * @default 1500
   */
  readonly nodeTimeoutMs?: number;
}

/** A shard as its live nodes report it: the primary serving its slots and the replicas following it. */
export interface ClusterShard {
  readonly primary: RedisServer;
  readonly replicas: RedisServer[];
  /** Inclusive slot ranges. */
  readonly slots: Array<readonly [number, number]>;
}

/** A primary that `killPrimaryOf` killed, for `waitForFailover`. */
export interface KilledPrimary {
  readonly node: RedisServer;
  /** The replica that is expected to take over (the shard's only one). */
  readonly replica: RedisServer;
  /** The slot of the key the primary was chosen by. */
  readonly slot: number;
  /** The slots of the killed primary's shard (inclusive ranges). */
  readonly slots: Array<readonly [number, number]>;
}

/** One line of `CLUSTER NODES`. */
interface NodeEntry {
  readonly id: string;
  readonly flags: string[];
  readonly primaryId?: string;
  readonly slots: Array<readonly [number, number]>;
}

/** What one node reports about the cluster and itself. */
interface NodeView {
  readonly server: RedisServer;
  readonly info: Record<string, string>;
  readonly replication: Record<string, string>;
  readonly entries: NodeEntry[];
  readonly myself: NodeEntry;
}

const SLOTS = 16_384;
const POLL_MS = 100;

/**
 * A Redis Cluster on loopback, like an ElastiCache replication group with cluster mode on and
 * Multi-AZ: `shards` shards of a primary and one replica, every node a `RedisServer` (Debian
 * `redis-server` 7.x, TLS only, the same password), with the cluster bus and replication over TLS.
 *
 * The cluster is formed with the commands `redis-cli --cluster create` sends (SET-CONFIG-EPOCH,
 * ADDSLOTSRANGE, MEET, REPLICATE), over `RespClient`, so that every wait is the harness's own
 * and bounded. The topology is always read from the live nodes, never remembered: after a
 * failover the roles have changed.
 */
export class RedisCluster {
  /** Starts the nodes, forms the cluster and waits until it is ok with every replica in sync. */
  public static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const shards = options.shards ?? 3;
    if (!Number.isInteger(shards) || shards < 3) {
      throw new Error(`A cluster needs at least 3 shards to fail over (a majority of primaries votes), got ${shards}`);
    }
    const name = options.name ?? 'redis cluster';
    const password = options.password ?? randomBytes(24).toString('base64url');
    const nodeTimeoutMs = options.nodeTimeoutMs ?? 1500;
    const started = await Promise.allSettled(Array.from({ length: shards * 2 }, (_, index) =>
      RedisServer.start({ name: `${name} node ${index + 1}`, password, clusterNodeTimeoutMs: nodeTimeoutMs })));
    const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    const cluster = new RedisCluster(name, nodes, password, nodeTimeoutMs);
    try {
      if (failed) throw failed.reason;
      await cluster.form(shards);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Every node, in start order (the first `shards` were created as primaries), running or not. */
  public readonly nodes: readonly RedisServer[];
  public readonly password: string;
  public readonly caPem: string;
  public readonly name: string;
  private readonly nodeTimeoutMs: number;
  private readonly ids = new Map<RedisServer, string>();

  private constructor(name: string, nodes: RedisServer[], password: string, nodeTimeoutMs: number) {
    this.name = name;
    this.nodes = nodes;
    this.password = password;
    this.nodeTimeoutMs = nodeTimeoutMs;
    this.caPem = nodes[0]?.caPem ?? '';
  }

  /** The host of the entry node, as the configuration endpoint of a cluster-mode-on cache. */
  public get host(): string {
    return this.entryNode().host;
  }

  /** The port of the entry node: the first that is running. */
  public get port(): number {
    return this.entryNode().port;
  }

  /** The node's cluster id (`CLUSTER MYID`). */
  public nodeId(node: RedisServer): string {
    const id = this.ids.get(node);
    if (id === undefined) throw new Error(`${node.name} is not a node of ${this.name}`);
    return id;
  }

  /** The hash slot of a key (`CLUSTER KEYSLOT`). */
  public async slotOf(key: string): Promise<number> {
    return Number(await this.entryNode().command('CLUSTER', 'KEYSLOT', key));
  }

  /**
   * The shards as the live nodes report them: a primary is a node that says it is a primary with
   * slots, a replica one that says it follows that primary. Throws while a slot has no live primary.
   */
  public async shards(): Promise<ClusterShard[]> {
    const views = await this.liveViews();
    const shards = views
      .filter((view) => view.myself.flags.includes('master') && view.myself.slots.length > 0)
      .map((view) => ({
        primary: view.server,
        replicas: views.filter((other) => other.myself.primaryId === view.myself.id).map((other) => other.server),
        slots: view.myself.slots,
      }));
    const covered = shards.reduce((sum, shard) => sum + shard.slots.reduce((count, [from, to]) => count + to - from + 1, 0), 0);
    if (covered !== SLOTS) {
      throw new Error(`${this.name}: the live primaries serve ${covered} of ${SLOTS} slots (a failover in progress?)`);
    }
    return shards;
  }

  /** The shard that holds `key`. */
  public async shardOf(key: string): Promise<ClusterShard> {
    return this.shardOfSlot(await this.slotOf(key));
  }

  /** The live primary that serves `key`'s slot. */
  public async primaryOf(key: string): Promise<RedisServer> {
    return (await this.shardOf(key)).primary;
  }

  /**
   * Runs a read command on a replica, to see what it holds: a cluster replica redirects reads to the
   * primary (MOVED) unless the connection has sent READONLY.
   */
  public async replicaCommand(replica: RedisServer, ...args: Array<string | number>): Promise<RespReply> {
    const client = await replica.connect();
    try {
      await client.command('READONLY');
      return await client.command(...args);
    } finally {
      client.close();
    }
  }

  /** Kills the primary of `key`'s shard with SIGKILL, as a crash would, and returns it with its replica. */
  public async killPrimaryOf(key: string): Promise<KilledPrimary> {
    const slot = await this.slotOf(key);
    const shard = await this.shardOfSlot(slot);
    if (shard.replicas.length !== 1) {
      throw new Error(`${this.name}: the shard of slot ${slot} has ${shard.replicas.length} replicas; a failover needs exactly one to promote`);
    }
    await shard.primary.kill();
    return { node: shard.primary, replica: shard.replicas[0], slot, slots: shard.slots };
  }

  /**
   * Waits until every live node has marked the killed primary as failed, its replica serves the
   * slot as primary, and the cluster is ok again on every live node. Returns the new primary.
   */
  public async waitForFailover(killed: KilledPrimary, timeoutMs = Math.max(15_000, this.nodeTimeoutMs * 10)): Promise<RedisServer> {
    const killedId = this.nodeId(killed.node);
    await this.waitFor(`${killed.replica.name} to take over from ${killed.node.name}`, timeoutMs, async () => {
      const views = await this.liveViews();
      const unaware = views.filter((view) => !view.entries.find((entry) => entry.id === killedId)?.flags.includes('fail'));
      if (unaware.length > 0) return `${unaware.map((view) => view.server.name).join(', ')} not yet flagging it as failed`;
      for (const [slot] of killed.slots) {
        const owner = views.find((view) => view.myself.flags.includes('master') && hasSlot(view.myself, slot));
        if (owner?.server !== killed.replica) return `slot ${slot} served by ${owner?.server.name ?? 'no live primary'}`;
      }
      return this.unhealthy(views, false);
    });
    return killed.replica;
  }

  /**
   * Starts a killed or paused node again. It rejoins as itself (its `nodes.conf` is kept) and, when
   * its shard failed over meanwhile, as a replica of the new primary; waits until it is in sync.
   */
  public async rejoin(node: RedisServer, timeoutMs = 20_000): Promise<void> {
    await node.restart();
    await this.waitFor(`${node.name} to rejoin`, timeoutMs, async () => {
      const views = await this.liveViews();
      const own = views.find((view) => view.server === node);
      if (!own?.myself.flags.includes('slave')) return `${node.name} is ${own?.myself.flags.join(',') ?? 'not answering'}, not yet a replica`;
      return this.unhealthy(views, true);
    });
  }

  /** Waits until the cluster is ok on every live node, they agree on the slots, and every live replica is in sync. */
  public async waitUntilHealthy(timeoutMs = 20_000): Promise<void> {
    await this.waitFor('the cluster to be ok', timeoutMs, async () => this.unhealthy(await this.liveViews(), false));
  }

  /** Stops every node and removes their files; stops the others when one fails to stop. */
  public async stop(): Promise<void> {
    const results = await Promise.allSettled(this.nodes.map((node) => node.stop()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** SET-CONFIG-EPOCH, ADDSLOTSRANGE, MEET, REPLICATE: the steps of `redis-cli --cluster create`. */
  private async form(shards: number): Promise<void> {
    for (const node of this.nodes) this.ids.set(node, String(await node.command('CLUSTER', 'MYID')));
    // Distinct epochs up front, so that the nodes need not resolve epoch collisions after the MEET.
    await Promise.all(this.nodes.map((node, index) => node.command('CLUSTER', 'SET-CONFIG-EPOCH', index + 1)));
    const primaries = this.nodes.slice(0, shards);
    await Promise.all(primaries.map((primary, index) => primary.command(
      'CLUSTER', 'ADDSLOTSRANGE', Math.floor((index * SLOTS) / shards), Math.floor(((index + 1) * SLOTS) / shards) - 1)));
    const [first, ...others] = this.nodes;
    for (const other of others) await first.command('CLUSTER', 'MEET', LOOPBACK, other.port, other.clusterBusPort!);
    await this.waitFor('every node to know every other one', 20_000, async () => {
      for (const view of await this.liveViews()) {
        const known = view.entries.filter((entry) => !entry.flags.some((flag) => flag === 'handshake' || flag === 'noaddr'));
        if (known.length < this.nodes.length) return `${view.server.name} knows ${known.length} of ${this.nodes.length} nodes`;
      }
      return undefined;
    });
    // CLUSTER REPLICATE needs the replica to know its primary's id: hence after the join.
    await Promise.all(this.nodes.slice(shards).map((replica, index) =>
      replica.command('CLUSTER', 'REPLICATE', this.nodeId(primaries[index]))));
    await this.waitFor('the cluster to be ok with every replica in sync', 20_000, async () => this.unhealthy(await this.liveViews(), true));
  }

  /** Why the cluster is not healthy yet, or `undefined` when it is. */
  private unhealthy(views: NodeView[], replicaPerShard: boolean): string | undefined {
    for (const view of views) {
      if (view.info.cluster_state !== 'ok') return `${view.server.name}: cluster_state:${view.info.cluster_state}`;
      if (view.info.cluster_slots_ok !== String(SLOTS)) return `${view.server.name}: cluster_slots_ok:${view.info.cluster_slots_ok}`;
    }
    const slotMap = (view: NodeView): string => view.entries
      .filter((entry) => entry.flags.includes('master') && entry.slots.length > 0)
      .map((entry) => `${entry.id}:${entry.slots.map((range) => range.join('-')).join(',')}`)
      .sort()
      .join(' ');
    const reference = slotMap(views[0]);
    const disagreeing = views.find((view) => slotMap(view) !== reference);
    if (disagreeing) return `${disagreeing.server.name} and ${views[0].server.name} disagree on the slot owners`;
    for (const view of views.filter((candidate) => candidate.myself.flags.includes('slave'))) {
      const { master_link_status: link, master_sync_in_progress: syncing } = view.replication;
      if (link !== 'up' || syncing !== '0') return `${view.server.name}: master_link_status:${link}, master_sync_in_progress:${syncing}`;
      const primary = views.find((candidate) => candidate.myself.id === view.myself.primaryId);
      if (!primary) return `${view.server.name} follows ${view.myself.primaryId}, which is not a live node`;
      const states = Object.entries(primary.replication).filter(([field]) => /^slave\d+$/.test(field)).map(([, value]) => value);
      if (!states.some((state) => state.includes(`port=${view.server.port},`) && state.includes('state=online'))) {
        return `${primary.server.name} does not list ${view.server.name} as an online replica`;
      }
    }
    if (replicaPerShard) {
      for (const view of views.filter((candidate) => candidate.myself.flags.includes('master') && candidate.myself.slots.length > 0)) {
        const replicas = views.filter((other) => other.myself.primaryId === view.myself.id).length;
        if (replicas !== 1) return `${view.server.name} has ${replicas} live replicas, not 1`;
      }
    }
    return undefined;
  }

  private async shardOfSlot(slot: number): Promise<ClusterShard> {
    const shard = (await this.shards()).find((candidate) => candidate.slots.some(([from, to]) => slot >= from && slot <= to));
    if (!shard) throw new Error(`${this.name}: no live primary serves slot ${slot}`);
    return shard;
  }

  /** What every running node reports, over one connection per node. */
  private async liveViews(): Promise<NodeView[]> {
    const live = this.nodes.filter((node) => node.running);
    if (live.length === 0) throw new Error(`${this.name}: no node is running`);
    return Promise.all(live.map(async (server) => {
      const client = await server.connect();
      try {
        const info = fields(await client.command('CLUSTER', 'INFO'));
        const replication = fields(await client.command('INFO', 'replication'));
        const entries = parseClusterNodes(await client.command('CLUSTER', 'NODES'));
        const myself = entries.find((entry) => entry.flags.includes('myself'));
        if (!myself) throw new Error(`${server.name}: CLUSTER NODES has no 'myself' line`);
        return { server, info, replication, entries, myself };
      } finally {
        client.close();
      }
    }));
  }

  /**
   * Polls `check` (which returns why the condition does not hold yet) until it returns `undefined`,
   * at most `timeoutMs` and as many polls as fit; fails with the last reason.
   */
  private async waitFor(what: string, timeoutMs: number, check: () => Promise<string | undefined>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const maxChecks = Math.ceil(timeoutMs / POLL_MS) + 1;
    let reason: string | undefined = 'not checked';
    let checks = 0;
    while (checks < maxChecks) {
      checks++;
      try {
        reason = await check();
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (reason === undefined) return;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`${this.name}: waited ${timeoutMs} ms (${checks} checks) for ${what}; last: ${reason}.\n${this.logs()}`);
  }

  private entryNode(): RedisServer {
    const node = this.nodes.find((candidate) => candidate.running);
    if (!node) throw new Error(`${this.name}: no node is running`);
    return node;
  }

  /** The last lines of every node's log, for failure messages. */
  private logs(): string {
    return this.nodes.map((node) => `${node.name}:\n${node.log.split('\n').slice(-8).map((line) => `  | ${line}`).join('\n')}`).join('\n');
  }
}

function hasSlot(entry: NodeEntry, slot: number): boolean {
  return entry.slots.some(([from, to]) => slot >= from && slot <= to);
}

/** `field:value` lines (INFO, CLUSTER INFO) as a map. */
function fields(reply: RespReply): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of String(reply).split('\r\n')) {
    const separator = line.indexOf(':');
    if (separator > 0) result[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return result;
}

/**
 * `CLUSTER NODES`: `<id> <ip:port@bus-port> <flags> <primary id or -> <ping-sent> <pong-recv>
 * <config-epoch> <link-state> <slot>...`, where a slot is `n` or `from-to`, and slots being moved
 * are in brackets (https://redis.io/docs/latest/commands/cluster-nodes/). Nothing moves slots here.
 */
function parseClusterNodes(reply: RespReply): NodeEntry[] {
  return String(reply).split('\n').filter((line) => line.trim().length > 0).map((line) => {
    const [id, , flags, primaryId, , , , , ...slots] = line.trim().split(' ');
    return {
      id,
      flags: flags.split(','),
      primaryId: primaryId === '-' ? undefined : primaryId,
      slots: slots.filter((slot) => !slot.startsWith('[')).map((slot) => {
        const [from, to] = slot.split('-').map(Number);
        return [from, to ?? from] as const;
      }),
    };
  });
}
