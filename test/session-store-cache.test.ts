import { App, Duration, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  AccessString,
  CacheAuthentication,
  CacheEngineVersion,
  CacheUser,
  ISessionStoreCache,
  SecretRotation,
  SecureRedisCluster,
  ServerlessSessionStoreOptions,
  SessionStoreCache,
  SessionStoreCacheProps,
  SessionStoreConsumer,
  SessionStoreDeployment,
} from '../src';
import { appSecurityGroup, encryptedTopic, eventTopic, importedVpc, newStack, oneZoneVpc } from './fixtures';
import { evaluate, evaluateIn, SAMPLE_UUID_FRAGMENT } from './names';
import { acknowledgements, expectedAcknowledgements, findings, teamRotationOptions } from './policy';
import {
  alarmsOf, Built, buildInFixtureVpc, ELASTICACHE_ALLOWED_PUNCTUATION, errorHeader, errorOf, expectSecretReadGrant, getAtt,
  ingressRules, invalidConfigurationHeader, logicalIdOf, onlyProps, PropsFactory, resolveProps, VALID_ID,
} from './support';
import { defaultCacheId } from '../src/private/ids';

const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';
const SERVERLESS_CACHE = 'AWS::ElastiCache::ServerlessCache';
const USER = 'AWS::ElastiCache::User';
const USER_GROUP = 'AWS::ElastiCache::UserGroup';

/** The lowest limits ElastiCache Serverless takes. */
const LOWEST_LIMITS: ServerlessSessionStoreOptions = {
  cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(1), requestRateLimitMaximum: 1000 },
};
const TEN_GB_5000_ECPU: ServerlessSessionStoreOptions = {
  cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10), requestRateLimitMaximum: 5000 },
};

const ISOLATED_SUBNETS = ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'];

/** A session store named `Sessions` in `TestStack`, in the fixture VPC (isolated subnets in three zones). */
/**
 * A session store without secret rotation, so that these tests see only the store's own
 * resources; 'secretRotation (on by default)' below builds with rotation.
 */
function build(props: PropsFactory<SessionStoreCacheProps> = {}, rotation: SecretRotation = SecretRotation.disabled()): Built<SessionStoreCache> {
  return buildInFixtureVpc(SessionStoreCache, 'Sessions', (stack, vpc) => ({ secretRotation: rotation, ...resolveProps(props, stack, vpc) }));
}

function templateOf(props: PropsFactory<SessionStoreCacheProps> = {}): Template {
  return Template.fromStack(build(props).stack);
}

/** A serverless session store with the given options. */
function buildServerless(options: ServerlessSessionStoreOptions = {}, props: PropsFactory<SessionStoreCacheProps> = {}): Built<SessionStoreCache> {
  return build((stack, vpc) => ({
    deployment: SessionStoreDeployment.serverless(options),
    ...resolveProps(props, stack, vpc),
  }));
}

/** A Lambda function in the isolated subnets of the VPC. */
function lambdaFunction(stack: Stack, vpc: ec2.IVpc): lambda.Function {
  return new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  });
}

/** A Fargate service with one container (`Web`), unless other containers are added before the service. */
function fargateService(stack: Stack, vpc: ec2.IVpc, addContainers?: (taskDefinition: ecs.FargateTaskDefinition) => void) {
  const cluster = new ecs.Cluster(stack, 'EcsCluster', { vpc });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  if (addContainers) {
    addContainers(taskDefinition);
  } else {
    taskDefinition.addContainer('Web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20') });
  }
  const service = new ecs.FargateService(stack, 'Service', {
    cluster,
    taskDefinition,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  });
  return { service, taskDefinition };
}

/** The environment of the only Lambda function of a template. */
function lambdaEnvironment(template: Template): Record<string, unknown> {
  return onlyProps(template, 'AWS::Lambda::Function').Environment.Variables;
}

/** The environment of a container, as a name -> value map. */
function containerEnvironment(template: Template, containerName: string): Record<string, unknown> {
  const containers: any[] = onlyProps(template, 'AWS::ECS::TaskDefinition').ContainerDefinitions;
  const container = containers.find((c) => c.Name === containerName);
  expect(container).toBeDefined();
  return Object.fromEntries((container.Environment ?? []).map((e: any) => [e.Name, e.Value]));
}

describe('SessionStoreCache.isSessionStoreCache() and ISessionStoreCache', () => {
  test('true for a store of either kind, false for its caches and anything else', () => {
    const nodes = build();
    const serverless = buildServerless();

    expect(SessionStoreCache.isSessionStoreCache(nodes.cache)).toBe(true);
    expect(SessionStoreCache.isSessionStoreCache(serverless.cache)).toBe(true);
    expect(SessionStoreCache.isSessionStoreCache(nodes.cache.cluster)).toBe(false);
    expect(SessionStoreCache.isSessionStoreCache(serverless.cache.serverless)).toBe(false);
    for (const value of [null, undefined, {}, 'SessionStoreCache']) {
      expect(SessionStoreCache.isSessionStoreCache(value)).toBe(false);
    }
    // The mark is a global symbol: a store made by another copy of the library is recognized.
    expect(SessionStoreCache.isSessionStoreCache({ [Symbol.for('cdk-secure-elasticache.SessionStoreCache')]: true })).toBe(true);
  });

  test('a construct that takes an ISessionStoreCache wires its consumer through the interface alone', () => {
    const { stack, cache } = build();
    const store: ISessionStoreCache = cache;
    const fn = lambdaFunction(stack, importedVpc(stack, 'FnVpc'));
    store.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));

    const env = Template.fromStack(stack).findResources('AWS::Lambda::Function')[logicalIdOf(fn)].Properties.Environment.Variables;
    expect(env.SESSION_STORE_TTL_SECONDS).toBe(String(store.sessionTtl.toSeconds()));
    expect(env.SESSION_STORE_KEY_PREFIX).toBe(store.keyPrefix);
    expect(env.SESSION_STORE_SECRET_ARN).toEqual(stack.resolve(store.secret!.secretArn));
    expect(store.metric('CurrConnections').metricName).toBe('CurrConnections');
  });
});

