import {
  ClusterNode, HashRing, MAX_RELATIVE_EXPTIME_SECONDS, memcachedCacheStore, MemcachedClient, MemcachedClientOptions, MemcachedError,
  memcachedExptime, parseClusterConfig, parseMemcachedEndpoint,
} from '../../examples/patterns/memcached';
import { ConfigurationEndpointServer, freePort, MemcachedInspector, MemcachedServer } from '../servers';
import { RecordingLogger, sleep } from './support';

// Four real Memcached nodes with TLS, once for the file: three in the cluster, one to add. The
// configuration endpoint lists them; all keys go to the nodes themselves.
let servers: MemcachedServer[] = [];
let cluster: MemcachedServer[];
let spare: MemcachedServer;
let discovery: ConfigurationEndpointServer | undefined;
let inspectors = new Map<number, MemcachedInspector>();
const clients: MemcachedClient[] = [];

beforeAll(async () => {
  servers = await MemcachedServer.startMany(4);
  cluster = servers.slice(0, 3);
  spare = servers[3];
  discovery = await ConfigurationEndpointServer.start(cluster);
  inspectors = new Map(await Promise.all(servers.map(async (server) => [server.port, await server.connect()] as const)));
}, 30_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const inspector of inspectors.values()) inspector.close();
  await discovery?.stop();
  for (const server of servers) await server.stop();
}, 30_000);

beforeEach(async () => {
  discovery!.fault(undefined);
  discovery!.setNodes(cluster);
  for (const inspector of inspectors.values()) await inspector.flushAll();
});

/** A client of the test cluster; closed after the file. */
async function connect(options: Partial<MemcachedClientOptions> = {}): Promise<MemcachedClient> {
  const client = await MemcachedClient.connect({
    configurationEndpoint: discovery!.endpoint,
    caCertificate: discovery!.caPem,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 500,
    refreshIntervalMs: 0,
    logger: new RecordingLogger(),
    ...options,
  });
  clients.push(client);
  return client;
}

function inspectorOf(node: ClusterNode): MemcachedInspector {
  return inspectors.get(node.port)!;
}

function serverOf(node: ClusterNode): MemcachedServer {
  return servers.find((server) => server.port === node.port)!;
}

const KEYS = Array.from({ length: 1000 }, (_, i) => `item:${i}`);

async function rejection(promise: Promise<unknown>): Promise<MemcachedError> {
  const error = await promise.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(MemcachedError);
  return error as MemcachedError;
}

