import { App, CfnParameter, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngine, CacheEngineVersion, CacheUser, MemcachedEngineVersion, RecommendedAlarmsOptions,
  SecretRotation, SecureRedisCluster, SecureRedisClusterProps, SessionStoreCache, SessionStoreCacheProps, SessionStoreDeployment, ShardedMemcached,
  TransitEncryptionMode,
} from '../src';
import { appSecurityGroup, encryptedTopic, importedVpc, newStack } from './fixtures';
import { buildInFixtureVpc, errorOf, expectInvalidConfiguration, PropsFactory } from './support';

/** A VPC with public subnets only. */
function publicOnlyVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'PublicVpc', {
    vpcId: 'vpc-0fedcba9876543210',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    publicSubnetIds: ['subnet-0d100000000000004', 'subnet-0e100000000000005'],
    publicSubnetRouteTableIds: ['rtb-0d100000000000004', 'rtb-0e100000000000005'],
  });
}

interface Row {
  /** The rule, as the test name. */
  readonly case: string;
  /** Props on top of the fixture VPC. */
  readonly props?: PropsFactory<SecureRedisClusterProps>;
  /** Options of `addRecommendedAlarms()`, for the rules it checks. */
  readonly alarms?: RecommendedAlarmsOptions;
  /** The expected message: the bad value and the fix. */
  readonly message: RegExp;
}

function numberParameter(stack: Stack, id: string): number {
  return new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
}