describe('node-based deployment (the default)', () => {
  test('is a SecureRedisCluster with cluster mode off, Multi-AZ and one replica', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    expect(cache.cluster).toBeInstanceOf(SecureRedisCluster);
    expect(cache.cluster!.node.path).toBe('TestStack/Sessions/Cluster');
    expect(cache.serverlessCache).toBeUndefined();
    expect(cache.user).toBeUndefined();
    expect(cache.userGroup).toBeUndefined();
    expect(cache.username).toBeUndefined();
    template.resourceCountIs(REPLICATION_GROUP, 1);
    template.resourceCountIs(SERVERLESS_CACHE, 0);
    template.resourceCountIs(USER, 0);
    template.hasResourceProperties(REPLICATION_GROUP, {
      Engine: 'valkey',
      EngineVersion: '9.0',
      CacheNodeType: 'cache.m7g.large',
      ClusterMode: 'disabled',
      NumCacheClusters: 2,
      NumNodeGroups: Match.absent(),
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
    });
  });

  test('the parameter group evicts only keys with a TTL, least recently used first', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    const parameterGroup = onlyProps(template, 'AWS::ElastiCache::ParameterGroup');
    expect(parameterGroup.CacheParameterGroupFamily).toBe('valkey9');
    expect(parameterGroup.Properties).toEqual({
      'maxmemory-policy': 'volatile-lru',
      'cluster-enabled': 'no',
    });
    template.hasResourceProperties(REPLICATION_GROUP, {
      CacheParameterGroupName: { Ref: logicalIdOf(cache.cluster!.parameterGroup!) },
    });
  });

  test('user parameters are merged with the session defaults', () => {
    const template = templateOf({
      deployment: SessionStoreDeployment.nodeBased({ parameters: { 'reserved-memory-percent': '30', 'timeout': '300' } }),
    });

    expect(onlyProps(template, 'AWS::ElastiCache::ParameterGroup').Properties).toEqual({
      'maxmemory-policy': 'volatile-lru',
      'reserved-memory-percent': '30',
      'timeout': '300',
      'cluster-enabled': 'no',
    });
  });

  test('a user maxmemory-policy overrides the session default', () => {
    const template = templateOf({
      deployment: SessionStoreDeployment.nodeBased({ parameters: { 'maxmemory-policy': 'allkeys-lru' } }),
    });

    expect(onlyProps(template, 'AWS::ElastiCache::ParameterGroup').Properties).toEqual({
      'maxmemory-policy': 'allkeys-lru',
      'cluster-enabled': 'no',
    });
  });

  test('node type and replicas are passed through', () => {
    templateOf({
      deployment: SessionStoreDeployment.nodeBased({ nodeType: 'cache.r7g.large', replicas: 2 }),
    }).hasResourceProperties(REPLICATION_GROUP, {
      CacheNodeType: 'cache.r7g.large',
      NumCacheClusters: 3,
      MultiAZEnabled: true,
    });
  });

  test('engine version, key, backups, topic and removal policy are passed through', () => {
    const { stack, cache } = build((s) => ({
      engineVersion: CacheEngineVersion.VALKEY_8_1,
      encryptionKey: new kms.Key(s, 'OwnKey', { enableKeyRotation: true }),
      backupRetention: Duration.days(35),
      notificationTopic: eventTopic(s),
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    const template = Template.fromStack(stack);

    template.hasResource(REPLICATION_GROUP, {
      Properties: Match.objectLike({
        EngineVersion: '8.1',
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] },
        SnapshotRetentionLimit: 35,
        NotificationTopicArn: { Ref: Match.stringLikeRegexp('^Events') },
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'valkey8' });
    expect(cache.cluster!.engineVersion).toBe(CacheEngineVersion.VALKEY_8_1);
  });

  test('keeps daily backups 15 days and a final snapshot by default', () => {
    templateOf().hasResource(REPLICATION_GROUP, {
      Properties: Match.objectLike({ SnapshotRetentionLimit: 15 }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('the secret is the AUTH token and the endpoints are the primary and reader endpoints', () => {
    const { cache } = build();

    expect(cache.secret).toBe(cache.cluster!.authTokenSecret);
    expect(cache.endpoint).toBe(cache.cluster!.primaryEndpoint);
    expect(cache.readerEndpoint).toBe(cache.cluster!.readerEndpoint);
    expect(cache.endpoint.port).toBe(6380);
    expect(cache.connections).toBe(cache.cluster!.connections);
  });

  test('admits the named sources on the cache port only', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const app = appSecurityGroup(stack, vpc);
    // Without rotation: its function is admitted too ('secretRotation (on by default)').
    const cache = new SessionStoreCache(stack, 'Sessions', { vpc, allowedConnections: [app], secretRotation: SecretRotation.disabled() });
    const rules = ingressRules(Template.fromStack(stack));

    expect(rules).toEqual([expect.objectContaining({
      GroupId: getAtt(cache.cluster!.securityGroup, 'GroupId'),
      SourceSecurityGroupId: getAtt(app, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
    })]);
  });

  test('session TTL and key prefix default to 24 hours and sess:', () => {
    const { cache } = build();

    expect(cache.sessionTtl.toSeconds()).toBe(86400);
    expect(cache.keyPrefix).toBe('sess:');
  });
});

describe('node-based deployment with cluster mode', () => {
  test('shards with cluster mode on and a cluster-enabled parameter group', () => {
    const template = templateOf({
      deployment: SessionStoreDeployment.nodeBased({ clusterMode: true, shards: 2, replicas: 2 }),
    });

    template.hasResourceProperties(REPLICATION_GROUP, {
      ClusterMode: 'enabled',
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 2,
      NumCacheClusters: Match.absent(),
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
    });
    expect(onlyProps(template, 'AWS::ElastiCache::ParameterGroup').Properties).toEqual({
      'maxmemory-policy': 'volatile-lru',
      'cluster-enabled': 'yes',
    });
  });

  test('one shard by default', () => {
    templateOf({ deployment: SessionStoreDeployment.nodeBased({ clusterMode: true }) }).hasResourceProperties(REPLICATION_GROUP, {
      ClusterMode: 'enabled',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
    });
  });

  test('both endpoints are the configuration endpoint', () => {
    const { stack, cache } = build({ deployment: SessionStoreDeployment.nodeBased({ clusterMode: true }) });

    expect(cache.endpoint).toBe(cache.cluster!.configurationEndpoint);
    expect(cache.readerEndpoint).toBe(cache.cluster!.configurationEndpoint);
    expect(stack.resolve(cache.endpoint.hostname)).toEqual(getAtt(cache.cluster!, 'ConfigurationEndPoint.Address'));
  });
});

describe('serverless deployment', () => {
  test('is a Valkey 8 serverless cache, and no replication group', () => {
    const { stack, cache } = buildServerless();
    const template = Template.fromStack(stack);

    expect(cache.cluster).toBeUndefined();
    expect(cache.serverlessCache).toBeDefined();
    template.resourceCountIs(SERVERLESS_CACHE, 1);
    template.resourceCountIs(REPLICATION_GROUP, 0);
    template.hasResourceProperties(SERVERLESS_CACHE, {
      Engine: 'valkey',
      MajorEngineVersion: '8',
      ServerlessCacheName: { 'Fn::Join': ['-', Match.anyValue()] },
      Description: Match.stringLikeRegexp('TestStack/Sessions'),
    });
  });

  test('Redis OSS 7.1 runs as redis 7, with redis users', () => {
    const template = Template.fromStack(buildServerless({}, { engineVersion: CacheEngineVersion.REDIS_7_1 }).stack);

    template.hasResourceProperties(SERVERLESS_CACHE, { Engine: 'redis', MajorEngineVersion: '7' });
    template.allResourcesProperties(USER, { Engine: 'redis' });
    template.hasResourceProperties(USER_GROUP, { Engine: 'redis' });
  });

  test('Valkey 7.2 runs as valkey 7', () => {
    Template.fromStack(buildServerless({}, { engineVersion: CacheEngineVersion.VALKEY_7_2 }).stack).hasResourceProperties(SERVERLESS_CACHE, {
      Engine: 'valkey',
      MajorEngineVersion: '7',
    });
  });

  test('encrypts data and secret with a new KMS key with rotation', () => {
    const { stack } = buildServerless();
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SessionsKey'), 'Arn'] };

    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties(SERVERLESS_CACHE, { KmsKeyId: keyArn });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn });
  });

  test('uses the given key and creates none', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const template = Template.fromStack(buildServerless({}, (s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'Imported', keyArn) })).stack);

    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties(SERVERLESS_CACHE, { KmsKeyId: keyArn });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn });
  });

  test('takes the isolated subnets directly, without a subnet group', () => {
    const template = Template.fromStack(buildServerless().stack);

    template.hasResourceProperties(SERVERLESS_CACHE, { SubnetIds: ISOLATED_SUBNETS });
    template.resourceCountIs('AWS::ElastiCache::SubnetGroup', 0);
  });

  test('takes the given subnets', () => {
    const template = Template.fromStack(buildServerless({}, { vpcSubnets: { availabilityZones: ['us-east-1a', 'us-east-1c'] } }).stack);

    template.hasResourceProperties(SERVERLESS_CACHE, { SubnetIds: ['subnet-0a000000000000001', 'subnet-0c000000000000003'] });
  });

  test('admits the named sources on 6379 and 6380 only, with no CIDR ingress', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const web = appSecurityGroup(stack, vpc, 'Web');
    const worker = appSecurityGroup(stack, vpc, 'Worker');
    new SessionStoreCache(stack, 'Sessions', {
      vpc,
      deployment: SessionStoreDeployment.serverless(),
      allowedConnections: [web, worker],
      secretRotation: SecretRotation.disabled(),
    });
    const template = Template.fromStack(stack);
    const ownGroupId = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SessionsSecurityGroup'), 'GroupId'] };

    const rules = ingressRules(template);
    expect(rules).toHaveLength(4);
    const seen = rules.map((r) => `${JSON.stringify(r.SourceSecurityGroupId)} ${r.IpProtocol} ${r.FromPort}-${r.ToPort}`).sort();
    expect(seen).toEqual([
      `${JSON.stringify(getAtt(web, 'GroupId'))} tcp 6379-6379`,
      `${JSON.stringify(getAtt(web, 'GroupId'))} tcp 6380-6380`,
      `${JSON.stringify(getAtt(worker, 'GroupId'))} tcp 6379-6379`,
      `${JSON.stringify(getAtt(worker, 'GroupId'))} tcp 6380-6380`,
    ].sort());
    for (const rule of rules) {
      expect(rule.GroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SessionsSecurityGroup/), 'GroupId'] });
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
    }
    template.hasResourceProperties(SERVERLESS_CACHE, { SecurityGroupIds: [ownGroupId] });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('serverless session store TestStack/Sessions'),
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' })],
    });
  });

  test('connections admit clients on 6379 by default', () => {
    const { cache } = buildServerless();

    expect(cache.connections.defaultPort?.toString()).toBe('6379');
  });

  test('keeps daily backups 15 days, taken at 03:00 UTC, and a final snapshot', () => {
    const { stack } = buildServerless();

    Template.fromStack(stack).hasResource(SERVERLESS_CACHE, {
      Properties: Match.objectLike({
        SnapshotRetentionLimit: 15,
        DailySnapshotTime: '03:00',
        FinalSnapshotName: { 'Fn::Join': ['-', Match.anyValue()] },
      }),
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('keeps backups for the given whole days', () => {
    Template.fromStack(buildServerless({}, { backupRetention: Duration.hours(72) }).stack).hasResourceProperties(SERVERLESS_CACHE, {
      SnapshotRetentionLimit: 3,
    });
  });

  test('RETAIN keeps the cache and takes no final snapshot', () => {
    Template.fromStack(buildServerless({}, { removalPolicy: RemovalPolicy.RETAIN }).stack).hasResource(SERVERLESS_CACHE, {
      Properties: Match.objectLike({ FinalSnapshotName: Match.absent() }),
      DeletionPolicy: 'Retain',
    });
  });

  test('has no usage limits and no usage alarms by default', () => {
    const template = Template.fromStack(buildServerless().stack);

    template.hasResourceProperties(SERVERLESS_CACHE, { CacheUsageLimits: Match.absent() });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test('limits data storage only when asked', () => {
    const template = Template.fromStack(buildServerless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } }).stack);

    expect(onlyProps(template, SERVERLESS_CACHE).CacheUsageLimits).toEqual({ DataStorage: { Maximum: 10, Unit: 'GB' } });
  });

  test('limits ECPUs only when asked', () => {
    const template = Template.fromStack(buildServerless({ cacheUsageLimits: { requestRateLimitMaximum: 5000 } }).stack);

    expect(onlyProps(template, SERVERLESS_CACHE).CacheUsageLimits).toEqual({ ECPUPerSecond: { Maximum: 5000 } });
  });

  test('alarms at 75% of the data limit, in bytes of BytesUsedForCache', () => {
    const { stack, cache } = buildServerless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } });
    const alarms = alarmsOf(Template.fromStack(stack));

    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: 'AWS/ElastiCache',
      MetricName: 'BytesUsedForCache',
      Dimensions: [{ Name: 'clusterId', Value: { Ref: logicalIdOf(cache.serverlessCache!) } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0.75 * 10 * 1e9,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('alarms at 75% of the ECPU limit, as ElastiCacheProcessingUnits summed per minute', () => {
    const { stack, cache } = buildServerless({ cacheUsageLimits: { requestRateLimitMaximum: 5000 } });
    const alarms = alarmsOf(Template.fromStack(stack));

    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      Namespace: 'AWS/ElastiCache',
      MetricName: 'ElastiCacheProcessingUnits',
      Dimensions: [{ Name: 'clusterId', Value: { Ref: logicalIdOf(cache.serverlessCache!) } }],
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0.75 * 5000 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('the smallest limits give the smallest thresholds', () => {
    const template = Template.fromStack(buildServerless(LOWEST_LIMITS).stack);

    expect(onlyProps(template, SERVERLESS_CACHE).CacheUsageLimits).toEqual({
      DataStorage: { Maximum: 1, Unit: 'GB' },
      ECPUPerSecond: { Maximum: 1000 },
    });
    expect(alarmsOf(template, 'BytesUsedForCache').map((a) => a.Threshold)).toEqual([750_000_000]);
    expect(alarmsOf(template, 'ElastiCacheProcessingUnits').map((a) => a.Threshold)).toEqual([45_000]);
  });

  test('usage alarms notify the alarm topic', () => {
    const { stack } = buildServerless(TEN_GB_5000_ECPU, (s) => ({ alarmTopic: encryptedTopic(s) }));
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
    });
  });

  test('usage alarms notify the store\'s own encrypted topic without a topic', () => {
    const { stack, cache } = buildServerless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(cache.alarmTopic as sns.Topic) }],
    });
  });

  test('the endpoints are the Endpoint and ReaderEndpoint attributes', () => {
    const { stack, cache } = buildServerless();

    expect(stack.resolve(cache.endpoint.hostname)).toEqual(getAtt(cache.serverlessCache!, 'Endpoint.Address'));
    expect(stack.resolve(cache.endpoint.socketAddress)).toEqual({
      'Fn::Join': ['', [getAtt(cache.serverlessCache!, 'Endpoint.Address'), ':', getAtt(cache.serverlessCache!, 'Endpoint.Port')]],
    });
    expect(stack.resolve(cache.readerEndpoint.hostname)).toEqual(getAtt(cache.serverlessCache!, 'ReaderEndpoint.Address'));
  });
});

