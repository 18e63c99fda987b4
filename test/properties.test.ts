import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import fc from 'fast-check';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngine, CacheEngineVersion, CacheUser, MemcachedEngineVersion, SecureRedisCluster,
  SecureRedisClusterProps, SessionStoreCache, SessionStoreCacheProps, SessionStoreDeployment, ShardedMemcached, ShardedMemcachedProps,
} from '../src';
import { appSecurityGroup, encryptedTopic, importedVpc, TEST_ENV } from './fixtures';
import { acknowledgements, expectedAcknowledgements, findings } from './policy';
import { errorOf } from './support';

/*
 * The configuration matrix: random valid props of each construct synthesize, are clean under the
 * five cdk-nag packs and cfn-lint; random invalid props fail with a message that names the prop.
 *
 * CI runs a fixed seed. To explore further:
 *   PROPERTY_RUNS=500 PROPERTY_SEED=$RANDOM npx jest test/properties.test.ts
 * A failure prints its seed and path; rerun with that PROPERTY_SEED to reproduce it.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 8);
const SEED = Number(process.env.PROPERTY_SEED ?? 20261202);
const PARAMS = { numRuns: RUNS, seed: SEED };
/** Invalid props are cheap (nothing is synthesized, nothing is linted): try more of them. */
const INVALID_PARAMS = { numRuns: RUNS * 10, seed: SEED };
/** cfn-lint takes about half a second per template on a busy CI machine. */
const LINT_TIMEOUT_MS = 60_000 + RUNS * 4 * 1_000;

// Domain tables of the test, written from the sources independently of src/private/node-types.ts.

/** Versions that cfn-lint 1.51 lists (Valkey 9.1 is not there yet). */
const VALKEY = ['7.2', '8.0', '8.1', '8.2', '9.0'];
const REDIS = ['4.0.10', '5.0.6', '6.0', '6.2', '7.0', '7.1'];
const MEMCACHED = ['1.4.5', '1.4.34', '1.5.10', '1.5.16', '1.6.6', '1.6.12', '1.6.17', '1.6.22'];

function atLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Node types an engine version runs on (ElastiCache "Supported node types"; API reference CacheNode). */
function nodeTypesFor(engine: 'valkey' | 'redis' | 'memcached', version: string): string[] {
  const types = ['cache.t3.small', 'cache.m5.large', 'cache.r5.xlarge'];
  const graviton2 = engine === 'valkey' || atLeast(version, engine === 'redis' ? '5.0.6' : '1.5.16');
  if (graviton2) types.push('cache.t4g.medium', 'cache.m6g.large', 'cache.r6g.2xlarge');
  if (engine === 'valkey' || (engine === 'redis' && atLeast(version, '6.2'))) types.push('cache.m7g.large', 'cache.r7g.xlarge', 'cache.r6gd.xlarge');
  return types;
}

const engineVersion = fc.oneof(
  fc.constantFrom(...VALKEY).map((v) => CacheEngineVersion.of(CacheEngine.VALKEY, v)),
  fc.constantFrom(...REDIS).map((v) => CacheEngineVersion.of(CacheEngine.REDIS, v)),
);

/** A port that is not the engine's well-known one (AwsSolutions-AEC5). */
const port = (wellKnown: number) => fc.integer({ min: 1024, max: 65535 }).filter((p) => p !== wellKnown);

/** A snapshot window in the first half of the day and a maintenance window in the second: never overlapping. */
const windows = fc.record({
  snapshotHour: fc.integer({ min: 0, max: 10 }),
  maintenanceDay: fc.constantFrom('sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'),
  maintenanceHour: fc.integer({ min: 13, max: 22 }),
}).map(({ snapshotHour, maintenanceDay, maintenanceHour }) => ({
  snapshotWindow: `${hh(snapshotHour)}:00-${hh(snapshotHour + 1)}:30`,
  maintenanceWindow: `${maintenanceDay}:${hh(maintenanceHour)}:00-${maintenanceDay}:${hh(maintenanceHour + 1)}:00`,
}));