const rows: Row[] = [
  // Topology
  { case: 'replicasPerShard above 5', props: { replicasPerShard: 6 }, message: /replicasPerShard must be an integer from 0 to 5, got 6\. A shard has 1 to 6 nodes\./ },
  { case: 'replicasPerShard below 0', props: { replicasPerShard: -1, multiAz: false }, message: /replicasPerShard must be an integer from 0 to 5, got -1\. A shard has 1 to 6 nodes\./ },
  { case: 'replicasPerShard not an integer', props: { replicasPerShard: 1.5 }, message: /replicasPerShard must be an integer from 0 to 5, got 1\.5\. A shard has 1 to 6 nodes\./ },
  { case: 'shards below 1', props: { shards: 0 }, message: /shards must be an integer from 1 to 500, got 0\. Valkey and Redis OSS 5\.0\.6\+ allow up to 500 shards\./ },
  { case: 'shards above 500', props: { shards: 501, replicasPerShard: 0, multiAz: false }, message: /shards must be an integer from 1 to 500, got 501\./ },
  { case: 'several shards with cluster mode off', props: { shards: 2, clusterMode: false }, message: /shards is 2 but clusterMode is false\. .*set clusterMode: true to shard writes/ },
  { case: 'Multi-AZ without a replica', props: { replicasPerShard: 0 }, message: /multiAz needs at least one replica per shard .*replicasPerShard is 0\. Set replicasPerShard to 1 or more, or multiAz: false/ },
  {
    case: 'Multi-AZ with subnets in one zone',
    props: { vpcSubnets: { availabilityZones: ['us-east-1a'] } },
    message: /multiAz needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1a\. Select subnets in two or more zones, or set multiAz: false/,
  },
  {
    case: 'replicasPerShard from a token with cluster mode off',
    props: (stack) => ({ clusterMode: false, replicasPerShard: numberParameter(stack, 'Replicas') }),
    message: /replicasPerShard comes from a token, but with clusterMode false the node count .* Give a number, or set clusterMode: true/,
  },
  // Port
  { case: 'port 0', props: { port: 0 }, message: /port must be an integer from 1 to 65535, got 0\. Leave it unset for 6380/ },
  { case: 'port above 65535', props: { port: 65536 }, message: /port must be an integer from 1 to 65535, got 65536\. Leave it unset for 6380/ },
  { case: 'port not an integer', props: { port: 6380.5 }, message: /port must be an integer from 1 to 65535, got 6380\.5\./ },
  // Replication group id
  { case: 'replicationGroupId too long', props: { replicationGroupId: 'a'.repeat(41) }, message: /replicationGroupId "a{41}" has 41 characters; ElastiCache allows 1 to 40/ },
  { case: 'replicationGroupId empty', props: { replicationGroupId: '' }, message: /replicationGroupId "" has 0 characters; ElastiCache allows 1 to 40/ },
  { case: 'replicationGroupId starting with a digit', props: { replicationGroupId: '1orders' }, message: /replicationGroupId "1orders" must start with a letter and contain only letters, digits and hyphens/ },
  { case: 'replicationGroupId with an underscore', props: { replicationGroupId: 'orders_cache' }, message: /replicationGroupId "orders_cache" must start with a letter and contain only letters, digits and hyphens/ },
  { case: 'replicationGroupId with two hyphens in a row', props: { replicationGroupId: 'orders--cache' }, message: /replicationGroupId "orders--cache" must not contain two hyphens in a row/ },
  { case: 'replicationGroupId ending with a hyphen', props: { replicationGroupId: 'orders-' }, message: /replicationGroupId "orders-" must not .*end with a hyphen/ },
  // Backups and windows
  { case: 'backupRetention above 35 days', props: { backupRetention: Duration.days(36) }, message: /backupRetention must be from 0 to 35 days, got 36 days\. ElastiCache keeps automatic backups at most 35 days/ },
  { case: 'backupRetention in fractional days', props: { backupRetention: Duration.hours(36) }, message: /backupRetention must be whole days, got 1 day 12 hours\./ },
  { case: 'backupRetention of less than an hour unit', props: { backupRetention: Duration.minutes(90) }, message: /backupRetention must be whole days, got 1 hour 30 minutes\./ },
  {
    case: 'backupRetention from a token',
    props: (stack) => ({ backupRetention: Duration.days(numberParameter(stack, 'Days')) }),
    message: /backupRetention comes from a token, .* Give a literal Duration\.days\(n\)/,
  },
  { case: 'malformed snapshotWindow', props: { snapshotWindow: '3:00-4:00' }, message: /snapshotWindow "3:00-4:00" is not of the form hh24:mi-hh24:mi \(UTC\), e\.g\. "03:00-04:00"/ },
  { case: 'snapshotWindow shorter than 60 minutes', props: { snapshotWindow: '03:00-03:59' }, message: /snapshotWindow "03:00-03:59" is shorter than the 60 minutes ElastiCache requires/ },
  {
    case: 'malformed maintenanceWindow',
    props: { maintenanceWindow: 'sunday:05:00-sunday:06:00' },
    message: /maintenanceWindow "sunday:05:00-sunday:06:00" is not of the form ddd:hh24:mi-ddd:hh24:mi \(UTC\), e\.g\. "sun:05:00-sun:06:00"/,
  },
  { case: 'maintenanceWindow shorter than 60 minutes', props: { maintenanceWindow: 'sun:05:00-sun:05:30' }, message: /maintenanceWindow "sun:05:00-sun:05:30" is shorter than the 60 minutes ElastiCache requires/ },
  {
    case: 'overlapping windows',
    props: { maintenanceWindow: 'mon:03:30-mon:04:30' },
    message: /snapshotWindow "03:00-04:00" overlaps maintenanceWindow "mon:03:30-mon:04:30"\. Move one of them/,
  },
  {
    case: 'overlapping windows, the snapshot window past midnight',
    props: { snapshotWindow: '23:30-00:30', maintenanceWindow: 'wed:00:00-wed:01:00' },
    message: /snapshotWindow "23:30-00:30" overlaps maintenanceWindow "wed:00:00-wed:01:00"\. Move one of them/,
  },
  {
    case: 'overlapping windows, the maintenance window past the end of the week',
    props: { snapshotWindow: '00:00-01:00', maintenanceWindow: 'sat:23:30-sun:00:30' },
    message: /snapshotWindow "00:00-01:00" overlaps maintenanceWindow "sat:23:30-sun:00:30"\. Move one of them/,
  },
  // Parameters
  {
    case: 'parameters together with parameterGroupName',
    props: { parameters: { 'maxmemory-policy': 'allkeys-lru' }, parameterGroupName: 'shared' },
    message: /parameters and parameterGroupName "shared" are both set\. Give parameters \(a group is created\) or the name of an existing group, not both/,
  },
  {
    case: 'cluster-enabled yes with cluster mode off',
    props: { clusterMode: false, parameters: { 'cluster-enabled': 'yes' } },
    message: /parameters sets cluster-enabled to "yes" but clusterMode is false\. Remove cluster-enabled/,
  },
  {
    case: 'cluster-enabled no with cluster mode on',
    props: { parameters: { 'cluster-enabled': 'no' } },
    message: /parameters sets cluster-enabled to "no" but clusterMode is true\. Remove cluster-enabled/,
  },
  // AUTH token
  {
    case: 'AUTH token shorter than 16',
    props: { authToken: AuthToken.generated({ length: 15 }) },
    message: /authToken length must be an integer from 16 to 128, got 15\. ElastiCache AUTH tokens are 16 to 128 characters; leave length unset for 64/,
  },
  {
    case: 'AUTH token longer than 128',
    props: { authToken: AuthToken.generated({ length: 129 }) },
    message: /authToken length must be an integer from 16 to 128, got 129\. .*leave length unset for 64/,
  },
  // Engine
  {
    case: 'slow log on Redis OSS 5.0.6',
    props: { engineVersion: CacheEngineVersion.REDIS_5_0_6, logging: { slowLog: true } },
    message: /logging\.slowLog needs Valkey or Redis OSS 6\.0\+, not redis 5\.0\.6\. Upgrade the engine or set slowLog: false/,
  },
  {
    case: 'engine log on Redis OSS 6.0',
    props: { engineVersion: CacheEngineVersion.REDIS_6_0, logging: { engineLog: true } },
    message: /logging\.engineLog needs Valkey or Redis OSS 6\.2\+, not redis 6\.0\. Upgrade the engine or set engineLog: false/,
  },
  {
    case: 'unknown engine version',
    props: { engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '9.9') },
    message: /engineVersion "valkey 9\.9" does not exist\. Known valkey versions: 7\.2, 8\.0, 8\.1, 8\.2, 9\.0, 9\.1\. For a newer one, give its parameterGroupFamily in CacheEngineVersion\.of\(\)/,
  },
  {
    case: 'preferred TLS on Redis OSS 6.2',
    props: { engineVersion: CacheEngineVersion.REDIS_6_2, transitEncryptionMode: TransitEncryptionMode.PREFERRED },
    message: /transitEncryptionMode "preferred" needs Valkey or Redis OSS 7\.0\.5\+, not redis 6\.2\. Upgrade the engine, or keep TLS required/,
  },
  // Node type
  {
    case: 'malformed node type',
    props: { nodeType: 'm7g.large' },
    message: /nodeType "m7g\.large" cannot be used: a node type has the form cache\.<family>\.<size>, e\.g\. cache\.m7g\.large/,
  },
  {
    case: 'previous-generation node type',
    props: { nodeType: 'cache.t2.micro' },
    message: /nodeType "cache\.t2\.micro" cannot be used: the t2 family is previous generation .*use a current family such as m7g, r7g or t4g/,
  },
  {
    case: 'unknown node family',
    props: { nodeType: 'cache.x9.large' },
    message: /nodeType "cache\.x9\.large" cannot be used: unknown node family "x9"; current families are .*m7g/,
  },
  {
    case: 'unknown node size',
    props: { nodeType: 'cache.m7g.huge' },
    message: /nodeType "cache\.m7g\.huge" cannot be used: the m7g family has no size "huge"; available sizes are large, xlarge/,
  },
  {
    case: 'r6gd on Redis OSS 6.0',
    props: { nodeType: 'cache.r6gd.xlarge', engineVersion: CacheEngineVersion.REDIS_6_0 },
    message: /nodeType "cache\.r6gd\.xlarge" uses data tiering, which redis 6\.0 does not support\. Use Valkey or Redis OSS 6\.2\+, or an r7g node/,
  },
  // Network
  {
    case: 'vpcSubnets selecting public subnets',
    props: { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
    message: /vpcSubnets selects public subnets \(subnet-0d000000000000004, subnet-0e000000000000005, subnet-0f000000000000006\)\. Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead/,
  },
  {
    case: 'vpcSubnets selecting no subnet',
    props: { vpcSubnets: { availabilityZones: ['us-west-2a'] } },
    message: /vpcSubnets selects no subnets\. Select at least one private subnet of the VPC/,
  },
  {
    case: 'a VPC without private subnets',
    props: (stack) => ({ vpc: publicOnlyVpc(stack) }),
    message: /vpc TestStack\/PublicVpc has no isolated or private subnets\. .*add PRIVATE_ISOLATED subnets to the VPC, or pass vpcSubnets that select private ones/,
  },
  // Events
  {
    case: 'a KMS-encrypted notification topic',
    props: (stack) => ({ notificationTopic: encryptedTopic(stack) }),
    message: /notificationTopic TestStack\/Alerts is encrypted with KMS, but ElastiCache cannot publish events to an encrypted topic\. Give an unencrypted topic .* and the encrypted one to addRecommendedAlarms\(\{ alarmTopic \}\)/,
  },
  // Alarms
  { case: 'CPU alarm threshold 0', alarms: { cpuUtilizationPercent: 0 }, message: /cpuUtilizationPercent must be from 1 to 100, got 0\./ },
  { case: 'CPU alarm threshold above 100', alarms: { cpuUtilizationPercent: 101 }, message: /cpuUtilizationPercent must be from 1 to 100, got 101\./ },
  { case: 'memory alarm threshold 0', alarms: { memoryUsagePercent: 0 }, message: /memoryUsagePercent must be from 1 to 100, got 0\./ },
  { case: 'memory alarm threshold above 100', alarms: { memoryUsagePercent: 150 }, message: /memoryUsagePercent must be from 1 to 100, got 150\./ },
];