describe('serverless RBAC', () => {
  test('the application user authenticates with a password from Secrets Manager, never a literal', () => {
    const { stack, cache } = buildServerless();
    const template = Template.fromStack(stack);
    const user = template.findResources(USER)[logicalIdOf(cache.user!)] as any;

    expect(user.Properties.AuthenticationMode.Type).toBe('password');
    const passwords = user.Properties.AuthenticationMode.Passwords;
    expect(passwords).toHaveLength(1);
    expect(typeof passwords[0]).not.toBe('string');
    expect(passwords[0]).toEqual({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: logicalIdOf(cache.secret as any) }, ':SecretString:password::}}']],
    });
    expect(user.Properties.Passwords).toBeUndefined();
    expect(user.Properties.NoPasswordRequired).toBeUndefined();
  });

  test('the application user reaches only the session keys, without dangerous commands', () => {
    const { stack, cache } = buildServerless();

    Template.fromStack(stack).hasResourceProperties(USER, {
      Engine: 'redis',
      UserId: cache.username,
      UserName: cache.username,
      AccessString: 'on ~sess:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info',
    });
  });

  test('the access string follows the key prefix', () => {
    const { stack } = buildServerless({}, { keyPrefix: 'app1:sess:' });
    const accessStrings = Object.values(Template.fromStack(stack).findResources(USER)).map((u: any) => u.Properties.AccessString);

    expect(accessStrings).toContain('on ~app1:sess:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
    for (const accessString of accessStrings) {
      expect(accessString).not.toMatch(/~\*|allkeys|~sess:/);
    }
  });

  test('the default user is switched off and has no password', () => {
    const { stack } = buildServerless();
    const defaults = Object.values(Template.fromStack(stack).findResources(USER))
      .map((u: any) => u.Properties)
      .filter((p) => p.UserName === 'default');

    expect(defaults).toEqual([{
      Engine: 'redis',
      UserId: `${userIdBase(stack)}-default`,
      UserName: 'default',
      AccessString: 'off -@all',
      NoPasswordRequired: true,
    }]);
  });

  test('the user group holds the default user and the application user, and the cache uses it', () => {
    const { stack, cache } = buildServerless();
    const template = Template.fromStack(stack);
    const defaultUser = cache.serverless!.node.findChild('User:default') as Construct;

    template.resourceCountIs(USER, 2);
    template.resourceCountIs(USER_GROUP, 1);
    template.hasResourceProperties(USER_GROUP, {
      Engine: 'redis',
      UserGroupId: `${userIdBase(stack)}-users`,
      UserIds: [{ Ref: logicalIdOf(defaultUser) }, { Ref: logicalIdOf(cache.user!) }],
    });
    template.hasResourceProperties(SERVERLESS_CACHE, { UserGroupId: { Ref: logicalIdOf(cache.serverless!.cfnUserGroup!) } });
  });

  test('the secret is JSON with the username, the user ARN and a generated 64-character password, encrypted with the key', () => {
    const { stack, cache } = buildServerless();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const secretTemplate = JSON.stringify(onlyProps(template, 'AWS::SecretsManager::Secret').GenerateSecretString.SecretStringTemplate);
    expect(secretTemplate).toContain(`\\"username\\":\\"${cache.username}\\"`);
    expect(secretTemplate).toContain(`:elasticache:us-east-1:123456789012:user:${cache.username}`);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: Match.anyValue(),
        GenerateStringKey: 'password',
        PasswordLength: 64,
        IncludeSpace: false,
        ExcludeCharacters: Match.anyValue(),
      },
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SessionsKey'), 'Arn'] },
    });
  });

  test('the password excludes what ElastiCache rejects in passwords', () => {
    const secret = onlyProps(Template.fromStack(buildServerless().stack), 'AWS::SecretsManager::Secret');
    const excluded: string = secret.GenerateSecretString.ExcludeCharacters;

    for (const forbidden of ['/', '"', '@', '%']) {
      expect(excluded).toContain(forbidden);
    }
    for (const allowed of ELASTICACHE_ALLOWED_PUNCTUATION) {
      expect(excluded).not.toContain(allowed);
    }
  });
});

