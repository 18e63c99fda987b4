import { CreatedSession, SessionStore, ValkeyClient, glideSessionCommands } from '../../examples/patterns';
import { KilledPrimary, RedisCluster, RedisServer } from '../servers';
import { connectTo, sleep, stopAll } from './support';

// A primary of a 3-shard cluster crashes (SIGKILL); its replica is promoted. The tests run in order
// on one cluster and one client, as an application would live through it: durable logins before
// the crash, reads while the shard fails over, writes after it, and the crashed node coming back.

/** The client's name in CLIENT LIST, to see on a node whether the client is connected to it. */
const APPLICATION = 'failover-test-app';

let cluster: RedisCluster | undefined;
let client: ValkeyClient | undefined;
let sessions: SessionStore;

beforeAll(async () => {
  cluster = await RedisCluster.start();
  client = await connectTo(cluster, { clusterMode: true, clientName: APPLICATION });
  sessions = new SessionStore({ commands: glideSessionCommands(client), ttlSeconds: 600, durable: { replicas: 1, timeoutMs: 2_000 } });
}, 45_000);

afterAll(async () => {
  await stopAll(client, cluster);
}, 30_000);

interface Login {
  readonly id: string;
  readonly data: Record<string, unknown>;
}

/** Logins before the crash, all acknowledged by a replica. */
const logins: Login[] = [];
let killed: KilledPrimary | undefined;
let promoted: RedisServer | undefined;

/**
 * Calls `attempt` until it succeeds, at most `maxAttempts` times and for `timeoutMs`: the client's
 * commands fail (connection refused, request timeout) while the shard has no primary.
 */