test.each(rows)('$case', ({ props, alarms, message }) => {
  expectInvalidConfiguration('TestStack/Cache', message, () => {
    const { cache } = buildInFixtureVpc(SecureRedisCluster, 'Cache', props);
    if (alarms) {
      cache.addRecommendedAlarms(alarms);
    }
  });
});

test('every error of a configuration is reported in one throw', () => {
  const { stack } = newStack();

  expect(() => new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    replicasPerShard: 9,
    port: 0,
    replicationGroupId: '9orders',
    snapshotWindow: 'nightly',
    nodeType: 'cache.t2.micro',
  })).toThrow(new RegExp([
    '^\\[TestStack/Cache\\] invalid configuration:',
    '  - nodeType "cache\\.t2\\.micro" cannot be used: .*',
    '  - replicasPerShard must be an integer from 0 to 5, got 9\\..*',
    '  - port must be an integer from 1 to 65535, got 0\\..*',
    '  - replicationGroupId "9orders" must start with a letter.*',
    '  - snapshotWindow "nightly" is not of the form .*$',
  ].join('\n')));
});

test('a valid configuration does not throw', () => {
  const { stack } = newStack();

  expect(() => new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    replicasPerShard: 5,
    shards: 500,
    port: 65535,
    replicationGroupId: 'a'.repeat(40),
    backupRetention: Duration.days(35),
    snapshotWindow: '23:30-00:30',
    maintenanceWindow: 'sun:00:30-sun:01:30',
    authToken: AuthToken.generated({ length: 128 }),
  })).not.toThrow();
});

test('windows that only touch do not overlap', () => {
  const { stack } = newStack();

  expect(() => new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    snapshotWindow: '04:00-05:00',
    maintenanceWindow: 'sun:05:00-sun:06:00',
  })).not.toThrow();
});

test('overlapping windows are accepted when backups are off', () => {
  const { stack } = newStack();

  expect(() => new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    backupRetention: Duration.days(0),
    snapshotWindow: '05:00-06:00',
    maintenanceWindow: 'sun:05:00-sun:06:00',
  })).not.toThrow();
});