describe('serverless names', () => {
  test('the default cache name is derived from the construct path, a hash and the stack UUID: lowercase, at most 40 characters, valid', () => {
    const { stack, cache } = buildServerless();
    const name: string = evaluate(stack, cache.serverlessCacheName);

    expect(name).toMatch(VALID_ID);
    expect(name.length).toBeLessThanOrEqual(40);
    expect(name).toMatch(new RegExp(`^teststack-sessions-[a-z0-9]{8}-${SAMPLE_UUID_FRAGMENT}$`));
    expect(stack.resolve(cache.serverlessCacheName)).toEqual({ Ref: logicalIdOf(cache.serverlessCache!) });
    // The users are named from the construct path, not from the cache name, which CloudFormation resolves.
    expect(cache.username).toBe(`${userIdBase(stack)}-app`);
    expect(cache.username).toMatch(/^teststack-sessions-[a-z0-9]{8}-app$/);
  });

  test('the default cache name changes with the key, which cannot change in place, and not otherwise', () => {
    const nameOf = (options: ServerlessSessionStoreOptions, props: PropsFactory<SessionStoreCacheProps> = {}) => {
      const { stack, cache } = buildServerless(options, props);
      return evaluate(stack, cache.serverlessCacheName);
    };
    const base = nameOf({});
    expect(nameOf({}, (s) => ({ encryptionKey: new kms.Key(s, 'OtherKey') }))).not.toBe(base);
    expect(nameOf({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) } })).toBe(base);
    expect(nameOf({}, { backupRetention: Duration.days(3) })).toBe(base);
  });

  test('the final snapshot is named after the cache, so that every replacement gets a new one', () => {
    const { stack, cache } = buildServerless();
    const props = onlyProps(Template.fromStack(stack), SERVERLESS_CACHE);

    expect(evaluateIn({}, stack, props.FinalSnapshotName)).toBe(`${evaluate(stack, cache.serverlessCacheName)}-final`);
  });

  test('a given cache name is lowercased and names the users, the group and the final snapshot, with the stack UUID', () => {
    const { stack, cache } = buildServerless({ serverlessCacheName: 'Shop-Sessions' });
    const template = Template.fromStack(stack);

    expect(evaluate(stack, cache.serverlessCacheName)).toBe('shop-sessions');
    expect(cache.username).toBe('shop-sessions-app');
    template.hasResourceProperties(SERVERLESS_CACHE, { ServerlessCacheName: 'shop-sessions' });
    expect(evaluateIn({}, stack, onlyProps(template, SERVERLESS_CACHE).FinalSnapshotName)).toBe(`shop-sessions-final-${SAMPLE_UUID_FRAGMENT}`);
    template.hasResourceProperties(USER, { UserId: 'shop-sessions-app', UserName: 'shop-sessions-app' });
    template.hasResourceProperties(USER, { UserId: 'shop-sessions-default', UserName: 'default' });
    template.hasResourceProperties(USER_GROUP, { UserGroupId: 'shop-sessions-users' });
  });

  test('ids derived from long paths that share a prefix stay valid, short and unique', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const scope = new Construct(new Construct(stack, 'ApplicationWithAVeryLongName'), 'AnotherRatherLongScopeName');
    const a = new SessionStoreCache(scope, 'SessionStoreA', { vpc, deployment: SessionStoreDeployment.serverless() });
    const b = new SessionStoreCache(scope, 'SessionStoreB', { vpc, deployment: SessionStoreDeployment.serverless() });
    const template = Template.fromStack(stack);
    const resources = template.toJSON().Resources;

    const namesOf = (cache: SessionStoreCache): string[] => {
      const users = [cache.user!, cache.serverless!.node.findChild('User:default') as Construct]
        .map((user) => (template.findResources(USER)[logicalIdOf(user)] as any).Properties.UserId);
      const group = (template.findResources(USER_GROUP)[logicalIdOf(cache.serverless!.cfnUserGroup!)] as any).Properties.UserGroupId;
      const snapshot = (template.findResources(SERVERLESS_CACHE)[logicalIdOf(cache.serverlessCache!)] as any).Properties.FinalSnapshotName;
      return [evaluateIn(resources, stack, stack.resolve(cache.serverlessCacheName)), ...users, group, evaluateIn(resources, stack, snapshot)];
    };
    const namesA = namesOf(a);
    const namesB = namesOf(b);

    expect(namesA).toHaveLength(5);
    for (const name of [...namesA, ...namesB]) {
      expect(name).toMatch(VALID_ID);
      expect(name.length).toBeLessThanOrEqual(name.endsWith('-final') ? 46 : 40);
    }
    // User, group and snapshot ids are unique per account and Region.
    expect(new Set([...namesA, ...namesB]).size).toBe(10);
    expect(a.username).toMatch(/-app$/);
  });

  test('ids derived from a given 40-character name keep its end', () => {
    const name = `shop-${'x'.repeat(26)}-a1b2c3d4`;
    const { stack, cache } = buildServerless({ serverlessCacheName: name });
    const template = Template.fromStack(stack);

    expect(name).toHaveLength(40);
    expect(cache.username).toMatch(/^shop-x+-a1b2c3d4-app$/);
    expect(cache.username!.length).toBeLessThanOrEqual(40);
    template.hasResourceProperties(USER_GROUP, { UserGroupId: Match.stringLikeRegexp('^shop-x+-a1b2c3d4-users$') });
    expect(evaluateIn({}, stack, onlyProps(template, SERVERLESS_CACHE).FinalSnapshotName)).toBe(`${name}-final-${SAMPLE_UUID_FRAGMENT}`);
  });

  test('a cache name from a token reaches the template unchanged', () => {
    const { stack } = buildServerless({ serverlessCacheName: Token.asString({ Ref: 'CacheName' }) });
    const template = Template.fromStack(stack);

    template.hasResourceProperties(SERVERLESS_CACHE, { ServerlessCacheName: { Ref: 'CacheName' } });
    template.hasResourceProperties(USER, { UserId: `${userIdBase(stack)}-app` });
  });
});

