import { CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  AuthToken, CacheEngine, CacheEngineVersion, RecommendedAlarmsOptions, SecureRedisCluster, SecureRedisClusterProps, TransitEncryptionMode,
} from '../src';
import { encryptedTopic, importedVpc, newStack } from './fixtures';
import { buildInFixtureVpc, expectInvalidConfiguration, PropsFactory } from './support';

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
