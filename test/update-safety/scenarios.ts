import { Duration, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngineVersion, CacheUser, CacheUserGroup, MemcachedEngineVersion, SecretRotation,
  SecureRedisCluster,
  SecureRedisClusterProps, SecureServerlessCache, SecureServerlessCacheProps,
  SessionStoreCache, SessionStoreCacheProps, SessionStoreDeployment, ShardedMemcached, ShardedMemcachedProps,
  TransitEncryptionMode,
} from '../../src';

type Factory<P> = (stack: Stack, vpc: ec2.IVpc) => Partial<P>;

/** One change of one documented prop: the props before (the defaults unless given) and after. */
export interface Scenario<P> {
  readonly change: string;
  readonly before?: Factory<P>;
  readonly after: Factory<P>;
}

const sg = (s: Stack, id = 'Clients') => ec2.SecurityGroup.fromSecurityGroupId(s, id, 'sg-0123456789abcdef0');
const twoSubnets = (): ec2.SubnetSelection => ({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED, availabilityZones: ['us-east-1a', 'us-east-1b'] });
const topic = (s: Stack) => sns.Topic.fromTopicArn(s, 'Events', 'arn:aws:sns:us-east-1:123456789012:cache-events');
const key = (s: Stack) => new kms.Key(s, 'OtherKey');
const users = (...names: string[]) => CacheAuthentication.users(names.map((n) => CacheUser.password(n)));
/** A user group managed elsewhere, shared with `CacheAuthentication.userGroup()`. */
const sharedGroup = (s: Stack, id: string) => CacheAuthentication.userGroup(CacheUserGroup.fromUserGroupId(s, 'SharedUsers', id));

/** Another VPC, with isolated subnets in three zones. */
const otherVpc = (s: Stack) => ec2.Vpc.fromVpcAttributes(s, 'OtherVpc', {
  vpcId: 'vpc-0fedcba9876543210',
  availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
  isolatedSubnetIds: ['subnet-0a00000000000000a', 'subnet-0b00000000000000b', 'subnet-0c00000000000000c'],
  isolatedSubnetRouteTableIds: ['rtb-0a00000000000000a', 'rtb-0b00000000000000b', 'rtb-0c00000000000000c'],
});