describe('grantSessionAccess', () => {
  test('a Lambda function on nodes: admitted on the cache port, reads the AUTH token, gets the environment', () => {
    const { stack, vpc, cache } = build();
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
    const template = Template.fromStack(stack);

    expect(ingressRules(template)).toEqual([expect.objectContaining({
      GroupId: getAtt(cache.cluster!.securityGroup, 'GroupId'),
      SourceSecurityGroupId: getAtt(fn.connections.securityGroups[0], 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
    })]);
    expect(lambdaEnvironment(template)).toEqual({
      SESSION_STORE_HOST: getAtt(cache.cluster!, 'PrimaryEndPoint.Address'),
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_SECRET_ARN: { Ref: logicalIdOf(cache.secret as any) },
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'false',
      SESSION_STORE_AUTH: 'token',
    });
  });

  test('grants GetSecretValue to the function role, and decryption through Secrets Manager', () => {
    const { stack, vpc, cache } = build();
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));

    expectSecretReadGrant(Template.fromStack(stack), fn.role as any, cache.secret as any);
  });

  test('a Lambda function on serverless: admitted on 6379 and 6380, reads the user secret, gets the username', () => {
    const { stack, vpc, cache } = buildServerless();
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
    const template = Template.fromStack(stack);

    const rules = ingressRules(template);
    expect(rules.map((r) => [r.FromPort, r.ToPort]).sort()).toEqual([[6379, 6379], [6380, 6380]]);
    for (const rule of rules) {
      expect(rule.SourceSecurityGroupId).toEqual(getAtt(fn.connections.securityGroups[0], 'GroupId'));
      expect(rule.IpProtocol).toBe('tcp');
    }
    expect(lambdaEnvironment(template)).toEqual({
      SESSION_STORE_HOST: getAtt(cache.serverlessCache!, 'Endpoint.Address'),
      SESSION_STORE_PORT: getAtt(cache.serverlessCache!, 'Endpoint.Port'),
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_SECRET_ARN: { Ref: logicalIdOf(cache.secret as any) },
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'true',
      SESSION_STORE_AUTH: 'password',
      SESSION_STORE_USERNAME: cache.username,
    });
    expectSecretReadGrant(template, fn.role as any, cache.secret as any);
  });

  test('the environment carries a custom TTL and key prefix', () => {
    const { stack, vpc, cache } = build({ sessionTtl: Duration.hours(8), keyPrefix: 'app1:sess:' });
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)));

    expect(lambdaEnvironment(Template.fromStack(stack))).toMatchObject({
      SESSION_STORE_TTL_SECONDS: '28800',
      SESSION_STORE_KEY_PREFIX: 'app1:sess:',
    });
  });

  test('in cluster mode the environment names the configuration endpoint and asks for a cluster client', () => {
    const { stack, vpc, cache } = build({ deployment: SessionStoreDeployment.nodeBased({ clusterMode: true }) });
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)));

    expect(lambdaEnvironment(Template.fromStack(stack))).toMatchObject({
      SESSION_STORE_HOST: getAtt(cache.cluster!, 'ConfigurationEndPoint.Address'),
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_CLUSTER_MODE: 'true',
    });
  });

  test('an ECS service: its container gets the environment, its task role the secret, its group the port', () => {
    const { stack, vpc, cache } = build();
    const { service, taskDefinition } = fargateService(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.ecsService(service));
    const template = Template.fromStack(stack);

    expect(containerEnvironment(template, 'Web')).toEqual({
      SESSION_STORE_HOST: getAtt(cache.cluster!, 'PrimaryEndPoint.Address'),
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_SECRET_ARN: { Ref: logicalIdOf(cache.secret as any) },
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'false',
      SESSION_STORE_AUTH: 'token',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(taskDefinition.taskRole as any) }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['secretsmanager:GetSecretValue']),
          Resource: { Ref: logicalIdOf(cache.secret as any) },
        })]),
      },
    });
    expect(ingressRules(template)).toEqual([expect.objectContaining({
      GroupId: getAtt(cache.cluster!.securityGroup, 'GroupId'),
      SourceSecurityGroupId: getAtt(service.connections.securityGroups[0], 'GroupId'),
      FromPort: 6380,
      ToPort: 6380,
    })]);
  });

  test('an ECS service on serverless: the container also gets the username, the group both ports', () => {
    const { stack, vpc, cache } = buildServerless();
    const { service } = fargateService(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.ecsService(service));
    const template = Template.fromStack(stack);

    expect(containerEnvironment(template, 'Web')).toMatchObject({
      SESSION_STORE_HOST: getAtt(cache.serverlessCache!, 'Endpoint.Address'),
      SESSION_STORE_PORT: getAtt(cache.serverlessCache!, 'Endpoint.Port'),
      SESSION_STORE_USERNAME: cache.username,
    });
    expect(ingressRules(template).map((r) => r.FromPort).sort()).toEqual([6379, 6380]);
  });

  test('an ECS service with a given container: only that container gets the environment', () => {
    const { stack, vpc, cache } = build();
    let app: ecs.ContainerDefinition | undefined;
    const { service } = fargateService(stack, vpc, (taskDefinition) => {
      taskDefinition.addContainer('Proxy', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/nginx:1') });
      app = taskDefinition.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20') });
    });
    cache.grantSessionAccess(SessionStoreConsumer.ecsService(service, app));
    const template = Template.fromStack(stack);

    expect(containerEnvironment(template, 'App')).toHaveProperty('SESSION_STORE_SECRET_ARN');
    expect(containerEnvironment(template, 'Proxy')).toEqual({});
  });
});

describe('node-based authentication', () => {
  const withUsers = (authentication: CacheAuthentication, extra: Partial<SessionStoreCacheProps> = {}) =>
    build({ deployment: SessionStoreDeployment.nodeBased({ authentication }), ...extra });

  test('an RBAC password user: the cluster has the user group, the store the user\'s secret and name', () => {
    const { stack, cache } = withUsers(CacheAuthentication.users([CacheUser.password('sessions-app', { accessString: AccessString.readWrite('sess:*') })]));
    const template = Template.fromStack(stack);

    expect(cache.username).toBe('sessions-app');
    expect(cache.secret).toBe(cache.cluster!.userSecret('sessions-app'));
    expect(cache.cluster!.authTokenSecret).toBeUndefined();
    template.hasResourceProperties(REPLICATION_GROUP, {
      UserGroupIds: [{ Ref: logicalIdOf(cache.cluster!.cfnUserGroup!) }],
      AuthToken: Match.absent(),
    });
    template.hasResourceProperties(USER, { UserName: 'sessions-app', AccessString: AccessString.readWrite('sess:*').value });
  });

  test('an RBAC password user: the consumer reads that user\'s secret and gets password mode and the username', () => {
    const { stack, vpc, cache } = withUsers(CacheAuthentication.users([CacheUser.password('sessions-app')]));
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
    const template = Template.fromStack(stack);

    expect(lambdaEnvironment(template)).toEqual({
      SESSION_STORE_HOST: getAtt(cache.cluster!, 'PrimaryEndPoint.Address'),
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_AUTH: 'password',
      SESSION_STORE_SECRET_ARN: { Ref: logicalIdOf(cache.secret as any) },
      SESSION_STORE_USERNAME: 'sessions-app',
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'false',
    });
    expectSecretReadGrant(template, fn.role as any, cache.secret as any);
  });

  test('the session user is the first listed that is not default; another can be named per consumer', () => {
    const { stack, vpc, cache } = withUsers(CacheAuthentication.users([
      CacheUser.password('default', { accessString: AccessString.disabled() }),
      CacheUser.password('web'),
      CacheUser.password('admin-tool'),
    ]));
    expect(cache.username).toBe('web');
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn), 'admin-tool');
    const template = Template.fromStack(stack);

    const adminSecret = cache.cluster!.userSecret('admin-tool');
    expect(lambdaEnvironment(template)).toMatchObject({
      SESSION_STORE_AUTH: 'password',
      SESSION_STORE_USERNAME: 'admin-tool',
      SESSION_STORE_SECRET_ARN: { Ref: logicalIdOf(adminSecret as any) },
    });
    expectSecretReadGrant(template, fn.role as any, adminSecret as any);
  });

  test('IAM: no secret; the consumer may connect as the user to this group, and signs for the group id', () => {
    const { stack, vpc, cache } = withUsers(CacheAuthentication.iam(['sessions-app']));
    expect(cache.secret).toBeUndefined();
    expect(cache.username).toBe('sessions-app');
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
    const template = Template.fromStack(stack);

    const environment = lambdaEnvironment(template);
    expect(environment).toEqual({
      SESSION_STORE_HOST: getAtt(cache.cluster!, 'PrimaryEndPoint.Address'),
      SESSION_STORE_PORT: '6380',
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_AUTH: 'iam',
      SESSION_STORE_USERNAME: 'sessions-app',
      SESSION_STORE_CACHE_NAME: stack.resolve(cache.cluster!.replicationGroupId),
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'false',
    });
    const policy = onlyProps(template, 'AWS::IAM::Policy');
    expect(policy.Roles).toEqual([{ Ref: logicalIdOf(fn.role as any) }]);
    expect(policy.PolicyDocument.Statement).toHaveLength(1);
    const [statement] = policy.PolicyDocument.Statement;
    expect(statement.Action).toBe('elasticache:Connect');
    expect(statement.Resource).toHaveLength(2);
    expect(statement.Resource[0]).toEqual(stack.resolve(cache.cluster!.replicationGroupArn));
    // The IAM user's ARN: arn:<partition>:elasticache:<region>:<account>:user:<user id = user name>.
    expect(JSON.stringify(statement.Resource[1])).toMatch(/:user:sessions-app"/);
    expect(JSON.stringify(template.toJSON())).not.toContain('secretsmanager:GetSecretValue');
  });

  test('cdk-nag: IAM users give no findings, and the only acknowledgement is the construct\'s AEC6 on its group', () => {
    const { stack, vpc, cache } = withUsers(CacheAuthentication.iam(['sessions-app']));
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)));
    const app = stack.node.root as App;
    // The test's own Lambda function is not under review here: only the store's resources.
    const ours = findings(app).filter((f) => f.includes('/Sessions/'));
    expect(ours).toEqual([]);
    expect(acknowledgements(app).filter((a) => a.includes('/Sessions/'))).toEqual(['TestStack/Sessions/Cluster/Resource: AwsSolutions-AEC6']);
  });
});