function hh(hour: number): string {
  return hour.toString().padStart(2, '0');
}

const keyPattern = fc.stringMatching(/^[a-z][a-z0-9:_-]{0,11}$/);
const accessString = fc.oneof(
  keyPattern.map((p) => AccessString.readWrite(`${p}*`)),
  keyPattern.map((p) => AccessString.readOnly(`${p}*`)),
  fc.constant(AccessString.readWrite()),
  keyPattern.map((p) => AccessString.of(`on ~${p}* &* -@all +@read +@write +@connection -@dangerous +info`)),
);
const userName = fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/);

/** A description ElastiCache stores: printable ASCII, not blank. */
const description = fc.stringMatching(/^[A-Za-z0-9][ -~]{0,60}$/);

function authentication(engine: CacheEngineVersion): fc.Arbitrary<CacheAuthentication | undefined> {
  const options: Array<fc.Arbitrary<CacheAuthentication | undefined>> = [
    fc.constant(undefined),
    fc.integer({ min: 16, max: 128 }).map((length) => CacheAuthentication.authToken(AuthToken.generated({ length }))),
  ];
  if (engine.supportsRbac) {
    options.push(fc.uniqueArray(fc.tuple(userName, accessString), { minLength: 1, maxLength: 3, selector: ([n]) => n })
      .map((users) => CacheAuthentication.users(users.map(([n, a]) => CacheUser.password(n, { accessString: a })))));
  }
  if (engine.supportsIamAuthentication) {
    options.push(fc.uniqueArray(userName, { minLength: 1, maxLength: 3 }).map((names) => CacheAuthentication.iam(names)));
  }
  return fc.oneof(...options);
}

type Build = (stack: Stack, vpc: ec2.IVpc) => void;

const redisProps: fc.Arbitrary<Build> = engineVersion.chain((engine) => fc.record({
  nodeType: fc.constantFrom(...nodeTypesFor(engine.engine, engine.version)),
  clusterMode: fc.boolean(),
  shards: fc.integer({ min: 1, max: 4 }),
  replicasPerShard: fc.integer({ min: 1, max: 5 }),
  port: port(6379),
  backupRetention: fc.integer({ min: 15, max: 35 }),
  windows,
  authentication: authentication(engine),
  description: fc.option(description, { nil: undefined }),
  parameters: fc.option(fc.constantFrom({ 'maxmemory-policy': 'allkeys-lru' }, { 'maxmemory-policy': 'volatile-ttl' }), { nil: undefined }),
}).map((p): Build => (stack, vpc) => {
  const props: SecureRedisClusterProps = {
    vpc,
    allowedConnections: [appSecurityGroup(stack, vpc)],
    engineVersion: engine,
    nodeType: p.nodeType,
    clusterMode: p.clusterMode,
    shards: p.clusterMode ? p.shards : undefined,
    replicasPerShard: p.replicasPerShard,
    port: p.port,
    backupRetention: Duration.days(p.backupRetention),
    ...p.windows,
    authentication: p.authentication,
    description: p.description,
    parameters: p.parameters,
  };
  new SecureRedisCluster(stack, 'Cache', props);
}));

const memcachedProps: fc.Arbitrary<Build> = fc.constantFrom(...MEMCACHED).chain((version) => fc.record({
  nodeType: fc.constantFrom(...nodeTypesFor('memcached', version)),
  nodes: fc.integer({ min: 1, max: 60 }),
  port: port(11211),
  maintenanceWindow: windows.map((w) => w.maintenanceWindow),
  parameters: fc.option(fc.constant({ max_item_size: '2097152' }), { nil: undefined }),
}).map((p): Build => (stack, vpc) => {
  const engine = MemcachedEngineVersion.of(version);
  const props: ShardedMemcachedProps = {
    vpc,
    allowedConnections: [appSecurityGroup(stack, vpc)],
    engineVersion: engine,
    transitEncryption: engine.supportsTls,
    ...p,
  };
  new ShardedMemcached(stack, 'Cache', props);
}));