describe('auto discovery', () => {
  test('the client reads the config version and the node list from the configuration endpoint', async () => {
    const before = discovery!.requests;
    const client = await connect();
    expect(discovery!.requests).toBe(before + 1);
    expect(client.configVersion).toBe(discovery!.version);
    expect(client.nodes()).toEqual(cluster.map((server) => ({ hostname: 'localhost', ip: '127.0.0.1', port: server.port })));
    expect(client.stats()).toEqual({ configVersion: discovery!.version, nodes: 3, refreshes: 1, ringRebuilds: 1, discoveryErrors: 0 });
  });

  test('the user guide\'s reply format parses, with and without IP addresses', () => {
    const data = '12\nmycluster.abc123.0001.use1.cache.amazonaws.com|10.82.235.120|11211 mycluster.abc123.0002.use1.cache.amazonaws.com||11212\n';
    expect(parseClusterConfig(`CONFIG cluster 0 ${data.length}\r\n${data}\r\nEND\r\n`)).toEqual({
      version: 12,
      nodes: [
        { hostname: 'mycluster.abc123.0001.use1.cache.amazonaws.com', ip: '10.82.235.120', port: 11211 },
        { hostname: 'mycluster.abc123.0002.use1.cache.amazonaws.com', port: 11212 },
      ],
    });
    // What the stand-in endpoint sends is what the parser reads.
    expect(parseClusterConfig(discovery!.reply())).toEqual({ version: discovery!.version, nodes: discovery!.nodes });
  });

  const frame = (data: string): string => `CONFIG cluster 0 ${Buffer.byteLength(data)}\r\n${data}\r\nEND\r\n`;
  test.each([
    ['plain Memcached', 'ERROR\r\n', /answered ERROR to config get cluster: it is not an ElastiCache configuration endpoint/],
    ['a server error', 'SERVER_ERROR out of memory\r\n', /could not carry out config get cluster: SERVER_ERROR out of memory/],
    ['another header', 'VALUE cluster 0 4\r\nabcd\r\nEND\r\n', /starts with "VALUE cluster 0 4" instead of "CONFIG cluster <flags> <bytes>"/],
    ['a byte count too small', 'CONFIG cluster 0 5\r\n1\nlocalhost|127.0.0.1|11212\n\r\nEND\r\n', /byte count does not match the data/],
    ['no END', `${frame('1\nlocalhost|127.0.0.1|11212\n').slice(0, -5)}STOP\r\n`, /followed by "STOP" instead of END/],
    ['a truncated reply', frame('1\nlocalhost|127.0.0.1|11212\n').slice(0, 30), /ends before the END line \(truncated\)/],
    ['bytes after END', `${frame('1\nlocalhost|127.0.0.1|11212\n')}END\r\n`, /5 unexpected bytes follow the END line/],
    ['a version that is not a number', frame('v1\nlocalhost|127.0.0.1|11212\n'), /config version "v1" is not a whole number/],
    ['one line only', frame('1 localhost|127.0.0.1|11212\n'), /has 1 line\(s\), expected 2/],
    ['CRLF inside the data', frame('1\r\nlocalhost|127.0.0.1|11212\n'), /bytes other than printable ASCII and line feeds/],
    ['no final line feed', frame('1\nlocalhost|127.0.0.1|11212'), /node list does not end with a line feed/],
    ['an empty node list', frame('1\n\n'), /node list is empty/],
    ['a node without port', frame('1\nlocalhost|127.0.0.1\n'), /"localhost\|127.0.0.1" is not hostname\|ip-address\|port/],
    ['two spaces between nodes', frame('1\na|127.0.0.1|1  b|127.0.0.1|2\n'), /node entry "" is not hostname\|ip-address\|port/],
    ['port 0', frame('1\nlocalhost|127.0.0.1|0\n'), /has no port from 1 to 65535/],
    ['port 70000', frame('1\nlocalhost|127.0.0.1|70000\n'), /has no port from 1 to 65535/],
    ['a bad IP address', frame('1\nlocalhost|127.0.0.300|11212\n'), /has an invalid IP address/],
    ['no host name', frame('1\n|127.0.0.1|11212\n'), /has no valid host name/],
    ['a node listed twice', frame('1\na|10.0.0.1|11212 a|10.0.0.2|11212\n'), /the node a:11212 is listed twice/],
  ])('a reply with %s is refused with an error that says what is wrong', (_, reply, message) => {
    let thrown: unknown;
    try {
      parseClusterConfig(reply);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MemcachedError);
    expect((thrown as MemcachedError).message).toMatch(message);
    expect((thrown as MemcachedError).reason).toBe(/SERVER_ERROR/.test(reply) ? 'server' : 'discovery');
  });

  test('a malformed reply from the endpoint fails connect() with reason discovery, naming the endpoint', async () => {
    discovery!.fault({ reply: 'CONFIG cluster 0 3\r\n1\nlocalhost|127.0.0.1|11212\n\r\nEND\r\n' });
    const error = await rejection(connect());
    expect(error.reason).toBe('discovery');
    expect(error.address).toBe(discovery!.endpoint);
    expect(error.message).toMatch(`from the configuration endpoint ${discovery!.endpoint}: the 3 bytes that the header announces`);
  });

  test('a Memcached node given as the configuration endpoint is recognized as such', async () => {
    const node = cluster[0];
    const error = await rejection(connect({ configurationEndpoint: `${node.host}:${node.port}` }));
    expect(error.reason).toBe('discovery');
    expect(error.message).toMatch(/answered ERROR to config get cluster: it is not an ElastiCache configuration endpoint/);
  });

  test('an endpoint that does not answer, hangs up or is not there fails connect() instead of hanging', async () => {
    discovery!.fault({ silent: true });
    const silent = await rejection(connect({ requestTimeoutMs: 200 }));
    expect(silent.reason).toBe('timeout');
    expect(silent.message).toMatch(`No reply from the configuration endpoint ${discovery!.endpoint} to config get cluster within 200 ms`);

    discovery!.fault({ hangUp: true });
    const hungUp = await rejection(connect());
    expect(hungUp.reason).toBe('unavailable');
    expect(hungUp.message).toMatch(/closed the connection with 1 request\(s\) unanswered/);

    // A port that was free a moment ago: nothing listens there.
    const refused = await rejection(connect({ configurationEndpoint: `127.0.0.1:${await freePort()}` }));
    expect(refused.reason).toBe('unavailable');
    expect(refused.message).toMatch(/Could not connect to the configuration endpoint .*ECONNREFUSED/);
  });

  test('TLS is checked: a certificate from an untrusted CA, or for another name, is refused; so is a plain-text client', async () => {
    // Without caCertificate the system's roots apply, which do not include the throwaway test CA.
    const untrusted = await rejection(connect({ caCertificate: undefined }));
    expect(untrusted.reason).toBe('tls');
    expect(untrusted.message).toMatch(/TLS certificate of the configuration endpoint .* was not accepted .* system's CA store/);

    // The node's certificate names localhost and 127.0.0.1; a node listed under another name is refused.
    discovery!.setNodes([{ hostname: 'node.invalid', ip: '127.0.0.1', port: cluster[0].port }]);
    const client = await connect();
    const misnamed = await rejection(client.get('any'));
    expect(misnamed.reason).toBe('tls');
    expect(misnamed.message).toMatch(/TLS certificate of the node node.invalid:\d+ was not accepted .*ERR_TLS_CERT_ALTNAME_INVALID.* for node.invalid/);

    // The TLS server takes the plain request for a broken handshake and closes the connection.
    const plain = await rejection(connect({ tls: false }));
    expect(plain.reason).toBe('unavailable');
  });

  test('endpoints from the environment are host:port', () => {
    expect(parseMemcachedEndpoint('mycluster.abc123.cfg.use1.cache.amazonaws.com:11212')).toEqual({
      host: 'mycluster.abc123.cfg.use1.cache.amazonaws.com', port: 11212,
    });
    for (const bad of ['', 'host', 'host:', ':11212', 'host:0', 'host:65536', 'host:11212:1', 'ho st:11212']) {
      expect(() => parseMemcachedEndpoint(bad)).toThrow(/expected host:port with a port from 1 to 65535/);
    }
  });
});

describe('consistent hashing', () => {
  test('keys spread over all three nodes, and each key is on the node the ring names and on no other', async () => {
    const client = await connect();
    for (const key of KEYS) await client.set(key, `value of ${key}`, 60_000);

    const counts = await Promise.all(cluster.map((server) => server.itemCount()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(KEYS.length);
    // Ketama with 160 points per node gives each of three nodes about a third.
    for (const count of counts) {
      expect(count).toBeGreaterThan(KEYS.length * 0.2);
      expect(count).toBeLessThan(KEYS.length * 0.47);
    }
    for (const key of KEYS) {
      const owner = client.nodeFor(key);
      for (const server of cluster) {
        expect(await inspectors.get(server.port)!.get(key)).toBe(server.port === owner.port ? `value of ${key}` : null);
      }
    }
  });

  test('the ring: a fourth node takes about a quarter of the keys, all from the others to itself, whatever the order', () => {
    const three = new HashRing(['a:1', 'b:1', 'c:1']);
    const four = new HashRing(['d:1', 'c:1', 'a:1', 'b:1']);
    let moved = 0;
    for (const key of KEYS) {
      const before = three.nodeFor(key);
      const after = four.nodeFor(key);
      if (before !== after) {
        moved++;
        expect(after).toBe('d:1');
      }
    }
    // Modulo hashing would move three quarters; a quarter is expected here.
    expect(moved / KEYS.length).toBeGreaterThan(0.1);
    expect(moved / KEYS.length).toBeLessThan(0.45);
    expect(new HashRing(['c:1', 'a:1', 'b:1']).nodes).toEqual(three.nodes);
    for (const key of KEYS) expect(new HashRing(['c:1', 'b:1', 'a:1']).nodeFor(key)).toBe(three.nodeFor(key));
    expect(() => new HashRing([])).toThrow('at least one node');
    expect(() => new HashRing(['a:1', 'a:1'])).toThrow('must be unique');
    expect(() => new HashRing(['a:1'], 6)).toThrow('multiple of 4');
  });

  test('a node added to the discovery list: after refresh only the keys now on the new node miss, about a quarter', async () => {
    const client = await connect();
    for (const key of KEYS) await client.set(key, `value of ${key}`, 60_000);
    const versionBefore = client.configVersion;

    discovery!.setNodes([...cluster, spare]);
    expect(await client.refresh()).toBe(true);
    expect(client.configVersion).toBe(versionBefore + 1);
    expect(client.nodes().map((node) => node.port)).toEqual([...cluster, spare].map((server) => server.port));

    let moved = 0;
    for (const key of KEYS) {
      const value = await client.get(key);
      if (value === null) {
        moved++;
        expect(client.nodeFor(key).port).toBe(spare.port);
      } else {
        expect(value).toBe(`value of ${key}`);
        expect(client.nodeFor(key).port).not.toBe(spare.port);
      }
    }
    expect(moved / KEYS.length).toBeGreaterThan(0.1);
    expect(moved / KEYS.length).toBeLessThan(0.45);
    // Every key still on an old node was found there: nothing moved between the old nodes.
    expect(await spare.itemCount()).toBe(0);
  });

  test('the ring is rebuilt only when the config version changes', async () => {
    const client = await connect();
    const placement = KEYS.map((key) => client.nodeFor(key).port);

    discovery!.setNodes([...cluster, spare], { bumpVersion: false });
    expect(await client.refresh()).toBe(false);
    expect(client.nodes()).toHaveLength(3);
    expect(KEYS.map((key) => client.nodeFor(key).port)).toEqual(placement);

    discovery!.setNodes([...cluster, spare]);
    expect(await client.refresh()).toBe(true);
    expect(client.nodes()).toHaveLength(4);
    expect(client.stats()).toMatchObject({ refreshes: 3, ringRebuilds: 2 });
  });

  test('a removed node: its keys move to the remaining nodes, the others stay', async () => {
    const client = await connect();
    for (const key of KEYS) await client.set(key, `value of ${key}`, 60_000);
    const removed = cluster[2];
    const owners = new Map(KEYS.map((key) => [key, client.nodeFor(key).port]));

    discovery!.setNodes(cluster.slice(0, 2));
    expect(await client.refresh()).toBe(true);
    for (const key of KEYS) {
      const value = await client.get(key);
      if (owners.get(key) === removed.port) {
        expect(value).toBeNull();
        expect(client.nodeFor(key).port).not.toBe(removed.port);
      } else {
        expect(value).toBe(`value of ${key}`);
      }
    }
  });

  test('the periodic refresh picks up a new node list by itself', async () => {
    const client = await connect({ refreshIntervalMs: 50 });
    const target = discovery!.version + 1;
    discovery!.setNodes([...cluster, spare]);
    // Bounded: at most 100 polls of 50 ms.
    for (let i = 0; i < 100 && client.configVersion !== target; i++) await sleep(50);
    expect(client.configVersion).toBe(target);
    expect(client.nodes()).toHaveLength(4);
    client.close();
  });

  test('a failed refresh keeps the ring in use, and the periodic one logs it', async () => {
    const logger = new RecordingLogger();
    const client = await connect({ refreshIntervalMs: 50, logger });
    await client.set('kept', 'yes', 60_000);
    discovery!.fault({ reply: 'ERROR\r\n' });

    const error = await rejection(client.refresh());
    expect(error.reason).toBe('discovery');
    for (let i = 0; i < 100 && logger.named('memcached.discovery-failed').length === 0; i++) await sleep(50);
    expect(logger.named('memcached.discovery-failed')[0]).toMatchObject({
      endpoint: discovery!.endpoint,
      configVersion: client.configVersion,
      error: expect.stringMatching(/answered ERROR to config get cluster/),
    });
    expect(client.nodes()).toHaveLength(3);
    expect(await client.get('kept')).toBe('yes');
    expect(client.stats().discoveryErrors).toBeGreaterThanOrEqual(2);
    client.close();
  });
});

describe('protocol', () => {
  test('values round-trip byte for byte: UTF-8, CRLF and END inside a value, an empty value', async () => {
    const client = await connect();
    const values = ['plain', 'é € 😀', 'line\r\nEND\r\nVALUE x 0 1\r\n', '', 'x'.repeat(200_000)];
    for (const [i, value] of values.entries()) {
      expect(await client.set(`v:${i}`, value, 60_000)).toBe(true);
      expect(await client.get(`v:${i}`)).toBe(value);
      expect(await inspectorOf(client.nodeFor(`v:${i}`)).get(`v:${i}`)).toBe(value);
    }
    // Pipelined on one connection, replies matched in order.
    const results = await Promise.all(values.map((_, i) => client.get(`v:${i}`)));
    expect(results).toEqual(values);
  });

  test('add stores only an absent key; delete reports whether the key was there', async () => {
    const client = await connect();
    expect(await client.add('a', 'first', 60_000)).toBe(true);
    expect(await client.add('a', 'second', 60_000)).toBe(false);
    expect(await inspectorOf(client.nodeFor('a')).get('a')).toBe('first');
    expect(await client.set('a', 'third', 60_000)).toBe(true);
    expect(await client.get('a')).toBe('third');
    expect(await client.delete('a')).toBe(true);
    expect(await client.delete('a')).toBe(false);
    expect(await client.get('a')).toBeNull();
  });

  test('the CacheStore maps onlyIfAbsent to add and the TTL to seconds, rounded up', async () => {
    const client = await connect();
    const store = memcachedCacheStore(client);
    const inspector = inspectorOf(client.nodeFor('s'));
    const before = await inspector.time();
    expect(await store.set('s', 'one', { ttlMs: 59_001 })).toBe(true);
    const after = await inspector.time();
    expect(await store.set('s', 'two', { ttlMs: 59_001, onlyIfAbsent: true })).toBe(false);
    expect(await store.get('s')).toBe('one');
    // 59.001 s is sent as 60 s, from the server's clock at the write.
    const expiry = await inspector.expiresAt('s');
    expect(expiry).toBeGreaterThanOrEqual(before + 60);
    expect(expiry).toBeLessThanOrEqual(after + 60);
    await store.delete('s');
    await store.delete('s');
    expect(await store.get('s')).toBeNull();
  });

  test('exptime: seconds rounded up, Unix time beyond 30 days, no zero or negative TTLs', () => {
    expect(memcachedExptime(1)).toBe(1);
    expect(memcachedExptime(1000)).toBe(1);
    expect(memcachedExptime(1001)).toBe(2);
    expect(memcachedExptime(MAX_RELATIVE_EXPTIME_SECONDS * 1000)).toBe(MAX_RELATIVE_EXPTIME_SECONDS);
    const now = Date.UTC(2030, 0, 1);
    expect(memcachedExptime(MAX_RELATIVE_EXPTIME_SECONDS * 1000 + 1, now)).toBe(now / 1000 + MAX_RELATIVE_EXPTIME_SECONDS + 1);
    for (const bad of [0, -1, NaN, Infinity]) expect(() => memcachedExptime(bad)).toThrow(/positive, finite number of milliseconds/);
  });

  test('a TTL beyond 30 days is stored as a Unix time and keeps the item that long', async () => {
    const client = await connect();
    const days40 = 40 * 24 * 60 * 60;
    const before = Date.now();
    await client.set('long', 'lived', days40 * 1000);
    const after = Date.now();
    // Sent as a relative 3,456,000 s, Memcached would read a Unix time in 1970: expired at once.
    // Sent as the Unix time of the client's clock at the write plus 40 days, rounded up.
    const expiry = await inspectorOf(client.nodeFor('long')).expiresAt('long');
    expect(expiry).toBeGreaterThanOrEqual(Math.floor(before / 1000) + days40);
    expect(expiry).toBeLessThanOrEqual(Math.ceil(after / 1000) + days40 + 1);
  });

  test('keys that Memcached cannot take are refused before they are sent, and the connection stays usable', async () => {
    const client = await connect();
    for (const bad of ['', 'has space', 'new\nline', 'tab\t', 'k'.repeat(251), 'é'.repeat(126)]) {
      const error = await rejection(client.get(bad));
      expect(error.reason).toBe('client');
      expect(error.message).toMatch(/Memcached keys are 1 to 250 bytes without spaces or control characters/);
      await rejection(client.set(bad, 'v', 1000));
    }
    expect(await client.set('k'.repeat(250), 'longest', 60_000)).toBe(true);
    expect(await client.get('k'.repeat(250))).toBe('longest');
  });

  test('a value larger than the node takes is a server error for that request only', async () => {
    const client = await connect();
    const error = await rejection(client.set('big', 'x'.repeat(2 * 1024 * 1024), 60_000));
    expect(error.reason).toBe('server');
    expect(error.message).toMatch(/could not carry out set: SERVER_ERROR object too large for cache/);
    expect(await client.set('small', 'fits', 60_000)).toBe(true);
    expect(await client.get('small')).toBe('fits');
  });

  test('a closed client refuses requests', async () => {
    const client = await connect();
    client.close();
    expect((await rejection(client.get('x'))).reason).toBe('closed');
    expect((await rejection(client.refresh())).reason).toBe('closed');
  });
});

describe('node failures', () => {
  test('a killed node fails its keys at once with unavailable, the others still answer; a restarted node is used again', async () => {
    const client = await connect({ retryDelayMs: 100 });
    for (const key of KEYS.slice(0, 100)) await client.set(key, `value of ${key}`, 60_000);
    const victim = cluster[1];
    const onVictim = KEYS.slice(0, 100).filter((key) => client.nodeFor(key).port === victim.port);
    const elsewhere = KEYS.slice(0, 100).filter((key) => client.nodeFor(key).port !== victim.port);
    expect(onVictim.length).toBeGreaterThan(0);

    await victim.kill();
    try {
      for (const key of onVictim) {
        const error = await rejection(client.get(key));
        expect(error.reason).toBe('unavailable');
        expect(error.address).toBe(`localhost:${victim.port}`);
      }
      for (const key of elsewhere) expect(await client.get(key)).toBe(`value of ${key}`);
    } finally {
      await victim.restart();
      inspectors.get(victim.port)!.close();
      inspectors.set(victim.port, await victim.connect());
    }

    // The restarted node is empty, like a replaced one; once the retry delay is over it is used again.
    let value: string | null | MemcachedError = null;
    for (let i = 0; i < 50; i++) {
      value = await client.get(onVictim[0]).catch((error: MemcachedError) => error);
      if (!(value instanceof MemcachedError)) break;
      await sleep(50);
    }
    expect(value).toBeNull();
    expect(await client.set(onVictim[0], 'again', 60_000)).toBe(true);
    expect(await inspectors.get(victim.port)!.get(onVictim[0])).toBe('again');
  });

  test('a node that hangs gives a timeout, not a hang, and its connection is reopened when it recovers', async () => {
    const client = await connect({ requestTimeoutMs: 200, connectTimeoutMs: 300, retryDelayMs: 0 });
    const victim = cluster[0];
    const key = KEYS.find((k) => client.nodeFor(k).port === victim.port)!;
    await client.set(key, 'before', 60_000);

    await victim.suspend();
    try {
      // In flight on the open connection: the reply timeout.
      const inFlight = await rejection(client.get(key));
      expect(inFlight.reason).toBe('timeout');
      expect(inFlight.message).toMatch(/No reply from the node .* to get within 200 ms/);
      // A new connection: the kernel accepts it, the TLS handshake never completes.
      const reconnect = await rejection(client.get(key));
      expect(reconnect.reason).toBe('timeout');
      expect(reconnect.message).toMatch(/No TLS connection to the node .* within 300 ms/);
    } finally {
      victim.resume();
    }
    let value: string | null | MemcachedError = null;
    for (let i = 0; i < 50; i++) {
      value = await client.get(key).catch((error: MemcachedError) => error);
      if (!(value instanceof MemcachedError)) break;
      await sleep(50);
    }
    expect(value).toBe('before');
  });

  test('at most maxPendingPerNode requests wait on one node; more fail at once', async () => {
    const client = await connect({ maxPendingPerNode: 5, requestTimeoutMs: 300 });
    const victim = cluster[2];
    const key = KEYS.find((k) => client.nodeFor(k).port === victim.port)!;
    await client.get(key); // opens the connection
    await victim.suspend();
    try {
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => client.get(key)));
      const reasons = results.map((result) => (result.status === 'rejected' ? (result.reason as MemcachedError).reason : 'fulfilled'));
      expect(reasons.filter((reason) => reason === 'overloaded')).toHaveLength(3);
      expect(reasons.filter((reason) => reason === 'timeout')).toHaveLength(5);
    } finally {
      victim.resume();
    }
  });

  test('a replaced node (same name and port, another listed address) gets a new connection, even in the same version', async () => {
    const client = await connect();
    const replaced = cluster[0];
    const key = KEYS.find((k) => client.nodeFor(k).port === replaced.port)!;
    await client.set(key, 'kept', 60_000);
    const placement = KEYS.map((k) => client.nodeFor(k).port);
    const connectionsBefore = Number((await replaced.stats()).total_connections);

    // The same loopback address written as IPv4-mapped IPv6: a new address string for the same
    // server, as a replaced ElastiCache node keeps its name and gets a new IP.
    discovery!.setNodes([{ hostname: 'localhost', ip: '::ffff:127.0.0.1', port: replaced.port }, ...cluster.slice(1)], { bumpVersion: false });
    expect(await client.refresh()).toBe(false);
    expect(KEYS.map((k) => client.nodeFor(k).port)).toEqual(placement);
    expect(client.nodeFor(key)).toEqual({ hostname: 'localhost', ip: '::ffff:127.0.0.1', port: replaced.port });
    expect(client.nodes()[0]).toEqual({ hostname: 'localhost', ip: '::ffff:127.0.0.1', port: replaced.port });
    expect(await client.get(key)).toBe('kept');
    // One new connection from the client (the stats call itself opens one more).
    expect(Number((await replaced.stats()).total_connections)).toBe(connectionsBefore + 2);
    expect(serverOf(client.nodeFor(key))).toBe(replaced);
  });
});