describe('serverless IAM authentication', () => {
  test('the application user authenticates with IAM; there is no secret', () => {
    const { stack, cache } = buildServerless({ iamAuthentication: true });
    const template = Template.fromStack(stack);

    expect(cache.secret).toBeUndefined();
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties(USER, {
      UserId: cache.username,
      UserName: cache.username,
      AuthenticationMode: { Type: 'iam' },
      AccessString: 'on ~sess:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info',
    });
  });

  test('a consumer may connect to this cache as this user, and is told to sign for a serverless cache', () => {
    const { stack, vpc, cache } = buildServerless({ iamAuthentication: true });
    const fn = lambdaFunction(stack, vpc);
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
    const template = Template.fromStack(stack);

    expect(lambdaEnvironment(template)).toEqual({
      SESSION_STORE_HOST: getAtt(cache.serverlessCache!, 'Endpoint.Address'),
      SESSION_STORE_PORT: getAtt(cache.serverlessCache!, 'Endpoint.Port'),
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_AUTH: 'iam',
      SESSION_STORE_USERNAME: cache.username,
      SESSION_STORE_CACHE_NAME: stack.resolve(cache.serverlessCacheName),
      SESSION_STORE_SERVERLESS: 'true',
      SESSION_STORE_TTL_SECONDS: '86400',
      SESSION_STORE_KEY_PREFIX: 'sess:',
      SESSION_STORE_CLUSTER_MODE: 'true',
    });
    const policy = onlyProps(template, 'AWS::IAM::Policy');
    const [statement] = policy.PolicyDocument.Statement;
    expect(policy.PolicyDocument.Statement).toHaveLength(1);
    expect(statement.Action).toBe('elasticache:Connect');
    expect(statement.Resource[0]).toEqual(getAtt(cache.serverlessCache!, 'ARN'));
    expect(JSON.stringify(statement.Resource[1])).toContain(`:user:${cache.username}"`);
  });

  test('cdk-nag: no finding and nothing acknowledged', () => {
    const { stack, vpc, cache } = buildServerless({ iamAuthentication: true });
    cache.grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)));
    const app = stack.node.root as App;
    expect(findings(app).filter((f) => f.includes('/Sessions/'))).toEqual([]);
    expect(acknowledgements(app).filter((a) => a.includes('/Sessions/'))).toEqual([]);
  });
});

describe('secretRotation (on by default)', () => {
  test('on nodes with the AUTH token: the cluster\'s token rotation', () => {
    const { stack, cache } = build({ secretRotation: SecretRotation.enabled({ schedule: Duration.days(7) }) });
    const schedule = cache.cluster!.node.findChild('AuthTokenRotation').node.findChild('Schedule');
    const template = Template.fromStack(stack);

    expect(cache.cluster!.node.tryFindChild('AuthTokenRotation')).toBeDefined();
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(cache.secret as any) },
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
    });
    expect(schedule.node.path).toBe('TestStack/Sessions/Cluster/AuthTokenRotation/Schedule');
  });

  test('on nodes with a password user: that user\'s password rotation', () => {
    const { stack, cache } = build({
      deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([CacheUser.password('web')]) }),
      secretRotation: SecretRotation.enabled(),
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: { Ref: logicalIdOf(cache.secret as any) } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROTATION_MODE: 'userPassword', USER_ID: Match.stringLikeRegexp('-web$') }) },
    });
  });

  test('on serverless: the application user\'s password, tested on the serverless endpoint on 6379', () => {
    const { stack, cache } = buildServerless({}, { secretRotation: SecretRotation.enabled() });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(cache.secret as any) },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROTATION_MODE: 'userPassword',
          USER_ID: cache.username,
          CACHE_HOST: getAtt(cache.serverlessCache!, 'Endpoint.Address'),
          CACHE_PORT: '6379',
          REPLICATION_GROUP_ID: stack.resolve(cache.serverlessCacheName),
        }),
      },
    });
    // The function may change this user only.
    const rotationPolicy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .find((p) => JSON.stringify(p).includes('elasticache:ModifyUser'))!;
    const statement = rotationPolicy.Properties.PolicyDocument.Statement.find((st: any) => st.Sid === 'ChangeThisUsersPassword');
    expect(statement.Action).toEqual(['elasticache:DescribeUsers', 'elasticache:ModifyUser']);
    expect(JSON.stringify(statement.Resource)).toContain(`:elasticache:us-east-1:123456789012:user:${cache.username}"`);
    // The cache admits the function on 6379 only (its endpoints admit it on 443).
    const cacheGroup = getAtt(cache.connections.securityGroups[0], 'GroupId');
    const fromRotation = ingressRules(template)
      .filter((rule) => JSON.stringify(rule.SourceSecurityGroupId).includes('PasswordRotation') && JSON.stringify(rule.GroupId) === JSON.stringify(cacheGroup));
    expect(fromRotation.map((rule) => [rule.FromPort, rule.ToPort])).toEqual([[6379, 6379]]);
  });

  test.each([
    ['nodes', () => ({})],
    ['serverless', () => ({ deployment: SessionStoreDeployment.serverless() })],
    ['nodes with a password user', () => ({ deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([CacheUser.password('web')]) }) })],
  ])('cdk-nag on %s: with the team\'s network-interface policy, no finding; only the table\'s acknowledgements', (_name, props) => {
    const { stack } = build((s) => ({
      ...(props as () => Partial<SessionStoreCacheProps>)(),
      secretRotation: SecretRotation.enabled(teamRotationOptions(s)),
    }));
    const app = stack.node.root as App;

    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).filter((a) => a.includes('/Sessions/')).sort()).toEqual(expectedAcknowledgements(app));
    // The library's policies hold no wildcard: the team's policy does, acknowledged where it is kept.
    expect(expectedAcknowledgements(app).filter((a) => a.includes('IAM5'))).toEqual([]);
  });

  test.each([
    ['nodes', () => ({}), ['TestStack/Sessions/Cluster/AuthToken']],
    ['serverless', () => ({ deployment: SessionStoreDeployment.serverless() }), ['TestStack/Sessions/Default/UserSecret:teststack-sessions-cab0f491-app']],
  ])('SecretRotation.disabled() on %s: no function, and a warning that names the secret and the rules', (_name, props, secrets) => {
    const { stack, cache } = build({ ...(props as () => Partial<SessionStoreCacheProps>)(), secretRotation: SecretRotation.disabled() });
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 0);
    const warnings = (cache.cluster ?? cache.serverless!).node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringContaining(`secretRotation is disabled: ${secrets.join(', ')} never change`)]);
  });
});

describe('metric()', () => {
  test('on nodes reads the primary node, average over 5 minutes', () => {
    const { stack, cache } = build();
    const metric = cache.metric('CurrConnections');

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe('CurrConnections');
    expect(metric.statistic).toBe('Average');
    expect(metric.period.toSeconds()).toBe(300);
    expect(stack.resolve(metric.dimensions)).toEqual({ CacheClusterId: { 'Fn::Join': ['', [{ Ref: logicalIdOf(cache.cluster!.replicationGroup) }, '-001']] } });
  });

  test('on serverless reads the cache by its clusterId dimension', () => {
    const { stack, cache } = buildServerless({ serverlessCacheName: 'shop-sessions' });
    const metric = cache.metric('ThrottledCmds', { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) });

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe('ThrottledCmds');
    expect(metric.statistic).toBe('Sum');
    expect(metric.period.toSeconds()).toBe(60);
    expect(evaluate(stack, metric.dimensions)).toEqual({ clusterId: 'shop-sessions' });
  });
});

