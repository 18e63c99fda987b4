import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngineVersion, CacheUser, MemcachedEngineVersion, SecureRedisCluster,
  SecureRedisClusterProps, SecureServerlessCache, SecureServerlessCacheProps,
  SessionStoreCache, SessionStoreCacheProps, SessionStoreDeployment, ShardedMemcached, ShardedMemcachedProps,
} from '../src';

/** A fixed environment: no lookups, no credentials. */
export const TEST_ENV = { account: '123456789012', region: 'us-east-1' };

/**
 * An imported VPC with isolated subnets in three zones. Being imported, it adds no resources of
 * its own, so policy findings in the tests can only come from the library.
 */
export function importedVpc(scope: Stack, id = 'Vpc'): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    isolatedSubnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'],
    isolatedSubnetRouteTableIds: ['rtb-0a000000000000001', 'rtb-0b000000000000002', 'rtb-0c000000000000003'],
    publicSubnetIds: ['subnet-0d000000000000004', 'subnet-0e000000000000005', 'subnet-0f000000000000006'],
    publicSubnetRouteTableIds: ['rtb-0d000000000000004', 'rtb-0e000000000000005', 'rtb-0f000000000000006'],
  });
}

/**
 * An imported VPC whose private subnets route out through a NAT gateway (PRIVATE_WITH_EGRESS), in two
 * zones, and no isolated subnets.
 */
export function egressVpc(scope: Stack, id = 'EgressVpc'): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId: 'vpc-0fedcba9876543210',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-0a100000000000001', 'subnet-0b100000000000002'],
    privateSubnetRouteTableIds: ['rtb-0a100000000000001', 'rtb-0b100000000000002'],
    publicSubnetIds: ['subnet-0d100000000000004', 'subnet-0e100000000000005'],
    publicSubnetRouteTableIds: ['rtb-0d100000000000004', 'rtb-0e100000000000005'],
  });
}

/** An imported VPC whose private subnets are all in one zone. */
export function oneZoneVpc(scope: Stack, id = 'OneZoneVpc'): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId: 'vpc-0fedcba9876543210',
    availabilityZones: ['us-east-1a'],
    isolatedSubnetIds: ['subnet-0a100000000000001'],
    isolatedSubnetRouteTableIds: ['rtb-0a100000000000001'],
  });
}

/** A new stack in a new app, with the fixed environment. */
export function newStack(id = 'TestStack'): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, id, { env: TEST_ENV });
  return { app, stack };
}

/** An application security group, as a service team would pass it. */
export function appSecurityGroup(stack: Stack, vpc: ec2.IVpc, id = 'App'): ec2.SecurityGroup {
  return new ec2.SecurityGroup(stack, id, { vpc, description: 'Application tasks' });
}

/** A configuration of the library that the policy and lint tests check. */
export interface RepresentativeConfiguration {
  readonly name: string;
  /**
   * Builds it in the stack. `engineVersion` replaces the default engine of the configurations
   * that do not name one (the Control Tower rules evaluate Redis OSS only).
   */
  build(stack: Stack, engineVersion?: CacheEngineVersion): void;
}

function cluster(name: string, extra: (stack: Stack) => Partial<SecureRedisClusterProps>): RepresentativeConfiguration {
  return {
    name,
    build: (stack, engineVersion) => {
      const vpc = importedVpc(stack);
      const app = appSecurityGroup(stack, vpc);
      new SecureRedisCluster(stack, 'Cache', { vpc, allowedConnections: [app], engineVersion, ...extra(stack) });
    },
  };
}

/**
 * A KMS key as a team under Control Tower writes it: yearly rotation, and grants only for AWS
 * services (CT.KMS.PR.3), like the library's own keys.
 */
export function controlTowerKey(stack: Stack, id: string): kms.Key {
  const key = new kms.Key(stack, id, { enableKeyRotation: true });
  key.addToResourcePolicy(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}

/**
 * An SNS topic for alarms, encrypted with KMS as the HIPAA/NIST packs want; its key lets
 * CloudWatch publish, or alarm notifications would be dropped.
 */
export function encryptedTopic(stack: Stack): sns.Topic {
  const key = controlTowerKey(stack, 'TopicKey');
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  }));
  return new sns.Topic(stack, 'Alerts', { masterKey: key, enforceSSL: true });
}

