import { Cluster } from 'iovalkey';
import { connectCache, connectIovalkey, ValkeyClient } from '../examples/patterns';
import { AccessString } from '../src';
import { RedisCluster } from './servers';

// The preset access strings against a real Redis Cluster (3 shards, TLS), as ACL users on every
// node, used by the cluster-aware clients of the examples: Valkey GLIDE and iovalkey. Both read
// the topology with CLUSTER SLOTS on connect, which carries no @read category.

let cluster: RedisCluster | undefined;
const clients: Array<ValkeyClient | Cluster | { close(): void }> = [];

beforeAll(async () => {
  cluster = await RedisCluster.start();
}, 60_000);

afterAll(async () => {
  for (const client of clients) {
    if (client instanceof Cluster) client.disconnect();
    else client.close();
  }
  await cluster?.stop();
}, 30_000);

/** 30 keys under `app:`, whose slots cover the three shards. */
const KEYS = Array.from({ length: 30 }, (_, i) => `app:${i}`);

/** Creates the user on every node (ACLs are per node, as ElastiCache applies them to each). */
async function createUser(name: string, accessString: AccessString): Promise<{ username: string; password: string }> {
  const password = `${name}-password-0123456789`;
  for (const node of cluster!.nodes) {
    await node.command('ACL', 'SETUSER', name, 'reset', `>${password}`, ...accessString.value.split(' '));
  }
  return { username: name, password };
}

/** The connection settings of both clients: the cluster, over TLS, as `credentials`. */
function settings(credentials: { username: string; password: string }) {
  return {
    host: cluster!.host,
    port: cluster!.port,
    caCertificate: cluster!.caPem,
    credentials,
    clusterMode: true,
    connectTimeoutMs: 2000,
    requestTimeoutMs: 1000,
  };
}

async function glide(credentials: { username: string; password: string }): Promise<ValkeyClient> {
  const client = await connectCache(settings(credentials));
  clients.push(client);
  return client;
}

async function iovalkey(credentials: { username: string; password: string }): Promise<Cluster> {
  const client = await connectIovalkey(settings(credentials)) as Cluster;
  clients.push(client);
  return client;
}

/** The number of shards that hold `KEYS`, each read on the primary its slot belongs to, with `value`. */
async function shardsHoldingKeys(value: (key: string) => string): Promise<number> {
  const primaries = new Set<unknown>();
  for (const key of KEYS) {
    const primary = await cluster!.primaryOf(key);
    expect(await primary.command('GET', key)).toBe(value(key));
    primaries.add(primary);
  }
  return primaries.size;
}

test('readWrite(): GLIDE and iovalkey cluster clients discover the shards, write and read on all three; CLIENT KILL is refused', async () => {
  const user = await createUser('writer', AccessString.readWrite('app:*'));
  const client = await glide(user);
  for (const key of KEYS) expect(await client.set(key, `v-${key}`)).toBe('OK');
  expect(await shardsHoldingKeys((key) => `v-${key}`)).toBe(3);
  for (const key of KEYS) expect(String(await client.get(key))).toBe(`v-${key}`);
  await expect(client.customCommand(['CLIENT', 'KILL', 'ID', '1'])).rejects.toThrow(/no permissions to run the 'client\|kill' command/);
  await expect(client.set('other:1', 'x')).rejects.toThrow(/no permissions to access one of the keys/);

  const other = await iovalkey(user);
  for (const key of KEYS) expect(await other.get(key)).toBe(`v-${key}`);
  expect(await other.set('app:from-iovalkey', '1')).toBe('OK');
  await expect(other.call('CLIENT', 'KILL', 'ID', '1')).rejects.toThrow(/no permissions to run the 'client\|kill' command/);
}, 30_000);

test('readOnly(): GLIDE and iovalkey cluster clients discover the shards and read on all three; writes and CLIENT KILL are refused', async () => {
  const writer = await glide(await createUser('seeder', AccessString.readWrite('app:*')));
  for (const key of KEYS) await writer.set(key, `r-${key}`);

  const user = await createUser('reader', AccessString.readOnly('app:*'));
  const client = await glide(user);
  for (const key of KEYS) expect(String(await client.get(key))).toBe(`r-${key}`);
  await expect(client.set('app:0', 'x')).rejects.toThrow(/no permissions to run the 'set' command/);
  await expect(client.customCommand(['CLIENT', 'KILL', 'ID', '1'])).rejects.toThrow(/no permissions to run the 'client\|kill' command/);
  await expect(client.customCommand(['CLIENT', 'LIST'])).rejects.toThrow(/no permissions to run the 'client\|list' command/);

  const other = await iovalkey(user);
  for (const key of KEYS) expect(await other.get(key)).toBe(`r-${key}`);
  await expect(other.set('app:0', 'x')).rejects.toThrow(/no permissions to run the 'set' command/);
  await expect(other.call('CLIENT', 'KILL', 'ID', '1')).rejects.toThrow(/no permissions to run the 'client\|kill' command/);
}, 30_000);

test('the former read-only string (@read and @connection) lets CLIENT KILL through and keeps cluster clients from reading the shards', async () => {
  const user = await createUser('former-reader', AccessString.of('on ~app:* -@all +@read +@connection +info'));
  const node = cluster!.nodes[0];
  const connection = await node.connect();
  try {
    await connection.command('AUTH', user.username, user.password);
    await expect(connection.command('CLUSTER', 'SLOTS')).rejects.toThrow(/no permissions to run the 'cluster\|slots' command/);
    // A bogus id: the command is allowed, and kills no client.
    await expect(connection.command('CLIENT', 'KILL', 'ID', '999999')).resolves.toBe(0);
  } finally {
    connection.close();
  }
  await expect(glide(user)).rejects.toThrow(/cluster\|slots/);
}, 30_000);

test('the presets grant connection commands by name, not the @connection category', () => {
  for (const preset of [AccessString.readOnly(), AccessString.readWrite()]) {
    expect(preset.value).not.toMatch(/@connection/);
    expect(preset.value).toMatch(/\+cluster\|slots \+cluster\|shards \+cluster\|nodes \+cluster\|info/);
  }
});