describe('addRecommendedAlarms()', () => {
  test('on serverless: cannot be added twice', () => {
    const { cache } = buildServerless();
    cache.addRecommendedAlarms();

    expect(() => cache.addRecommendedAlarms()).toThrow(/\[TestStack\/Sessions\] invalid configuration:\n {2}- addRecommendedAlarms\(\) was already called\. Call it once, with all options\./);
  });

  test('on nodes: the per-node alarms of the cluster', () => {
    const { stack, cache } = build();
    const created = cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);
    const id = stack.resolve(cache.cluster!.replicationGroupId);

    expect(created).toHaveLength(10);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    for (const metricName of ['CPUUtilization', 'DatabaseMemoryUsagePercentage', 'Evictions', 'CurrConnections', 'ReplicationLag']) {
      expect(alarmsOf(template, metricName).map((a) => a.Dimensions)).toEqual([
        [{ Name: 'CacheClusterId', Value: { 'Fn::Join': ['', [id, '-001']] } }],
        [{ Name: 'CacheClusterId', Value: { 'Fn::Join': ['', [id, '-002']] } }],
      ]);
    }
  });

  test('on nodes: notify the given topic first', () => {
    const { stack, cache } = build((s) => ({ alarmTopic: encryptedTopic(s), notificationTopic: eventTopic(s) }));
    const oncall = new sns.Topic(stack, 'Oncall');
    cache.addRecommendedAlarms({ alarmTopic: oncall });

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(oncall) }],
      OKActions: [{ Ref: logicalIdOf(oncall) }],
    });
  });

  test('on nodes: notify the alarm topic, rather than the notification topic', () => {
    const { stack, cache } = build((s) => ({ alarmTopic: encryptedTopic(s), notificationTopic: eventTopic(s) }));
    cache.addRecommendedAlarms();

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }],
    });
  });

  test('on nodes: notify the notification topic when there is no alarm topic', () => {
    const { stack, cache } = build((s) => ({ notificationTopic: eventTopic(s) }));
    cache.addRecommendedAlarms();

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Events') }],
    });
  });

  test('on nodes: the cluster\'s own topic without a topic', () => {
    const { stack, cache } = build();
    cache.addRecommendedAlarms();

    expect(cache.alarmTopic).toBe(cache.cluster!.alarmTopic);
    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: logicalIdOf(cache.alarmTopic as sns.Topic) }] });
  });

  test('on serverless: alarm on any throttled command', () => {
    const { stack, cache } = buildServerless();
    const created = cache.addRecommendedAlarms();
    const alarms = alarmsOf(Template.fromStack(stack));

    expect(created).toHaveLength(1);
    expect(alarms).toEqual([expect.objectContaining({
      Namespace: 'AWS/ElastiCache',
      MetricName: 'ThrottledCmds',
      Dimensions: [{ Name: 'clusterId', Value: { Ref: logicalIdOf(cache.serverlessCache!) } }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    })]);
    expect(alarms[0].AlarmActions).toEqual([{ Ref: logicalIdOf(cache.alarmTopic as sns.Topic) }]);
  });

  test('on serverless: add to the usage alarms, and notify the given topic, else the alarm topic', () => {
    const withLimits = buildServerless(TEN_GB_5000_ECPU, (s) => ({ alarmTopic: encryptedTopic(s) }));
    withLimits.cache.addRecommendedAlarms();
    const template = Template.fromStack(withLimits.stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alerts') }] });

    const given = buildServerless();
    const oncall = new sns.Topic(given.stack, 'Oncall');
    given.cache.addRecommendedAlarms({ alarmTopic: oncall });
    Template.fromStack(given.stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ThrottledCmds',
      AlarmActions: [{ Ref: logicalIdOf(oncall) }],
      OKActions: [{ Ref: logicalIdOf(oncall) }],
    });
  });
});