/** An SNS topic for ElastiCache events: ElastiCache cannot publish to an encrypted topic. */
export function eventTopic(stack: Stack): sns.Topic {
  return new sns.Topic(stack, 'Events', { enforceSSL: true });
}

/** The defaults and the representative configurations of `SecureRedisCluster`. */
export const REDIS_CONFIGURATIONS: RepresentativeConfiguration[] = [
  cluster('defaults', () => ({})),
  cluster('cluster-mode-sharded', () => ({ shards: 3, replicasPerShard: 2 })),
  cluster('cluster-mode-off', () => ({ clusterMode: false, replicasPerShard: 2 })),
  cluster('redis-oss-7-1', () => ({ engineVersion: CacheEngineVersion.REDIS_7_1, clusterMode: false })),
  cluster('redis-oss-6-2', () => ({ engineVersion: CacheEngineVersion.REDIS_6_2, clusterMode: false })),
  cluster('own-key', (stack) => ({ encryptionKey: controlTowerKey(stack, 'OwnKey') })),
  cluster('own-secret', (stack) => ({
    authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'prod/cache/auth-token')),
  })),
  cluster('parameters-and-windows', () => ({
    engineVersion: CacheEngineVersion.VALKEY_8_1,
    parameters: { 'maxmemory-policy': 'allkeys-lru' },
    backupRetention: Duration.days(35),
    snapshotWindow: '22:00-23:30',
    maintenanceWindow: 'sat:01:00-sat:02:00',
    nodeType: 'cache.r7g.xlarge',
  })),
  cluster('rbac-password-users', () => ({
    authentication: CacheAuthentication.users([
      CacheUser.password('orders-app'),
      CacheUser.password('reporting', { accessString: AccessString.readOnly('orders:*') }),
    ]),
  })),
  cluster('iam-users', () => ({
    clusterMode: false,
    authentication: CacheAuthentication.iam(['orders-api', 'orders-worker']),
  })),
  {
    name: 'alarms-with-topic',
    build: (stack, engineVersion) => {
      const vpc = importedVpc(stack);
      const cache = new SecureRedisCluster(stack, 'Cache', { vpc, clusterMode: false, engineVersion });
      cache.connections.allowDefaultPortFrom(appSecurityGroup(stack, vpc));
      cache.addRecommendedAlarms({ alarmTopic: encryptedTopic(stack) });
    },
  },
  {
    name: 'alarms-default-topic',
    build: (stack, engineVersion) => {
      const vpc = importedVpc(stack);
      new SecureRedisCluster(stack, 'Cache', { vpc, engineVersion }).addRecommendedAlarms();
    },
  },
];

function memcached(
  name: string,
  extra: (stack: Stack) => Partial<ShardedMemcachedProps>,
  after?: (cache: ShardedMemcached, stack: Stack) => void,
): RepresentativeConfiguration {
  return {
    name,
    build: (stack) => {
      const vpc = importedVpc(stack);
      const app = appSecurityGroup(stack, vpc);
      const cache = new ShardedMemcached(stack, 'Cache', { vpc, allowedConnections: [app], ...extra(stack) });
      after?.(cache, stack);
    },
  };
}

/** The defaults and the representative configurations of `ShardedMemcached`. */
export const MEMCACHED_CONFIGURATIONS: RepresentativeConfiguration[] = [
  memcached('defaults', () => ({})),
  memcached('large', () => ({ nodes: 12, nodeType: 'cache.r7g.xlarge', engineVersion: MemcachedEngineVersion.VER_1_6_17 })),
  memcached('single-node', () => ({ nodes: 1 })),
  memcached('parameters', () => ({ parameters: { max_item_size: '2097152' }, maintenanceWindow: 'wed:02:00-wed:03:00' })),
  memcached('alarms-with-topic', () => ({}), (cache, stack) => cache.addRecommendedAlarms({ alarmTopic: encryptedTopic(stack) })),
  memcached('alarms-default-topic', () => ({}), (cache) => cache.addRecommendedAlarms()),
];