export const REDIS_SCENARIOS: Array<Scenario<SecureRedisClusterProps>> = [
  { change: 'vpc: another VPC', after: (s) => ({ vpc: otherVpc(s) }) },
  { change: 'vpcSubnets: two of the three subnets', after: () => ({ vpcSubnets: twoSubnets() }) },
  { change: 'engineVersion: Valkey 8.1 to 9.0', before: () => ({ engineVersion: CacheEngineVersion.VALKEY_8_1 }), after: () => ({ engineVersion: CacheEngineVersion.VALKEY_9_0 }) },
  { change: 'engineVersion: Redis OSS 7.1 to Valkey 8.1', before: () => ({ engineVersion: CacheEngineVersion.REDIS_7_1 }), after: () => ({ engineVersion: CacheEngineVersion.VALKEY_8_1 }) },
  { change: 'nodeType: cache.m7g.large to cache.r7g.large', after: () => ({ nodeType: 'cache.r7g.large' }) },
  { change: 'nodeType: to data tiering (cache.r6gd.xlarge)', after: () => ({ nodeType: 'cache.r6gd.xlarge' }) },
  { change: 'clusterMode: on to off', after: () => ({ clusterMode: false }) },
  { change: 'clusterMode: off to on', before: () => ({ clusterMode: false }), after: () => ({ clusterMode: true }) },
  { change: 'shards: 1 to 3', after: () => ({ shards: 3 }) },
  { change: 'replicasPerShard: 1 to 2 (cluster mode on)', after: () => ({ replicasPerShard: 2 }) },
  { change: 'replicasPerShard: 1 to 2 (cluster mode off)', before: () => ({ clusterMode: false }), after: () => ({ clusterMode: false, replicasPerShard: 2 }) },
  { change: 'multiAz: on to off', after: () => ({ multiAz: false }) },
  { change: 'port: 6380 to 6390', after: () => ({ port: 6390 }) },
  { change: 'allowedConnections: add a client', after: (s) => ({ allowedConnections: [sg(s)] }) },
  { change: 'additionalSecurityGroups: add a group', after: (s) => ({ additionalSecurityGroups: [sg(s, 'Extra')] }) },
  { change: 'encryptionKey: your own key', after: (s) => ({ encryptionKey: key(s) }) },
  { change: 'transitEncryptionMode: REQUIRED to PREFERRED', after: () => ({ transitEncryptionMode: TransitEncryptionMode.PREFERRED }) },
  { change: 'authToken: 64 to 32 characters', after: () => ({ authToken: AuthToken.generated({ length: 32 }) }) },
  { change: 'authentication: AUTH token to RBAC users', after: () => ({ authentication: users('orders-app') }) },
  { change: 'authentication: add a user', before: () => ({ authentication: users('orders-app') }), after: () => ({ authentication: users('orders-app', 'reporting') }) },
  { change: 'authentication: remove a user', before: () => ({ authentication: users('orders-app', 'reporting', 'admin') }), after: () => ({ authentication: users('orders-app', 'admin') }) },
  { change: 'authentication: reorder users', before: () => ({ authentication: users('orders-app', 'reporting') }), after: () => ({ authentication: users('reporting', 'orders-app') }) },
  {
    change: 'authentication: a user\'s access string',
    before: () => ({ authentication: users('reporting') }),
    after: () => ({ authentication: CacheAuthentication.users([CacheUser.password('reporting', { accessString: AccessString.readOnly('orders:*') })]) }),
  },
  { change: 'authentication: password users to IAM users', before: () => ({ authentication: users('orders-app') }), after: () => ({ authentication: CacheAuthentication.iam(['orders-app']) }) },
  { change: 'authentication: own users to a shared user group', before: () => ({ authentication: users('orders-app') }), after: (s) => ({ authentication: sharedGroup(s, 'team-users') }) },
  { change: 'authentication: one shared user group to another', before: (s) => ({ authentication: sharedGroup(s, 'team-users') }), after: (s) => ({ authentication: sharedGroup(s, 'other-users') }) },
  { change: 'backupRetention: 15 to 20 days', after: () => ({ backupRetention: Duration.days(20) }) },
  { change: 'snapshotWindow', after: () => ({ snapshotWindow: '22:00-23:00' }) },
  { change: 'maintenanceWindow', after: () => ({ maintenanceWindow: 'sat:01:00-sat:02:00' }) },
  { change: 'removalPolicy: SNAPSHOT to DESTROY', after: () => ({ removalPolicy: RemovalPolicy.DESTROY }) },
  { change: 'snapshotName: restore from a backup', after: () => ({ snapshotName: 'orders-backup' }) },
  { change: 'snapshotArnsToRestore: seed from an .rdb file in S3', after: () => ({ snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb'] }) },
  { change: 'parameters: add one', after: () => ({ parameters: { 'maxmemory-policy': 'volatile-lru' } }) },
  { change: 'parameterGroupName: an existing group', after: () => ({ parameterGroupName: 'orders-cluster-params' }) },
  { change: 'logging: retention', after: () => ({ logging: { retention: logs.RetentionDays.THREE_MONTHS } }) },
  { change: 'logging: engine log off', after: () => ({ logging: { engineLog: false } }) },
  {
    change: 'logging: your own slow-log group',
    after: (s) => ({ logging: { slowLogGroup: logs.LogGroup.fromLogGroupName(s, 'Slow', '/aws/vendedlogs/elasticache/orders/slow') } }),
  },
  { change: 'autoMinorVersionUpgrade: off', after: () => ({ autoMinorVersionUpgrade: false }) },
  { change: 'notificationTopic: add one', after: (s) => ({ notificationTopic: topic(s) }) },
  { change: 'alarmTopic: your own', after: (s) => ({ alarmTopic: topic(s) }) },
  { change: 'secretRotation: every 30 to every 7 days', after: () => ({ secretRotation: SecretRotation.enabled({ schedule: Duration.days(7) }) }) },
  { change: 'secretRotation: off', after: () => ({ secretRotation: SecretRotation.disabled() }) },
  { change: 'allowCidrIngress: a range of the VPC', after: () => ({ allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')], allowCidrIngress: true }) },
  { change: 'replicationGroupId: give one', after: () => ({ replicationGroupId: 'orders-cache' }) },
  { change: 'description', after: () => ({ description: 'Orders cache' }) },
];

export const MEMCACHED_SCENARIOS: Array<Scenario<ShardedMemcachedProps>> = [
  { change: 'vpc: another VPC', after: (s) => ({ vpc: otherVpc(s) }) },
  { change: 'vpcSubnets: two of the three subnets', after: () => ({ vpcSubnets: twoSubnets() }) },
  { change: 'nodes: 3 to 4', after: () => ({ nodes: 4 }) },
  { change: 'nodes: 3 to 1 (and crossAz off)', after: () => ({ nodes: 1, crossAz: false }) },
  { change: 'nodeType', after: () => ({ nodeType: 'cache.r7g.large' }) },
  { change: 'engineVersion: 1.6.17 to 1.6.22', before: () => ({ engineVersion: MemcachedEngineVersion.VER_1_6_17 }), after: () => ({ engineVersion: MemcachedEngineVersion.VER_1_6_22 }) },
  { change: 'crossAz: on to off', after: () => ({ crossAz: false }) },
  { change: 'transitEncryption: on to off', after: () => ({ transitEncryption: false }) },
  { change: 'port: 11212 to 11213', after: () => ({ port: 11213 }) },
  { change: 'allowedConnections: add a client', after: (s) => ({ allowedConnections: [sg(s)] }) },
  { change: 'additionalSecurityGroups: add a group', after: (s) => ({ additionalSecurityGroups: [sg(s, 'Extra')] }) },
  { change: 'parameters: add one', after: () => ({ parameters: { max_item_size: '10485760' } }) },
  { change: 'maintenanceWindow', after: () => ({ maintenanceWindow: 'sat:01:00-sat:02:00' }) },
  { change: 'autoMinorVersionUpgrade: off', after: () => ({ autoMinorVersionUpgrade: false }) },
  { change: 'notificationTopic: add one', after: (s) => ({ notificationTopic: topic(s) }) },
  { change: 'alarmTopic: your own', after: (s) => ({ alarmTopic: topic(s) }) },
  { change: 'allowCidrIngress: a range of the VPC', after: () => ({ allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')], allowCidrIngress: true }) },
  { change: 'removalPolicy: DESTROY to RETAIN', after: () => ({ removalPolicy: RemovalPolicy.RETAIN }) },
  { change: 'clusterName: give one', after: () => ({ clusterName: 'catalog-cache' }) },
];

const serverless = (o = {}) => ({ deployment: SessionStoreDeployment.serverless(o) });
const nodeBased = (o = {}) => ({ deployment: SessionStoreDeployment.nodeBased(o) });

export const SESSION_SCENARIOS: Array<Scenario<SessionStoreCacheProps>> = [
  { change: 'nodes: vpc: another VPC', after: (s) => ({ vpc: otherVpc(s) }) },
  { change: 'serverless: vpc: another VPC', before: () => serverless(), after: (s) => ({ ...serverless(), vpc: otherVpc(s) }) },
  { change: 'nodes: vpcSubnets', after: () => ({ vpcSubnets: twoSubnets() }) },
  { change: 'nodes: nodeType', after: () => nodeBased({ nodeType: 'cache.r7g.large' }) },
  { change: 'nodes: replicas 1 to 2', after: () => nodeBased({ replicas: 2 }) },
  { change: 'nodes: clusterMode off to on', after: () => nodeBased({ clusterMode: true }) },
  { change: 'nodes: shards 1 to 2 (cluster mode on)', before: () => nodeBased({ clusterMode: true }), after: () => nodeBased({ clusterMode: true, shards: 2 }) },
  { change: 'nodes: parameters', after: () => nodeBased({ parameters: { 'maxmemory-policy': 'volatile-ttl' } }) },
  { change: 'nodes: authentication to a password user', after: () => nodeBased({ authentication: users('sessions-app') }) },
  { change: 'nodes: sessionTtl', after: () => ({ sessionTtl: Duration.hours(12) }) },
  { change: 'nodes: keyPrefix', after: () => ({ keyPrefix: 'app1:sess:' }) },
  { change: 'nodes: engineVersion Valkey 8.1 to 9.0', before: () => ({ engineVersion: CacheEngineVersion.VALKEY_8_1 }), after: () => ({ engineVersion: CacheEngineVersion.VALKEY_9_0 }) },
  { change: 'nodes: allowedConnections', after: (s) => ({ allowedConnections: [sg(s)] }) },
  { change: 'nodes: encryptionKey', after: (s) => ({ encryptionKey: key(s) }) },
  { change: 'nodes: backupRetention', after: () => ({ backupRetention: Duration.days(20) }) },
  { change: 'nodes: notificationTopic', after: (s) => ({ notificationTopic: topic(s) }) },
  { change: 'nodes: alarmTopic', after: (s) => ({ alarmTopic: topic(s) }) },
  { change: 'nodes: secretRotation off', after: () => ({ secretRotation: SecretRotation.disabled() }) },
  { change: 'nodes: allowCidrIngress', after: () => ({ allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')], allowCidrIngress: true }) },
  { change: 'nodes: removalPolicy SNAPSHOT to RETAIN', after: () => ({ removalPolicy: RemovalPolicy.RETAIN }) },
  { change: 'deployment: nodes to serverless', after: () => serverless() },
  { change: 'serverless: vpcSubnets', before: () => serverless(), after: () => ({ ...serverless(), vpcSubnets: twoSubnets() }) },
  { change: 'serverless: cacheUsageLimits.dataStorageMaximumSize', before: () => serverless(), after: () => serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }) },
  { change: 'serverless: cacheUsageLimits.requestRateLimitMaximum', before: () => serverless(), after: () => serverless({ cacheUsageLimits: { requestRateLimitMaximum: 5000 } }) },
  { change: 'serverless: serverlessCacheName: give one', before: () => serverless(), after: () => serverless({ serverlessCacheName: 'shop-sessions' }) },
  { change: 'serverless: iamAuthentication on', before: () => serverless(), after: () => serverless({ iamAuthentication: true }) },
  { change: 'serverless: sessionTtl', before: () => serverless(), after: () => ({ ...serverless(), sessionTtl: Duration.hours(12) }) },
  { change: 'serverless: keyPrefix', before: () => serverless(), after: () => ({ ...serverless(), keyPrefix: 'app1:sess:' }) },
  {
    change: 'serverless: engineVersion Redis OSS 7.1 to Valkey 8',
    before: () => ({ ...serverless(), engineVersion: CacheEngineVersion.REDIS_7_1 }),
    after: () => ({ ...serverless(), engineVersion: CacheEngineVersion.VALKEY_8_2 }),
  },
  { change: 'serverless: encryptionKey', before: () => serverless(), after: (s) => ({ ...serverless(), encryptionKey: key(s) }) },
  { change: 'serverless: backupRetention', before: () => serverless(), after: () => ({ ...serverless(), backupRetention: Duration.days(20) }) },
  { change: 'serverless: alarmTopic', before: () => serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }), after: (s) => ({ ...serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }), alarmTopic: topic(s) }) },
  {
    change: 'serverless: secretRotation every 30 to every 7 days',
    before: () => serverless(),
    after: () => ({ ...serverless(), secretRotation: SecretRotation.enabled({ schedule: Duration.days(7) }) }),
  },
  { change: 'serverless: removalPolicy DESTROY to RETAIN', before: () => serverless(), after: () => ({ ...serverless(), removalPolicy: RemovalPolicy.RETAIN }) },
];

export const SERVERLESS_SCENARIOS: Array<Scenario<SecureServerlessCacheProps>> = [
  { change: 'vpc: another VPC', after: (s) => ({ vpc: otherVpc(s) }) },
  { change: 'vpcSubnets: two of the three subnets', after: () => ({ vpcSubnets: twoSubnets() }) },
  { change: 'engineVersion: Redis OSS 7.1 to Valkey 8', before: () => ({ engineVersion: CacheEngineVersion.REDIS_7_1 }), after: () => ({ engineVersion: CacheEngineVersion.VALKEY_8_2 }) },
  { change: 'engineVersion: Valkey 7.2 to 8', before: () => ({ engineVersion: CacheEngineVersion.VALKEY_7_2 }), after: () => ({ engineVersion: CacheEngineVersion.VALKEY_8_2 }) },
  { change: 'authentication: add a user', after: () => ({ authentication: users('app', 'reporting') }) },
  { change: 'authentication: remove a user', before: () => ({ authentication: users('app', 'reporting', 'admin') }), after: () => ({ authentication: users('app', 'admin') }) },
  { change: 'authentication: reorder users', before: () => ({ authentication: users('app', 'reporting') }), after: () => ({ authentication: users('reporting', 'app') }) },
  {
    change: 'authentication: a user\'s access string',
    after: () => ({ authentication: CacheAuthentication.users([CacheUser.password('app', { accessString: AccessString.readOnly('orders:*') })]) }),
  },
  { change: 'authentication: password users to IAM users', after: () => ({ authentication: CacheAuthentication.iam(['orders-app']) }) },
  { change: 'authentication: own users to a shared user group', after: (s) => ({ authentication: sharedGroup(s, 'team-users') }) },
  { change: 'encryptionKey: your own key', after: (s) => ({ encryptionKey: key(s) }) },
  { change: 'allowedConnections: add a client', after: (s) => ({ allowedConnections: [sg(s)] }) },
  { change: 'allowCidrIngress: a range of the VPC', after: () => ({ allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')], allowCidrIngress: true }) },
  { change: 'additionalSecurityGroups: add a group', after: (s) => ({ additionalSecurityGroups: [sg(s, 'Extra')] }) },
  { change: 'dailySnapshotTime: 03:00 to 22:30', after: () => ({ dailySnapshotTime: '22:30' }) },
  { change: 'backupRetention: 15 to 20 days', after: () => ({ backupRetention: Duration.days(20) }) },
  { change: 'removalPolicy: DESTROY to RETAIN', after: () => ({ removalPolicy: RemovalPolicy.RETAIN }) },
  {
    change: 'snapshotArnsToRestore: restore from a backup',
    after: () => ({ snapshotArnsToRestore: ['arn:aws:elasticache:us-east-1:123456789012:serverlesscachesnapshot:orders-backup'] }),
  },
  { change: 'cacheUsageLimits: dataStorageMinimumSize set', after: () => ({ cacheUsageLimits: { dataStorageMinimumSize: Size.gibibytes(2) } }) },
  { change: 'cacheUsageLimits: dataStorageMaximumSize set', after: () => ({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }) },
  { change: 'cacheUsageLimits: dataStorageMaximumSize 10 to 20 GiB', before: () => ({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }), after: () => ({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(20) } }) },
  { change: 'cacheUsageLimits: requestRateLimitMinimum set', after: () => ({ cacheUsageLimits: { requestRateLimitMinimum: 2000 } }) },
  { change: 'cacheUsageLimits: requestRateLimitMaximum set', after: () => ({ cacheUsageLimits: { requestRateLimitMaximum: 5000 } }) },
  { change: 'alarmTopic: your own', before: () => ({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }), after: (s) => ({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) }, alarmTopic: topic(s) }) },
  { change: 'secretRotation: every 30 to every 7 days', after: () => ({ secretRotation: SecretRotation.enabled({ schedule: Duration.days(7) }) }) },
  { change: 'secretRotation: off', after: () => ({ secretRotation: SecretRotation.disabled() }) },
  { change: 'serverlessCacheName: give one', after: () => ({ serverlessCacheName: 'orders-cache' }) },
  { change: 'description', after: () => ({ description: 'Orders cache' }) },
];

/** Changes with a name of your own: they fail unless the same change gives a new name. */
export const OWN_NAME_SCENARIOS = {
  redis: [
    { change: 'port, with your own replicationGroupId', before: () => ({ replicationGroupId: 'orders-cache' }), after: () => ({ replicationGroupId: 'orders-cache', port: 6390 }) },
    { change: 'port and a new replicationGroupId', before: () => ({ replicationGroupId: 'orders-cache' }), after: () => ({ replicationGroupId: 'orders-cache-2', port: 6390 }) },
  ] as Array<Scenario<SecureRedisClusterProps>>,
  memcached: [
    { change: 'port, with your own clusterName', before: () => ({ clusterName: 'catalog' }), after: () => ({ clusterName: 'catalog', port: 11213 }) },
    { change: 'port and a new clusterName', before: () => ({ clusterName: 'catalog' }), after: () => ({ clusterName: 'catalog-2', port: 11213 }) },
  ] as Array<Scenario<ShardedMemcachedProps>>,
  sessions: [
    {
      change: 'serverless encryptionKey, with your own serverlessCacheName',
      before: () => serverless({ serverlessCacheName: 'shop-sessions' }),
      after: (s: Stack) => ({ ...serverless({ serverlessCacheName: 'shop-sessions' }), encryptionKey: key(s) }),
    },
  ] as Array<Scenario<SessionStoreCacheProps>>,
  serverless: [
    {
      change: 'encryptionKey, with your own serverlessCacheName',
      before: () => ({ serverlessCacheName: 'orders-cache' }),
      after: (s: Stack) => ({ serverlessCacheName: 'orders-cache', encryptionKey: key(s) }),
    },
    {
      change: 'encryptionKey and a new serverlessCacheName',
      before: () => ({ serverlessCacheName: 'orders-cache' }),
      after: (s: Stack) => ({ serverlessCacheName: 'orders-cache-2', encryptionKey: key(s) }),
    },
  ] as Array<Scenario<SecureServerlessCacheProps>>,
};

export const CONSTRUCTS = {
  SecureRedisCluster: { type: SecureRedisCluster, id: 'Cache', scenarios: REDIS_SCENARIOS },
  ShardedMemcached: { type: ShardedMemcached, id: 'Memcached', scenarios: MEMCACHED_SCENARIOS },
  SessionStoreCache: { type: SessionStoreCache, id: 'Sessions', scenarios: SESSION_SCENARIOS },
  SecureServerlessCache: { type: SecureServerlessCache, id: 'Cache', scenarios: SERVERLESS_SCENARIOS },
};