describe('synth-time rules', () => {
  const serverless = (options: ServerlessSessionStoreOptions = {}) => SessionStoreDeployment.serverless(options);

  interface Row {
    /** The rule, as the test name. */
    readonly case: string;
    /** Props on top of the fixture VPC. */
    readonly props?: PropsFactory<SessionStoreCacheProps>;
    /** Something else to do instead of creating the store. */
    readonly act?: (stack: Stack, vpc: ec2.IVpc) => void;
    /** The construct the message names. */
    readonly path?: string;
    /** The expected message: the bad value and the fix. */
    readonly message: RegExp;
  }

  const rows: Row[] = [
    // Sessions
    { case: 'sessionTtl with a fraction of a second', props: { sessionTtl: Duration.millis(1500) }, message: /sessionTtl must be a whole number of seconds, at least 1, got "1 second 500 millis"\./ },
    { case: 'sessionTtl of zero', props: { sessionTtl: Duration.seconds(0) }, message: /sessionTtl must be a whole number of seconds, at least 1, got "0 seconds"\./ },
    {
      case: 'keyPrefix empty',
      props: { keyPrefix: '' },
      message: /keyPrefix "" must be non-empty and contain no spaces, glob characters \(\* \? \[ \]\) or backslashes, since it becomes the ACL key pattern ~<keyPrefix>\*\. Use e\.g\. "sess:"\./,
    },
    { case: 'keyPrefix with a star', props: { keyPrefix: 'sess*' }, message: /keyPrefix "sess\*" must be non-empty and contain no spaces, glob characters .* Use e\.g\. "sess:"\./ },
    { case: 'keyPrefix with a question mark', props: { keyPrefix: 'sess?:' }, message: /keyPrefix "sess\?:" must be non-empty and contain no spaces, glob characters .* Use e\.g\. "sess:"\./ },
    { case: 'keyPrefix with a bracket', props: { keyPrefix: 'sess[1]:' }, message: /keyPrefix "sess\[1\]:" must be non-empty and contain no spaces, glob characters .* Use e\.g\. "sess:"\./ },
    { case: 'keyPrefix with a space', props: { keyPrefix: 'my sess:' }, message: /keyPrefix "my sess:" must be non-empty and contain no spaces, glob characters .* Use e\.g\. "sess:"\./ },
    {
      case: 'keyPrefix with a glob character on serverless',
      props: { deployment: serverless(), keyPrefix: 'sess:*' },
      message: /keyPrefix "sess:\*" must be non-empty and contain no spaces, glob characters .* Use e\.g\. "sess:"\./,
    },
    // Serverless engine
    {
      case: 'serverless with Redis OSS 6.2',
      props: { deployment: serverless(), engineVersion: CacheEngineVersion.REDIS_6_2 },
      message: /serverless needs Valkey 7\.2\+ or Redis OSS 7\.0\+, not redis 6\.2\. Leave engineVersion unset for Valkey 8\./,
    },
    // Usage limits
    {
      case: 'dataStorageMaximumSize 0',
      props: { deployment: serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(0) } }) },
      message: /cacheUsageLimits\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 0 GiB\./,
    },
    {
      case: 'dataStorageMaximumSize above 5000 GiB',
      props: { deployment: serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(5001) } }) },
      message: /cacheUsageLimits\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 5001 GiB/,
    },
    {
      case: 'dataStorageMaximumSize fractional',
      props: { deployment: serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(1.5) } }) },
      message: /cacheUsageLimits\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 1\.5 GiB/,
    },
    {
      case: 'requestRateLimitMaximum below 1,000',
      props: { deployment: serverless({ cacheUsageLimits: { requestRateLimitMaximum: 999 } }) },
      message: /cacheUsageLimits\.requestRateLimitMaximum must be an integer from 1000 to 15000000, got 999\. ElastiCache Serverless allows 1,000 to 15,000,000 ECPUs per second\./,
    },
    {
      case: 'requestRateLimitMaximum above 15,000,000',
      props: { deployment: serverless({ cacheUsageLimits: { requestRateLimitMaximum: 15_000_001 } }) },
      message: /cacheUsageLimits\.requestRateLimitMaximum must be an integer from 1000 to 15000000, got 15000001\. ElastiCache Serverless allows 1,000 to 15,000,000 ECPUs per second\./,
    },
    // Cache name
    { case: 'serverlessCacheName of 41 characters', props: { deployment: serverless({ serverlessCacheName: 'a'.repeat(41) }) }, message: /serverlessCacheName "a{41}" has 41 characters; ElastiCache allows 1 to 40\./ },
    {
      case: 'serverlessCacheName starting with a digit',
      props: { deployment: serverless({ serverlessCacheName: '1sessions' }) },
      message: /serverlessCacheName "1sessions" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'serverlessCacheName with a dot',
      props: { deployment: serverless({ serverlessCacheName: 'shop.sessions' }) },
      message: /serverlessCacheName "shop\.sessions" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'serverlessCacheName with two hyphens in a row',
      props: { deployment: serverless({ serverlessCacheName: 'shop--sessions' }) },
      message: /serverlessCacheName "shop--sessions" must not contain two hyphens in a row or end with a hyphen\./,
    },
    {
      case: 'serverlessCacheName ending with a hyphen',
      props: { deployment: serverless({ serverlessCacheName: 'sessions-' }) },
      message: /serverlessCacheName "sessions-" must not contain two hyphens in a row or end with a hyphen\./,
    },
    // Events
    {
      case: 'serverless with a notificationTopic',
      props: (stack) => ({ deployment: serverless(), notificationTopic: eventTopic(stack) }),
      message: /notificationTopic is set, but serverless caches publish no ElastiCache events to SNS\. Give the topic as alarmTopic for the usage alarms\./,
    },
    // Backups and removal
    {
      case: 'serverless backupRetention of 0 days',
      props: { deployment: serverless(), backupRetention: Duration.days(0) },
      message: /backupRetention must be whole days from 1 to 35 on serverless, got "0 days"\./,
    },
    {
      case: 'serverless backupRetention of 36 days',
      props: { deployment: serverless(), backupRetention: Duration.days(36) },
      message: /backupRetention must be whole days from 1 to 35 on serverless, got "36 days"\./,
    },
    {
      case: 'serverless backupRetention in fractional days',
      props: { deployment: serverless(), backupRetention: Duration.hours(36) },
      message: /backupRetention must be whole days from 1 to 35 on serverless, got "1 day 12 hours"\./,
    },
    {
      case: 'removalPolicy SNAPSHOT on serverless',
      props: { deployment: serverless(), removalPolicy: RemovalPolicy.SNAPSHOT },
      message: /removalPolicy SNAPSHOT does not apply to serverless caches: they take a final backup on deletion\. Use DESTROY \(the default\) or RETAIN\./,
    },
    // Network
    {
      case: 'serverless with the selected subnets in one zone',
      props: { deployment: serverless(), vpcSubnets: { availabilityZones: ['us-east-1b'] } },
      message: /serverless needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1b\. Select subnets in two or more zones\./,
    },
    {
      case: 'serverless in a VPC with one zone',
      props: (stack) => ({ deployment: serverless(), vpc: oneZoneVpc(stack) }),
      message: /serverless needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1a\. Select subnets in two or more zones\./,
    },
    {
      case: 'serverless in public subnets',
      props: { deployment: serverless(), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      message: /vpcSubnets selects public subnets \(subnet-0d000000000000004, subnet-0e000000000000005, subnet-0f000000000000006\)\. Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead\./,
    },
    // Node-based authentication
    {
      case: 'users without an application user',
      props: { deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([CacheUser.password('default')]) }) },
      message: /authentication lists only the user "default"\. Add the application's user, e\.g\. CacheAuthentication\.users\(\[CacheUser\.password\("sessions-app"\)\]\)/,
    },
    {
      case: 'a user named for a store with an AUTH token',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', { vpc }).grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)), 'web');
      },
      path: 'TestStack/Sessions',
      message: /grantSessionAccess was given the user "web", but this session store authenticates with an AUTH token\. Leave userName out, or use deployment: SessionStoreDeployment\.nodeBased\(\{ authentication: CacheAuthentication\.users\(\[\.\.\.\]\) \}\)\./,
    },
    {
      case: 'a user named for a serverless store',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', { vpc, deployment: serverless() })
          .grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)), 'web');
      },
      path: 'TestStack/Sessions',
      message: /grantSessionAccess was given the user "web", but this session store is serverless and has one application user of its own\. Leave userName out\./,
    },
    {
      case: 'a user that the store does not have',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', { vpc, deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([CacheUser.password('web')]) }) })
          .grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)), 'mobile');
      },
      path: 'TestStack/Sessions',
      message: /grantSessionAccess was given the user "mobile", which is not an application user of this session store\. Use one of: web\./,
    },
    {
      case: 'the default user named as the consumer\'s user',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', {
          vpc,
          deployment: SessionStoreDeployment.nodeBased({
            authentication: CacheAuthentication.users([CacheUser.password('default', { accessString: AccessString.disabled() }), CacheUser.password('web')]),
          }),
        }).grantSessionAccess(SessionStoreConsumer.lambdaFunction(lambdaFunction(stack, vpc)), 'default');
      },
      path: 'TestStack/Sessions',
      message: /grantSessionAccess was given the user "default", which is not an application user of this session store\. Use one of: web\./,
    },
    {
      case: 'secret rotation for an IAM session user',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', {
          vpc,
          deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.iam(['web']) }),
          secretRotation: SecretRotation.enabled(),
        });
      },
      path: 'TestStack/Sessions/Cluster',
      message: /secretRotation is enabled, but there is no secret to rotate: the users authenticate with IAM, whose auth tokens expire on their own\. Leave secretRotation unset\./,
    },
    {
      case: 'secret rotation for an IAM serverless user',
      act: (stack, vpc) => {
        new SessionStoreCache(stack, 'Sessions', {
          vpc, deployment: SessionStoreDeployment.serverless({ iamAuthentication: true }), secretRotation: SecretRotation.enabled(),
        });
      },
      path: 'TestStack/Sessions/Default',
      message: /secretRotation is enabled, but there is no secret to rotate: the users authenticate with IAM/,
    },
    // Consumers
    {
      case: 'an ECS service without a default container',
      act: (stack, vpc) => {
        const { service } = fargateService(stack, vpc, (taskDefinition) => {
          taskDefinition.addContainer('Sidecar', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20'), essential: false });
        });
        new SessionStoreCache(stack, 'Sessions', { vpc }).grantSessionAccess(SessionStoreConsumer.ecsService(service));
      },
      path: 'TestStack/Service',
      message: /^\[TestStack\/Service\] has no default container\. Pass the container that uses the session store\./,
    },
  ];

  test.each(rows)('$case', ({ props, act, path, message }) => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const run = act ?? (() => {
      new SessionStoreCache(stack, 'Sessions', { vpc, ...resolveProps(props, stack, vpc) });
    });

    const error = errorOf(() => run(stack, vpc));
    expect(error).toMatch(path ? errorHeader(path) : invalidConfigurationHeader('TestStack/Sessions'));
    expect(error).toMatch(message);
  });

  test('every error of a serverless configuration is reported in one throw', () => {
    const { stack } = newStack();

    expect(() => new SessionStoreCache(stack, 'Sessions', {
      vpc: importedVpc(stack),
      deployment: SessionStoreDeployment.serverless({ serverlessCacheName: '1sessions', cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(0) } }),
      sessionTtl: Duration.seconds(0),
      keyPrefix: '*',
      removalPolicy: RemovalPolicy.SNAPSHOT,
    })).toThrow(new RegExp([
      '^\\[TestStack/Sessions\\] invalid configuration:',
      '  - sessionTtl must be a whole number of seconds.*',
      '  - keyPrefix "\\*" must be non-empty.*',
      '  - serverlessCacheName "1sessions" must start with a letter.*',
      '  - cacheUsageLimits\\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000.*',
      '  - removalPolicy SNAPSHOT does not apply to serverless caches.*$',
    ].join('\n')));
  });

  test('the bounds are accepted', () => {
    const { stack } = newStack();

    expect(() => new SessionStoreCache(stack, 'Sessions', {
      vpc: importedVpc(stack),
      deployment: SessionStoreDeployment.serverless({ serverlessCacheName: 'a'.repeat(40), cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(5000), requestRateLimitMaximum: 15_000_000 } }),
      sessionTtl: Duration.seconds(1),
      keyPrefix: 'a',
      backupRetention: Duration.days(35),
    })).not.toThrow();
    expect(() => new SessionStoreCache(stack, 'Other', {
      vpc: importedVpc(stack, 'Vpc2'),
      deployment: SessionStoreDeployment.serverless(LOWEST_LIMITS),
      backupRetention: Duration.days(1),
      engineVersion: CacheEngineVersion.REDIS_7_0,
    })).not.toThrow();
  });

  test('node-based stores accept Redis OSS 6.2 and backupRetention 0, which only serverless rejects', () => {
    const { stack } = newStack();

    expect(() => new SessionStoreCache(stack, 'Sessions', {
      vpc: importedVpc(stack),
      engineVersion: CacheEngineVersion.REDIS_6_2,
      backupRetention: Duration.days(0),
    })).not.toThrow();
  });
});

/** The base of the user ids of `Sessions` in `stack`: the construct path words and a hash of stack and path. */
function userIdBase(stack: Stack): string {
  return defaultCacheId(stack.node.findChild('Sessions'), 40);
}