async function untilSucceeds<T>(what: string, attempt: () => Promise<T>, maxAttempts = 100, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const failures: string[] = [];
  for (let count = 1; count <= maxAttempts; count++) {
    try {
      return await attempt();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
    if (Date.now() >= deadline) break;
    await sleep(100);
  }
  throw new Error(`${what}: failed ${failures.length} times within ${timeoutMs} ms; last errors: ${failures.slice(-3).join(' | ')}`);
}

/** Whether `key` belongs to the shard whose primary was killed. */
async function onKilledShard(key: string): Promise<boolean> {
  const slot = await cluster!.slotOf(key);
  return killed!.slots.some(([from, to]) => slot >= from && slot <= to);
}

test('durable logins are acknowledged by the replica of their own shard', async () => {
  for (let index = 0; index < 30; index++) {
    const data = { userId: `u-${index}` };
    const created = await sessions.create(data);
    expect(created.replication).toEqual({ replicas: 1, acknowledged: true });
    logins.push({ id: created.id, data });
  }
  for (const login of logins) {
    const shard = await cluster!.shardOf(`sess:${login.id}`);
    expect(JSON.parse(String(await cluster!.replicaCommand(shard.replicas[0], 'GET', `sess:${login.id}`)))).toEqual(login.data);
  }
});

test('after the crash of a primary, its replica is promoted and the same client reads every acknowledged session', async () => {
  expect(logins).toHaveLength(30);
  const victimKey = `sess:${logins[0].id}`;
  const victimShard = await cluster!.shardOf(victimKey);

  killed = await cluster!.killPrimaryOf(victimKey);
  expect(killed.node).toBe(victimShard.primary);
  expect(killed.node.running).toBe(false);

  // The client is not told about the failover: its commands to the dead node fail until it has
  // found the promoted replica by itself. A read that succeeds is served by the new primary (a
  // replica would redirect it, and the old primary is dead).
  expect(await untilSucceeds('reading a session of the crashed shard with the same client', () => sessions.get(logins[0].id))).toEqual(logins[0].data);

  promoted = await cluster!.waitForFailover(killed);
  expect(promoted).toBe(victimShard.replicas[0]);
  expect(await cluster!.primaryOf(victimKey)).toBe(promoted);
  expect((await promoted.info('replication')).role).toBe('master');

  // Every acknowledged login survived, on the crashed shard and on the others.
  for (const login of logins) expect(await sessions.get(login.id)).toEqual(login.data);
}, 45_000);

test('writes after the failover succeed; WAIT reports the replicas of each write\'s own shard', async () => {
  expect(promoted).toBeDefined();
  // The promoted primary has no replica until the crashed node returns: its writes cannot be
  // acknowledged (a 1 s WAIT each, or a WAIT the client cannot deliver while its slot map still
  // names the dead node), while the other shards' writes are, at once.
  const quick = new SessionStore({ commands: glideSessionCommands(client!), ttlSeconds: 600, durable: { replicas: 1, timeoutMs: 1_000 } });
  const onPromoted: Array<{ id: string; created: CreatedSession }> = [];
  const elsewhere: Array<{ id: string; created: CreatedSession }> = [];
  // Random ids: collect a few on each side, bounded (a shard holds a third of the slots).
  for (let attempt = 0; attempt < 60 && (onPromoted.length < 3 || elsewhere.length < 3); attempt++) {
    const created = await quick.create({ userId: `after-${attempt}` });
    (await onKilledShard(`sess:${created.id}`) ? onPromoted : elsewhere).push({ id: created.id, created });
  }
  expect(onPromoted.length).toBeGreaterThanOrEqual(3);
  expect(elsewhere.length).toBeGreaterThanOrEqual(3);

  for (const { id, created } of onPromoted) {
    expect(created.replication).toEqual({ replicas: 0, acknowledged: false });
    // Not acknowledged is not lost: the new primary has it.
    expect(await promoted!.command('EXISTS', `sess:${id}`)).toBe(1);
  }
  for (const { id, created } of elsewhere) {
    expect(created.replication).toEqual({ replicas: 1, acknowledged: true });
    const shard = await cluster!.shardOf(`sess:${id}`);
    expect(await cluster!.replicaCommand(shard.replicas[0], 'EXISTS', `sess:${id}`)).toBe(1);
  }
  for (const { id } of [...onPromoted, ...elsewhere]) expect(await sessions.get(id)).not.toBeNull();
}, 30_000);

test('the crashed node rejoins as a replica of the promoted one, with the sessions; durable writes on its shard are acknowledged again', async () => {
  expect(killed).toBeDefined();
  await cluster!.rejoin(killed!.node);
  // The client reconnects to the node by itself (it retries the address in the background); until
  // then it cannot deliver a WAIT routed to a slot it still maps to that address.
  await untilSucceeds('the client reconnecting to the rejoined node', async () => {
    const clients = String(await killed!.node.command('CLIENT', 'LIST'));
    if (!clients.includes(`name=${APPLICATION} `)) throw new Error(`no connection named ${APPLICATION} yet`);
  });

  const shard = await cluster!.shardOf(`sess:${logins[0].id}`);
  expect(shard.primary).toBe(promoted);
  expect(shard.replicas).toEqual([killed!.node]);
  for (const login of logins) {
    if (await onKilledShard(`sess:${login.id}`)) {
      expect(JSON.parse(String(await cluster!.replicaCommand(killed!.node, 'GET', `sess:${login.id}`)))).toEqual(login.data);
    }
  }

  let written: CreatedSession | undefined;
  for (let attempt = 0; attempt < 60 && !written; attempt++) {
    const created = await sessions.create({ userId: `rejoined-${attempt}` });
    if (await onKilledShard(`sess:${created.id}`)) written = created;
    else expect(created.replication).toEqual({ replicas: 1, acknowledged: true });
  }
  expect(written?.replication).toEqual({ replicas: 1, acknowledged: true });
  expect(await cluster!.replicaCommand(killed!.node, 'EXISTS', `sess:${written!.id}`)).toBe(1);

  // A logout is waited for too: the replica no longer has the session once it is acknowledged.
  expect(await sessions.destroy(written!.id)).toEqual({ found: true, replication: { replicas: 1, acknowledged: true } });
  expect(await cluster!.replicaCommand(killed!.node, 'EXISTS', `sess:${written!.id}`)).toBe(0);
}, 30_000);