const sessionCommon = fc.record({
  sessionTtl: fc.integer({ min: 1, max: 90 * 24 * 3600 }),
  keyPrefix: keyPattern,
});

const nodeBasedSessions: fc.Arbitrary<Build> = fc.constantFrom(...VALKEY, '6.2', '7.0', '7.1').chain((version) => {
  const engine = VALKEY.includes(version) ? CacheEngineVersion.of(CacheEngine.VALKEY, version) : CacheEngineVersion.of(CacheEngine.REDIS, version);
  return fc.record({
    common: sessionCommon,
    nodeType: fc.constantFrom(...nodeTypesFor(engine.engine, version)),
    clusterMode: fc.boolean(),
    shards: fc.integer({ min: 1, max: 3 }),
    replicas: fc.integer({ min: 1, max: 5 }),
    authentication: authentication(engine),
  }).map((p): Build => (stack, vpc) => {
    const props: SessionStoreCacheProps = {
      vpc,
      allowedConnections: [appSecurityGroup(stack, vpc)],
      engineVersion: engine,
      sessionTtl: Duration.seconds(p.common.sessionTtl),
      keyPrefix: p.common.keyPrefix,
      deployment: SessionStoreDeployment.nodeBased({
        nodeType: p.nodeType,
        clusterMode: p.clusterMode,
        shards: p.clusterMode ? p.shards : undefined,
        replicas: p.replicas,
        authentication: p.authentication,
      }),
    };
    new SessionStoreCache(stack, 'Sessions', props);
  });
});

const serverlessSessions: fc.Arbitrary<Build> = fc.record({
  common: sessionCommon,
  engine: fc.constantFrom(
    ...VALKEY.map((v) => CacheEngineVersion.of(CacheEngine.VALKEY, v)),
    CacheEngineVersion.REDIS_7_0,
    CacheEngineVersion.REDIS_7_1,
  ),
  maxDataStorageGb: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
  maxEcpuPerSecond: fc.option(fc.integer({ min: 1000, max: 15_000_000 }), { nil: undefined }),
  iamAuthentication: fc.boolean(),
  backupRetention: fc.integer({ min: 1, max: 35 }),
}).map((p): Build => (stack, vpc) => {
  new SessionStoreCache(stack, 'Sessions', {
    vpc,
    allowedConnections: [appSecurityGroup(stack, vpc)],
    engineVersion: p.engine,
    sessionTtl: Duration.seconds(p.common.sessionTtl),
    keyPrefix: p.common.keyPrefix,
    backupRetention: Duration.days(p.backupRetention),
    // Usage limits come with alarms, which the HIPAA and NIST packs want to have an action.
    alarmTopic: p.maxDataStorageGb !== undefined || p.maxEcpuPerSecond !== undefined ? encryptedTopic(stack) : undefined,
    deployment: SessionStoreDeployment.serverless({
      cacheUsageLimits: {
        dataStorageMaximumSize: p.maxDataStorageGb !== undefined ? Size.gibibytes(p.maxDataStorageGb) : undefined,
        requestRateLimitMaximum: p.maxEcpuPerSecond,
      },
      iamAuthentication: p.iamAuthentication,
    }),
  });
});

const VALID: Array<[string, fc.Arbitrary<Build>]> = [
  ['SecureRedisCluster', redisProps],
  ['ShardedMemcached', memcachedProps],
  ['SessionStoreCache (nodes)', nodeBasedSessions],
  ['SessionStoreCache (serverless)', serverlessSessions],
];