test('unresolved tokens are skipped, not rejected, and reach the template', () => {
  const { stack } = newStack();
  const shards = numberParameter(stack, 'Shards');
  const replicas = numberParameter(stack, 'Replicas');
  const port = numberParameter(stack, 'Port');
  const groupId = Token.asString({ Ref: 'GroupId' });
  const window = Token.asString({ Ref: 'Window' });
  const nodeType = Token.asString({ Ref: 'NodeType' });

  const cache = new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    shards,
    replicasPerShard: replicas,
    port,
    replicationGroupId: groupId,
    snapshotWindow: window,
    maintenanceWindow: window,
    nodeType,
  });
  cache.connections.allowDefaultPortFrom(ec2.Peer.securityGroupId('sg-0bbbbbbbbbbbbbbbb'));
  const template = Template.fromStack(stack);

  template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
    NumNodeGroups: { Ref: 'Shards' },
    ReplicasPerNodeGroup: { Ref: 'Replicas' },
    Port: { Ref: 'Port' },
    ReplicationGroupId: { Ref: 'GroupId' },
    SnapshotWindow: { Ref: 'Window' },
    PreferredMaintenanceWindow: { Ref: 'Window' },
    CacheNodeType: { Ref: 'NodeType' },
  });
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    FromPort: { Ref: 'Port' },
    ToPort: { Ref: 'Port' },
  });
  expect(stack.resolve(cache.configurationEndpoint.socketAddress)).toEqual({
    'Fn::Join': ['', [{ 'Fn::GetAtt': [stack.getLogicalId(cache.replicationGroup), 'ConfigurationEndPoint.Address'] }, ':', { Ref: 'Port' }]],
  });
});

test('CacheEngineVersion.of() accepts an unknown version with its parameter group family', () => {
  const { stack } = newStack();

  new SecureRedisCluster(stack, 'Cache', {
    vpc: importedVpc(stack),
    engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '10.0', { parameterGroupFamily: 'valkey10' }),
  });
  const template = Template.fromStack(stack);

  template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { Engine: 'valkey', EngineVersion: '10.0' });
  template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'valkey10' });
});

test('addRecommendedAlarms accepts the bounds of its thresholds', () => {
  const { stack } = newStack();
  const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack) });

  expect(() => cache.addRecommendedAlarms({ cpuUtilizationPercent: 100, memoryUsagePercent: 1 })).not.toThrow();
});

// ElastiCache would refuse these at deploy, or deploy them open: refused at synth, for every
// construct. Each row names the rule; docs/validation.md lists the rules with their sources.

/** Props of any of the three constructs; each row gives those of its own. */
type AnyProps = { [name: string]: any };

interface ConstructRow {
  readonly case: string;
  readonly props: PropsFactory<AnyProps>;
  readonly message: RegExp;
}

const CONSTRUCTS = {
  SecureRedisCluster: { type: SecureRedisCluster, id: 'Cache' },
  ShardedMemcached: { type: ShardedMemcached, id: 'Cache' },
  SessionStoreCache: { type: SessionStoreCache, id: 'Sessions' },
} as const;
type ConstructName = keyof typeof CONSTRUCTS;

function expectRefused(name: ConstructName, props: PropsFactory<AnyProps>, message: RegExp): void {
  const { type, id } = CONSTRUCTS[name];
  expectInvalidConfiguration(`TestStack/${id}`, message, () => buildInFixtureVpc(type as any, id, props as any));
}

function expectAccepted(name: ConstructName, props: PropsFactory<AnyProps>): void {
  const { type, id } = CONSTRUCTS[name];
  expect(() => {
    const { stack } = buildInFixtureVpc(type as any, id, props as any);
    Template.fromStack(stack);
  }).not.toThrow();
}

const ALL_CONSTRUCTS: ConstructName[] = ['SecureRedisCluster', 'ShardedMemcached', 'SessionStoreCache'];