function sessionStore(
  name: string,
  extra: (stack: Stack) => Partial<SessionStoreCacheProps>,
  after?: (cache: SessionStoreCache, stack: Stack) => void,
): RepresentativeConfiguration {
  return {
    name,
    build: (stack, engineVersion) => {
      const vpc = importedVpc(stack);
      const cache = new SessionStoreCache(stack, 'Sessions', {
        vpc, allowedConnections: [appSecurityGroup(stack, vpc)], engineVersion, ...extra(stack),
      });
      after?.(cache, stack);
    },
  };
}

/** The defaults and the representative configurations of `SessionStoreCache`. */
export const SESSION_STORE_CONFIGURATIONS: RepresentativeConfiguration[] = [
  sessionStore('defaults', () => ({})),
  sessionStore('node-based-cluster-mode', () => ({
    deployment: SessionStoreDeployment.nodeBased({ clusterMode: true, shards: 2, replicas: 2, nodeType: 'cache.r7g.large' }),
    sessionTtl: Duration.hours(8),
    keyPrefix: 'app1:sess:',
  })),
  sessionStore('serverless', () => ({ deployment: SessionStoreDeployment.serverless() })),
  sessionStore('serverless-limits-and-alarms', (stack) => ({
    deployment: SessionStoreDeployment.serverless({
      cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10), requestRateLimitMaximum: 5000 },
    }),
    alarmTopic: encryptedTopic(stack),
  }), (cache) => cache.addRecommendedAlarms()),
  sessionStore('node-based-alarms-default-topic', () => ({}), (cache) => cache.addRecommendedAlarms()),
  sessionStore('serverless-limits-default-topic', () => ({
    deployment: SessionStoreDeployment.serverless({
      cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10), requestRateLimitMaximum: 5000 },
    }),
  }), (cache) => cache.addRecommendedAlarms()),
  sessionStore('rbac-password-user', () => ({
    deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([CacheUser.password('sessions-app')]) }),
  })),
];

function serverlessCache(
  name: string,
  extra: (stack: Stack) => Partial<SecureServerlessCacheProps>,
  after?: (cache: SecureServerlessCache, stack: Stack) => void,
): RepresentativeConfiguration {
  return {
    name,
    build: (stack, engineVersion) => {
      const vpc = importedVpc(stack);
      const cache = new SecureServerlessCache(stack, 'Cache', {
        vpc, allowedConnections: [appSecurityGroup(stack, vpc)], engineVersion, ...extra(stack),
      });
      after?.(cache, stack);
    },
  };
}

/** The defaults and the representative configurations of `SecureServerlessCache`. */
export const SERVERLESS_CONFIGURATIONS: RepresentativeConfiguration[] = [
  serverlessCache('defaults', () => ({})),
  serverlessCache('iam-users', () => ({ authentication: CacheAuthentication.iam(['orders-app', 'reporting']) })),
  serverlessCache('password-users-limits-alarms', (stack) => ({
    authentication: CacheAuthentication.users([
      CacheUser.password('orders-app', { accessString: AccessString.readWrite('orders:*') }),
      CacheUser.password('reporting', { accessString: AccessString.readOnly('orders:*') }),
    ]),
    cacheUsageLimits: {
      dataStorageMinimumSize: Size.gibibytes(1),
      dataStorageMaximumSize: Size.gibibytes(50),
      requestRateLimitMinimum: 1000,
      requestRateLimitMaximum: 100_000,
    },
    alarmTopic: encryptedTopic(stack),
    backupRetention: Duration.days(30),
    dailySnapshotTime: '22:30',
  }), (cache) => cache.addRecommendedAlarms()),
  serverlessCache('own-key-default-topic-alarms', (stack) => ({
    encryptionKey: controlTowerKey(stack, 'CacheKey'),
    cacheUsageLimits: { requestRateLimitMaximum: 5000 },
  }), (cache) => cache.addRecommendedAlarms()),
];