describe('random valid props', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-secure-elasticache-properties-'));
  const templates: string[] = [];

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test.each(VALID)('%s: synthesizes, with no cdk-nag finding and only the library\'s table of acknowledgements', (name, arbitrary) => {
    let n = 0;
    fc.assert(fc.property(arbitrary, (build) => {
      const app = new App();
      const stack = new Stack(app, `Matrix${n}`, { env: TEST_ENV });
      build(stack, importedVpc(stack));

      expect(findings(app)).toEqual([]);
      expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}-${n++}.template.json`);
      fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));
      templates.push(file);
    }), PARAMS);
  });

  test('cfn-lint reports nothing on any of the templates', () => {
    expect(templates.length).toBe(VALID.length * RUNS);
    const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', ...templates], { encoding: 'utf-8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, LINT_TIMEOUT_MS);
});

// Random invalid props: a valid base, and one prop out of what ElastiCache accepts.

/** One invalid prop: its name as the message must give it, and the props that carry it. */
interface Mutation {
  readonly prop: string;
  readonly props: Record<string, unknown>;
}

/** The retention periods CloudWatch Logs offers (AWS::Logs::LogGroup schema), and CDK's INFINITE. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999];
const notInteger = fc.double({ min: 0.01, max: 1000, noNaN: true }).filter((d) => !Number.isInteger(d));
/** An id with a character ElastiCache refuses, or a bad start or end. */
const badId = fc.oneof(
  fc.stringMatching(/^[0-9][a-z0-9]{0,10}$/),
  fc.stringMatching(/^[a-z]{1,5}[_.:/ ][a-z]{1,5}$/),
  fc.stringMatching(/^[a-z]{1,8}-$/),
  fc.stringMatching(/^[a-z]{1,5}--[a-z]{1,5}$/),
);
const badWindow = fc.oneof(fc.stringMatching(/^[a-z0-9 :]{0,12}$/), fc.constantFrom('25:00-26:00', 'sun:05:00-sun:05:30', '03:00-03:10'));
const worldOpen = fc.constantFrom(ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6(), ec2.Peer.ipv4('0.0.0.0/0'));

const redisMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.oneof(fc.integer({ min: 6, max: 100 }), fc.integer({ min: -100, max: -1 }), notInteger).map((replicasPerShard) => ({ prop: 'replicasPerShard', props: { replicasPerShard } })),
  fc.oneof(fc.integer({ min: 501, max: 10_000 }), fc.integer({ min: -5, max: 0 })).map((shards) => ({ prop: 'shards', props: { shards, replicasPerShard: 0, multiAz: false } })),
  fc.oneof(fc.integer({ min: 65536, max: 1_000_000 }), fc.integer({ min: -100, max: 0 }), notInteger).map((p) => ({ prop: 'port', props: { port: p } })),
  badId.map((replicationGroupId) => ({ prop: 'replicationGroupId', props: { replicationGroupId } })),
  fc.integer({ min: 36, max: 3650 }).map((days) => ({ prop: 'backupRetention', props: { backupRetention: Duration.days(days) } })),
  badWindow.map((snapshotWindow) => ({ prop: 'snapshotWindow', props: { snapshotWindow } })),
  badWindow.map((maintenanceWindow) => ({ prop: 'maintenanceWindow', props: { maintenanceWindow } })),
  fc.stringMatching(/^\s{0,4}$/).map((d) => ({ prop: 'description', props: { description: d } })),
  fc.integer({ min: 0, max: 10_000 }).filter((d) => !LOG_RETENTION_DAYS.includes(d))
    .map((retention) => ({ prop: 'logging.retention', props: { logging: { retention } } })),
  worldOpen.map((peer) => ({ prop: 'allowedConnections', props: { allowedConnections: [peer] } })),
  fc.stringMatching(/^cache\.[a-z]{1,3}[0-9]\.(huge|tiny|[0-9]{3}xlarge)$/).map((nodeType) => ({ prop: 'nodeType', props: { nodeType } })),
  fc.constantFrom('+@al', '+@reed', '>secret', 'nopass', 'reset', 'all', '~', '~sess\\').map((rule) => ({
    prop: 'accessString',
    props: { authentication: CacheAuthentication.users([CacheUser.password('app', { accessString: AccessString.of(`on ~* ${rule}`) })]) },
  })),
);

const memcachedMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.oneof(fc.integer({ min: -10, max: 0 }), notInteger).map((nodes) => ({ prop: 'nodes', props: { nodes } })),
  fc.oneof(fc.integer({ min: 65536, max: 1_000_000 }), fc.integer({ min: -100, max: 0 })).map((p) => ({ prop: 'port', props: { port: p } })),
  badId.map((clusterName) => ({ prop: 'clusterName', props: { clusterName } })),
  badWindow.map((maintenanceWindow) => ({ prop: 'maintenanceWindow', props: { maintenanceWindow } })),
  worldOpen.map((peer) => ({ prop: 'allowedConnections', props: { allowedConnections: [peer] } })),
  fc.constantFrom('cache.t2.micro', 'cache.r6gd.xlarge', 'cache.m7g.huge', 'm7g.large').map((nodeType) => ({ prop: 'nodeType', props: { nodeType } })),
);

const sessionMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.integer({ min: 1, max: 999 }).map((ms) => ({ prop: 'sessionTtl', props: { sessionTtl: Duration.millis(1000 * 60 + ms) } })),
  fc.stringMatching(/^[a-z]{0,4}[*?[\]\\ ][a-z:]{0,4}$/).map((keyPrefix) => ({ prop: 'keyPrefix', props: { keyPrefix } })),
  fc.oneof(fc.integer({ min: 6, max: 50 }), fc.integer({ min: -5, max: 0 })).map((replicas) => ({
    prop: 'replicas', props: { deployment: SessionStoreDeployment.nodeBased({ replicas }) },
  })),
  fc.oneof(fc.integer({ min: 5001, max: 100_000 }), fc.constant(0)).map((maxDataStorageGb) => ({
    prop: 'cacheUsageLimits.dataStorageMaximumSize', props: { deployment: SessionStoreDeployment.serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(maxDataStorageGb) } }) },
  })),
  badId.map((serverlessCacheName) => ({ prop: 'serverlessCacheName', props: { deployment: SessionStoreDeployment.serverless({ serverlessCacheName }) } })),
  worldOpen.map((peer) => ({ prop: 'allowedConnections', props: { allowedConnections: [peer] } })),
  fc.constantFrom('6.0', '6.2').map((v) => ({
    prop: 'engineVersion',
    props: { engineVersion: CacheEngineVersion.of(v === '6.0' ? CacheEngine.VALKEY : CacheEngine.REDIS, v), deployment: SessionStoreDeployment.serverless() },
  })),
);

const INVALID: Array<[string, fc.Arbitrary<Mutation>, (stack: Stack, vpc: ec2.IVpc, props: Record<string, unknown>) => void]> = [
  ['SecureRedisCluster', redisMutations, (stack, vpc, props) => new SecureRedisCluster(stack, 'Cache', { vpc, ...props })],
  ['ShardedMemcached', memcachedMutations, (stack, vpc, props) => new ShardedMemcached(stack, 'Cache', { vpc, ...props })],
  ['SessionStoreCache', sessionMutations, (stack, vpc, props) => new SessionStoreCache(stack, 'Sessions', { vpc, ...props })],
];

describe('random invalid props', () => {
  test.each(INVALID)('%s: fails at synth with a message that names the prop', (_name, mutations, build) => {
    fc.assert(fc.property(mutations, ({ prop, props }) => {
      const app = new App();
      const stack = new Stack(app, 'Invalid', { env: TEST_ENV });
      const message = errorOf(() => build(stack, importedVpc(stack), props));
      expect(message).toMatch(/^\[Invalid\/\w+(\/Cluster)?\] invalid configuration:\n/);
      expect(message).toContain(prop);
    }), INVALID_PARAMS);
  });
});