describe('network exposure', () => {
  const worldOpen: Array<[string, () => ec2.IPeer, string]> = [
    ['ec2.Peer.anyIpv4()', () => ec2.Peer.anyIpv4(), '0.0.0.0/0'],
    ['ec2.Peer.anyIpv6()', () => ec2.Peer.anyIpv6(), '::/0'],
    ['ec2.Peer.ipv4("0.0.0.0/0")', () => ec2.Peer.ipv4('0.0.0.0/0'), '0.0.0.0/0'],
    ['ec2.Peer.ipv6("::/0")', () => ec2.Peer.ipv6('::/0'), '::/0'],
    ['ec2.Peer.ipv6("0:0::/0"), spelled otherwise', () => ec2.Peer.ipv6('0:0::/0'), '0:0::/0'],
  ];
  const exposureRows = ALL_CONSTRUCTS.flatMap((construct) => [
    ...worldOpen.map(([what, peer, range]) => ({
      construct,
      case: `${what} in allowedConnections, even with allowCidrIngress`,
      props: { allowedConnections: [peer()], allowCidrIngress: true },
      message: new RegExp(`allowedConnections admits "${range.replace(/[./]/g, '\\$&')}", every address\\. Admit the clients' security groups instead`),
    })),
    {
      construct,
      case: 'a private CIDR without allowCidrIngress',
      props: { allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')] },
      message: /allowedConnections admits the address range "10\.0\.0\.0\/16", but allowCidrIngress is not set\. .* or set allowCidrIngress: true/,
    },
    {
      construct,
      case: 'a prefix list without allowCidrIngress',
      props: { allowedConnections: [ec2.Peer.prefixList('pl-0123456789abcdef0')] },
      message: /allowedConnections admits the address range "pl-0123456789abcdef0", but allowCidrIngress is not set/,
    },
    {
      construct,
      case: 'a CIDR that is a token',
      props: (stack: Stack) => ({ allowedConnections: [ec2.Peer.ipv4(new CfnParameter(stack, 'Cidr').valueAsString)], allowCidrIngress: true }),
      message: /allowedConnections has an address range that is a token, which cannot be checked at synth\. Give the CIDR as a literal/,
    },
  ]);

  test.each(exposureRows)('$construct: $case', ({ construct, props, message }) => {
    expectRefused(construct, props as PropsFactory<AnyProps>, message);
  });

  test.each(ALL_CONSTRUCTS)('%s: a narrow CIDR with allowCidrIngress reaches the template, on the cache port only', (construct) => {
    const { type, id } = CONSTRUCTS[construct];
    const { stack } = buildInFixtureVpc(type as any, id, { allowedConnections: [ec2.Peer.ipv4('10.1.0.0/16')], allowCidrIngress: true } as any);
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup'))
      .flatMap((sg: any) => sg.Properties.SecurityGroupIngress ?? []);
    expect(rules.map((r: any) => r.CidrIp)).toContain('10.1.0.0/16');
    expect(rules.every((r: any) => r.IpProtocol === 'tcp' && r.FromPort === r.ToPort)).toBe(true);
  });

  test.each(ALL_CONSTRUCTS)('%s: a security group needs no opt-in', (construct) => {
    expectAccepted(construct, (stack, vpc) => ({ allowedConnections: [appSecurityGroup(stack, vpc)] }));
  });

  test.each(ALL_CONSTRUCTS)('%s: world-open ingress added later through connections fails the synth', (construct) => {
    const { type, id } = CONSTRUCTS[construct];
    const { stack } = buildInFixtureVpc(type as any, id, {} as any);
    const cache = stack.node.findChild(id) as unknown as ec2.IConnectable;
    cache.connections.allowDefaultPortFrom(ec2.Peer.anyIpv4());

    const error = errorOf(() => (stack.node.root as App).synth());
    // The node-based session store's security group is its cluster's.
    const path = construct === 'SessionStoreCache' ? `${id}/Cluster` : id;
    expect(error).toMatch(new RegExp(`\\[TestStack/${path}\\] the security group TestStack/${path}/SecurityGroup admits "0\\.0\\.0\\.0/0", every address\\. Admit the clients' security groups instead`));
  });
});

describe('engine x node type x feature', () => {
  const compatibilityRows: Array<ConstructRow & { construct: ConstructName }> = [
    ...(['REDIS_4_0_10', 'REDIS_5_0_6', 'REDIS_6_0'] as const).map((name) => ({
      construct: 'SecureRedisCluster' as ConstructName,
      case: `Redis OSS ${CacheEngineVersion[name].version} with the default cache.m7g.large`,
      props: { engineVersion: CacheEngineVersion[name] },
      message: new RegExp(`nodeType "cache\\.m7g\\.large" \\(the default\\) cannot run redis ${CacheEngineVersion[name].version.replace(/\./g, '\\.')}: m7g nodes need Redis OSS 6\\.2 or later.* Give nodeType: "cache\\.m[56]g?\\.large", or upgrade the engine`),
    })),
    { construct: 'SecureRedisCluster', case: 'Redis OSS 5.0.6 on r7g', props: { engineVersion: CacheEngineVersion.REDIS_5_0_6, nodeType: 'cache.r7g.large' }, message: /nodeType "cache\.r7g\.large" cannot run redis 5\.0\.6: r7g nodes need Redis OSS 6\.2 or later/ },
    { construct: 'SecureRedisCluster', case: 'Redis OSS 4.0.10 on m6g', props: { engineVersion: CacheEngineVersion.REDIS_4_0_10, nodeType: 'cache.m6g.large' }, message: /m6g nodes need Redis OSS 5\.0\.6 or later, not 4\.0\.10.* Give nodeType: "cache\.m5\.large"/ },
    { construct: 'SecureRedisCluster', case: 'Redis OSS 4.0.10 on t4g', props: { engineVersion: CacheEngineVersion.REDIS_4_0_10, nodeType: 'cache.t4g.small' }, message: /t4g nodes need Redis OSS 5\.0\.6 or later/ },
    { construct: 'SecureRedisCluster', case: 'data tiering (r6gd) on Redis OSS 6.0', props: { engineVersion: CacheEngineVersion.REDIS_6_0, nodeType: 'cache.r6gd.xlarge' }, message: /nodeType "cache\.r6gd\.xlarge" uses data tiering, which redis 6\.0 does not support/ },
    { construct: 'SecureRedisCluster', case: 'IAM users on Redis OSS 6.2', props: { engineVersion: CacheEngineVersion.REDIS_6_2, authentication: CacheAuthentication.iam(['app']) }, message: /IAM authentication needs Valkey 7\.2\+ or Redis OSS 7\.0\+, not redis 6\.2/ },
    { construct: 'SecureRedisCluster', case: 'RBAC users on Redis OSS 5.0.6', props: { engineVersion: CacheEngineVersion.REDIS_5_0_6, nodeType: 'cache.m6g.large', authentication: CacheAuthentication.users([CacheUser.password('app')]) }, message: /RBAC users need Valkey or Redis OSS 6\.0\+, not redis 5\.0\.6/ },
    { construct: 'SecureRedisCluster', case: 'a parameter group family of another engine', props: { engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '10.0', { parameterGroupFamily: 'redis7' }) }, message: /the parameter group family "redis7" of engineVersion "valkey 10\.0" disagrees with the engine, whose family is "valkey10"\. Give parameterGroupFamily: "valkey10"/ },
    { construct: 'SecureRedisCluster', case: 'a family that disagrees with a known version', props: { engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '8.1', { parameterGroupFamily: 'valkey7' }) }, message: /the parameter group family "valkey7" of engineVersion "valkey 8\.1" disagrees with the engine, whose family is "valkey8"/ },
    { construct: 'SecureRedisCluster', case: 'a version that is not dotted numbers', props: { engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, 'latest', { parameterGroupFamily: 'valkey9' }) }, message: /engineVersion "latest" is not a valkey version: versions are dotted numbers such as "8\.1"/ },
    { construct: 'ShardedMemcached', case: 'Memcached 1.5.10 on the default m7g? no: on m6g', props: { engineVersion: MemcachedEngineVersion.of('1.5.10'), transitEncryption: false, nodeType: 'cache.m6g.large' }, message: /nodeType "cache\.m6g\.large" cannot run memcached 1\.5\.10: m6g nodes need Memcached 1\.5\.16 or later.* Give nodeType: "cache\.m7g\.large"/ },
    { construct: 'ShardedMemcached', case: 'Memcached 1.4.34 on t4g', props: { engineVersion: MemcachedEngineVersion.of('1.4.34'), transitEncryption: false, nodeType: 'cache.t4g.small' }, message: /t4g nodes need Memcached 1\.5\.16 or later, not 1\.4\.34/ },
    { construct: 'ShardedMemcached', case: 'a Memcached family that disagrees with the version', props: { engineVersion: MemcachedEngineVersion.of('1.7.1', { parameterGroupFamily: 'memcached1.6' }) }, message: /the parameter group family "memcached1\.6" of engineVersion "memcached 1\.7\.1" disagrees with the engine, whose family is "memcached1\.7"/ },
    { construct: 'SessionStoreCache', case: 'serverless Valkey 6.0, a version that does not exist', props: { deployment: SessionStoreDeployment.serverless(), engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '6.0') }, message: /engineVersion "valkey 6\.0" does not exist\. Known valkey versions: 7\.2, 8\.0/ },
    { construct: 'SessionStoreCache', case: 'serverless Redis OSS 6.2', props: { deployment: SessionStoreDeployment.serverless(), engineVersion: CacheEngineVersion.REDIS_6_2 }, message: /serverless needs Valkey 7\.2\+ or Redis OSS 7\.0\+, not redis 6\.2/ },
    { construct: 'SessionStoreCache', case: 'serverless with a family of another engine', props: { deployment: SessionStoreDeployment.serverless(), engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '10.0', { parameterGroupFamily: 'redis7' }) }, message: /parameter group family "redis7" .* disagrees with the engine/ },
  ];

  test.each(compatibilityRows)('$construct: $case', ({ construct, props, message }) => {
    expectRefused(construct, props, message);
  });

  test('SessionStoreCache: node-based Redis OSS 6.0 with the default node type, reported by its cluster', () => {
    expectInvalidConfiguration('TestStack/Sessions/Cluster', /nodeType "cache\.m7g\.large" \(the default\) cannot run redis 6\.0/,
      () => buildInFixtureVpc(SessionStoreCache, 'Sessions', { engineVersion: CacheEngineVersion.REDIS_6_0 }));
  });

  test.each<[ConstructName, AnyProps]>([
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.REDIS_6_0, nodeType: 'cache.m6g.large' }],
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.REDIS_5_0_6, nodeType: 'cache.t4g.medium', multiAz: false, replicasPerShard: 0 }],
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.REDIS_4_0_10, nodeType: 'cache.m5.large' }],
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.REDIS_6_2, nodeType: 'cache.r6gd.xlarge' }],
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.VALKEY_7_2, nodeType: 'cache.r6gd.xlarge' }],
    ['SecureRedisCluster', { engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '10.0', { parameterGroupFamily: 'valkey10' }) }],
    ['ShardedMemcached', { engineVersion: MemcachedEngineVersion.of('1.5.16'), transitEncryption: false, nodeType: 'cache.t4g.small' }],
    ['SessionStoreCache', { deployment: SessionStoreDeployment.serverless(), engineVersion: CacheEngineVersion.VALKEY_7_2 }],
    ['SessionStoreCache', { deployment: SessionStoreDeployment.serverless(), engineVersion: CacheEngineVersion.REDIS_7_1 }],
  ])('%s accepts %o', (construct, props) => {
    expectAccepted(construct, props);
  });
});

describe('tokens that would hide a conflict', () => {
  /** `at`: the path that reports the error, when the session store's cluster does. */
  const tokenRows: Array<ConstructRow & { construct: ConstructName; at?: string }> = [
    {
      construct: 'SecureRedisCluster',
      case: 'shards from a parameter with cluster mode off',
      props: (stack) => ({ clusterMode: false, shards: new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber }),
      message: /shards comes from a token, but with clusterMode false the group has exactly one shard and the value would be ignored\. Leave shards unset, or set clusterMode: true/,
    },
    {
      construct: 'SessionStoreCache',
      case: 'shards from a parameter on a store with cluster mode off',
      at: 'TestStack/Sessions/Cluster',
      props: (stack) => ({ deployment: SessionStoreDeployment.nodeBased({ shards: new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber }) }),
      message: /shards comes from a token, but with clusterMode false .* Leave shards unset, or set clusterMode: true/,
    },
    {
      construct: 'SessionStoreCache',
      case: 'serverless backupRetention from a parameter (it would become the default 15 days)',
      props: (stack) => ({
        deployment: SessionStoreDeployment.serverless(),
        backupRetention: Duration.days(new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber),
      }),
      message: /backupRetention comes from a token, but the construct needs the number of days at synth \(SnapshotRetentionLimit\)\. Give a literal Duration\.days\(n\)/,
    },
    {
      construct: 'SessionStoreCache',
      case: 'serverless dataStorageMaximumSize from a parameter (its alarm threshold would be garbage)',
      props: (stack) => ({ deployment: SessionStoreDeployment.serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(new CfnParameter(stack, 'Gb', { type: 'Number' }).valueAsNumber) } }) }),
      message: /cacheUsageLimits\.dataStorageMaximumSize comes from a token, but its alarm threshold \(75% of the limit\) must be computed at synth\. Give Size\.gibibytes\(n\)\./,
    },
    {
      construct: 'SessionStoreCache',
      case: 'serverless requestRateLimitMaximum from a parameter',
      props: (stack) => ({ deployment: SessionStoreDeployment.serverless({ cacheUsageLimits: { requestRateLimitMaximum: new CfnParameter(stack, 'Ecpu', { type: 'Number' }).valueAsNumber } }) }),
      message: /cacheUsageLimits\.requestRateLimitMaximum comes from a token, but its alarm threshold/,
    },
  ];
  test.each(tokenRows)('$construct: $case', ({ construct, props, message, at }) => {
    const path = at ?? `TestStack/${CONSTRUCTS[construct].id}`;
    const { type, id } = CONSTRUCTS[construct];
    expectInvalidConfiguration(path, message, () => buildInFixtureVpc(type as any, id, props as any));
  });

  test('shards from a parameter with cluster mode on reaches NumNodeGroups', () => {
    const { stack } = buildInFixtureVpc(SecureRedisCluster, 'Cache', (s) => ({ shards: new CfnParameter(s, 'Shards', { type: 'Number' }).valueAsNumber }));
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { NumNodeGroups: { Ref: 'Shards' } });
  });
});

describe('empty and malformed strings', () => {
  const users = (accessString: AccessString) => ({ authentication: CacheAuthentication.users([CacheUser.password('app', { accessString })]) });
  const stringRows: Array<ConstructRow & { construct: ConstructName }> = [
    { construct: 'SecureRedisCluster', case: 'an empty description', props: { description: '' }, message: /description "" is empty\. ElastiCache requires a description/ },
    { construct: 'SecureRedisCluster', case: 'a blank description', props: { description: ' \n' }, message: /description " \\n" is empty/ },
    { construct: 'SecureRedisCluster', case: 'AccessString.of("")', props: users(AccessString.of('')), message: /accessString of user "app": the access string "" is empty\. Give rules such as/ },
    { construct: 'SecureRedisCluster', case: 'an unknown category (+@al)', props: users(AccessString.of('on ~* +@al')), message: /accessString of user "app": the access string rule "\+@al" names the category "al", which does not exist\. Categories: all, keyspace/ },
    { construct: 'SecureRedisCluster', case: 'a password in the access string', props: users(AccessString.of('on >secret ~* +@all')), message: /the access string rule ">secret" sets a password, which ElastiCache refuses in an access string/ },
    { construct: 'SecureRedisCluster', case: 'nopass in the access string', props: users(AccessString.of('on nopass ~* +@all')), message: /the access string rule "nopass" sets a password/ },
    { construct: 'SecureRedisCluster', case: 'a rule that is not ACL', props: users(AccessString.of('on ~* all')), message: /the access string rule "all" is not an ACL rule/ },
    { construct: 'SecureRedisCluster', case: 'a command that is not a name', props: users(AccessString.of('on ~* +g$t')), message: /the access string rule "\+g\$t" does not name a command/ },
    { construct: 'SecureRedisCluster', case: 'a key pattern ending in an escaping backslash', props: users(AccessString.readWrite('sess\\')), message: /the pattern of the access string rule "~sess\\\\" means something else than it seems: it ends with an escaping backslash/ },
    { construct: 'SecureRedisCluster', case: 'a key pattern with an unclosed bracket', props: users(AccessString.readOnly('sess[1')), message: /the pattern of the access string rule "~sess\[1" means something else than it seems: it has an unclosed "\["/ },
    { construct: 'SecureRedisCluster', case: 'an empty key pattern', props: users(AccessString.of('on ~ +@all')), message: /the pattern of the access string rule "~" means something else than it seems: it is empty/ },
    { construct: 'SecureRedisCluster', case: 'a secret name with a space', props: { authToken: AuthToken.generated({ secretName: 'prod cache token' }) }, message: /authToken secretName "prod cache token" contains " ", which Secrets Manager refuses in names\. Use letters, digits and \/_\+=\.@- only/ },
    { construct: 'SecureRedisCluster', case: 'a secret name with a colon and a star', props: { authToken: AuthToken.generated({ secretName: 'prod:cache*' }) }, message: /authToken secretName "prod:cache\*" contains ":", "\*", which Secrets Manager refuses/ },
    {
      construct: 'SecureRedisCluster',
      case: 'an empty JSON field of the AUTH token secret',
      props: (stack: Stack) => ({ authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'prod/token'), '') }),
      message: /authToken jsonField "" is empty: the dynamic reference would name no field/,
    },
    { construct: 'SecureRedisCluster', case: 'an empty secret name', props: { authToken: AuthToken.generated({ secretName: '' }) }, message: /authToken secretName "" has 0 characters; Secrets Manager allows 1 to 512/ },
    { construct: 'SecureRedisCluster', case: 'a secret name of 513 characters', props: { authToken: AuthToken.generated({ secretName: 'a'.repeat(513) }) }, message: /authToken secretName "a{513}" has 513 characters; Secrets Manager allows 1 to 512/ },
    { construct: 'SessionStoreCache', case: 'a key prefix ending in a backslash', props: { keyPrefix: 'sess\\' }, message: /keyPrefix "sess\\\\" must be non-empty and contain no spaces, glob characters \(\* \? \[ \]\) or backslashes, since it becomes the ACL key pattern ~<keyPrefix>\*/ },
    { construct: 'SessionStoreCache', case: 'a key prefix with a newline', props: { keyPrefix: 'sess\n' }, message: /keyPrefix "sess\\n" must be non-empty/ },
    { construct: 'SessionStoreCache', case: 'a serverless key prefix with a backslash', props: { keyPrefix: 'a\\b:', deployment: SessionStoreDeployment.serverless() }, message: /keyPrefix "a\\\\b:" must be non-empty/ },
  ];
  test.each(stringRows)('$construct: $case', ({ construct, props, message }) => {
    expectRefused(construct, props, message);
  });

  test.each([
    'on ~* +@all -@dangerous +info',
    'on ~app:* &* -@all +@read +@connection +client|setname',
    'on %R~reports:* %W~jobs:* +@all',
    'off -@all',
    'on allkeys allchannels allcommands',
    'on ~a\\*b* resetkeys ~c:* +@all',
    'on ~* +@all (~temp:* +get)',
  ])('accepts the access string %j', (value) => {
    expectAccepted('SecureRedisCluster', users(AccessString.of(value)));
  });

  test('accepts a secret name with every character Secrets Manager allows', () => {
    expectAccepted('SecureRedisCluster', { authToken: AuthToken.generated({ secretName: 'prod/cache_1+x=y.z@team-a' }) });
  });
});

describe('limits', () => {
  const manyUsers = (n: number) => Array.from({ length: n }, (_, i) => CacheUser.password(`app${i}`));
  const limitRows: Array<ConstructRow & { construct: ConstructName }> = [
    {
      construct: 'SecureRedisCluster',
      case: '100 users and the default one the library adds',
      props: { authentication: CacheAuthentication.users(manyUsers(100)) },
      message: /authentication has 101 users \(with the switched-off "default" user the library adds\), but a user group holds at most 100\./,
    },
    {
      construct: 'SessionStoreCache',
      case: 'a session TTL beyond what SET EX accepts',
      props: { sessionTtl: Duration.days(200_000_000_000) },
      message: /sessionTtl is 17280000000000000 seconds, more than SET EX accepts and applications can read exactly \(9007199254740991\)/,
    },
    ...[0, 2, 366, 10000].map((days) => ({
      construct: 'SecureRedisCluster' as ConstructName,
      case: `log retention of ${days} days`,
      props: { logging: { retention: days as logs.RetentionDays } },
      message: new RegExp(`logging\\.retention is ${days} days, which CloudWatch Logs does not offer\\. Use a logs\\.RetentionDays value`),
    })),
  ];
  test.each(limitRows)('$construct: $case', ({ construct, props, message }) => {
    expectRefused(construct, props, message);
  });

  test('Memcached above the default quota of 60 nodes: a warning, since AWS raises the quota on request', () => {
    const { stack } = buildInFixtureVpc(ShardedMemcached, 'Cache', { nodes: 61 });
    Annotations.fromStack(stack).hasWarning('/TestStack/Cache', Match.stringLikeRegexp('61 nodes exceed the default quota of 60 nodes per Memcached cluster'));
    const { stack: within } = buildInFixtureVpc(ShardedMemcached, 'Cache', { nodes: 60 });
    Annotations.fromStack(within).hasNoWarning('/TestStack/Cache', Match.stringLikeRegexp('quota'));
  });

  test('99 users and the default one fill a user group', () => {
    // Without rotation: one rotation function per password user would take the stack past
    // CloudFormation's 500 resources long before 99 users.
    expectAccepted('SecureRedisCluster', { authentication: CacheAuthentication.users(manyUsers(99)), secretRotation: SecretRotation.disabled() });
  });

  test.each([logs.RetentionDays.ONE_DAY, logs.RetentionDays.TEN_YEARS, logs.RetentionDays.INFINITE])('log retention %d is accepted', (retention) => {
    expectAccepted('SecureRedisCluster', { logging: { retention } });
  });

  test('the longest session TTL that SET EX accepts and applications read exactly is accepted', () => {
    expectAccepted('SessionStoreCache', { sessionTtl: Duration.seconds(Number.MAX_SAFE_INTEGER) });
  });
});

describe('messages', () => {
  test.each([
    ['SessionStoreCache', 'replicas 0 names the store\'s own prop', { deployment: SessionStoreDeployment.nodeBased({ replicas: 0 }) },
      /replicas must be an integer from 1 to 5, got 0\. The store keeps a replica in another zone/],
    ['SessionStoreCache', 'replicas 6', { deployment: SessionStoreDeployment.nodeBased({ replicas: 6 }) }, /replicas must be an integer from 1 to 5, got 6\./],
    ['SessionStoreCache', 'subnets in one zone, in the store\'s words', { vpcSubnets: { availabilityZones: ['us-east-1a'] } },
      /the node-based session store \(a primary and a replica in two zones\) needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1a\. Select subnets in two or more zones\./],
  ] as Array<[ConstructName, string, AnyProps, RegExp]>)('%s: %s', (construct, _case, props, message) => {
    expectRefused(construct, props, message);
    const error = errorOf(() => buildInFixtureVpc(SessionStoreCache, 'Sessions', props as SessionStoreCacheProps));
    expect(error).not.toMatch(/replicasPerShard|multiAz/);
  });

  test('public subnets of a VPC defined in the app are named by path, not by token', () => {
    const { stack } = newStack();
    const vpc = new ec2.Vpc(stack, 'AppVpc', { maxAzs: 2, natGateways: 0 });
    const error = errorOf(() => new SecureRedisCluster(stack, 'Cache', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }));
    expect(error).toMatch(/vpcSubnets selects public subnets \(TestStack\/AppVpc\/PublicSubnet1, TestStack\/AppVpc\/PublicSubnet2\)/);
    expect(error).not.toMatch(/\$\{Token/);
  });
});
