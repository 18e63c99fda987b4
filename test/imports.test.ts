import { Fn, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ISecureRedisCluster, IShardedMemcached, SecretRotation, SecureRedisCluster, SecureRedisClusterAttributes,
  ShardedMemcached, ShardedMemcachedAttributes,
} from '../src';
import { appSecurityGroup, importedVpc, newStack } from './fixtures';
import { errorHeader, errorOf, expectInvalidConfiguration, getAtt, logicalIdOf } from './support';

// Imported replication groups are first-class: what they were given works as on a created group
// (endpoints, connections, grants, metrics), and what they were not given fails at synth, naming
// the attribute to add.

const TOKEN_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/cache/auth-AbCdEf';
const SG_ID = 'sg-0aaaaaaaaaaaaaaaa';

function groupArn(groupId: string): string {
  return `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${groupId}`;
}

function userArn(userId: string): string {
  return `arn:aws:elasticache:us-east-1:123456789012:user:${userId}`;
}

/** A resolved ARN as text: `Fn::Join` of literals and the partition. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as any;
  if (v?.Ref === 'AWS::Partition') return 'aws';
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'];
    return (parts as unknown[]).map(flatten).join(separator);
  }
  throw new Error(`not a literal, a join or the partition: ${JSON.stringify(value)}`);
}

function roleIn(stack: Stack, id = 'App'): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
}

/** The actions and resources that the policies of `role` allow, one entry per statement. */
function statementsOf(stack: Stack, role: iam.IRole): Array<{ actions: string[]; resources: string[] }> {
  return Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(role) }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat().map((r: unknown) => flatten(Stack.of(role).resolve(r))) }));
}

/** The resources of the one `elasticache:Connect` statement granted to `role`. */
function connectResources(stack: Stack, role: iam.IRole): string[] {
  const connect = statementsOf(stack, role).filter((s) => s.actions.includes('elasticache:Connect'));
  expect(connect).toHaveLength(1);
  expect(connect[0].actions).toEqual(['elasticache:Connect']);
  return connect[0].resources;
}

/** A group with cluster mode off, imported with every attribute. */
function importedOff(stack: Stack, extra: Partial<SecureRedisClusterAttributes> = {}): ISecureRedisCluster {
  return SecureRedisCluster.fromSecureRedisClusterAttributes(stack, 'Imported', {
    replicationGroupId: 'orders',
    port: 6380,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSg', SG_ID)],
    authTokenSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Token', TOKEN_SECRET_ARN),
    primaryEndpointAddress: 'master.orders.abc123.use1.cache.amazonaws.com',
    readerEndpointAddress: 'replica.orders.abc123.use1.cache.amazonaws.com',
    iamUserNames: ['orders-api', 'orders-worker'],
    ...extra,
  });
}

/** A group in cluster mode with two shards, imported with its configuration endpoint. */
function importedOn(stack: Stack): ISecureRedisCluster {
  return SecureRedisCluster.fromSecureRedisClusterAttributes(stack, 'Imported', {
    replicationGroupId: 'orders',
    port: 6380,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSg', SG_ID)],
    clusterMode: true,
    shards: 2,
    replicasPerShard: 1,
    configurationEndpointAddress: 'clustercfg.orders.abc123.use1.cache.amazonaws.com',
  });
}

describe('SecureRedisCluster.fromSecureRedisClusterAttributes()', () => {
  test('creates no resource', () => {
    const { stack } = newStack();
    importedOff(stack);

    expect(Template.fromStack(stack).toJSON().Resources ?? {}).toEqual({});
  });

  test('id, ARN and port are the given ones; the id in lowercase, as ElastiCache stores it', () => {
    const { stack } = newStack();
    const cache = importedOff(stack, { replicationGroupId: 'Orders' });

    expect(cache.replicationGroupId).toBe('orders');
    expect(cache.port).toBe(6380);
    expect(flatten(stack.resolve(cache.replicationGroupArn))).toBe(groupArn('orders'));
  });

  test('cluster mode off: the primary and reader endpoints that were given, the primary as `endpoint`', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);

    expect(cache.primaryEndpoint).toMatchObject({ hostname: 'master.orders.abc123.use1.cache.amazonaws.com', port: 6380 });
    expect(cache.primaryEndpoint.socketAddress).toBe('master.orders.abc123.use1.cache.amazonaws.com:6380');
    expect(cache.readerEndpoint.socketAddress).toBe('replica.orders.abc123.use1.cache.amazonaws.com:6380');
    expect(cache.endpoint.socketAddress).toBe('master.orders.abc123.use1.cache.amazonaws.com:6380');
  });

  test('cluster mode on: the configuration endpoint that was given, also as `endpoint`', () => {
    const { stack } = newStack();
    const cache = importedOn(stack);

    expect(cache.configurationEndpoint.socketAddress).toBe('clustercfg.orders.abc123.use1.cache.amazonaws.com:6380');
    expect(cache.endpoint.socketAddress).toBe('clustercfg.orders.abc123.use1.cache.amazonaws.com:6380');
  });

  test('endpoints and port from other stacks (tokens) resolve to the given values', () => {
    const { stack } = newStack();
    const cache = importedOff(stack, { primaryEndpointAddress: Fn.importValue('OrdersPrimary'), port: 6390 });

    expect(stack.resolve(cache.endpoint.hostname)).toEqual({ 'Fn::ImportValue': 'OrdersPrimary' });
    expect(stack.resolve(cache.endpoint.socketAddress)).toEqual({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'OrdersPrimary' }, ':6390']] });
  });

  test('connections admit clients on the imported port, into the imported security groups only', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);
    const client = appSecurityGroup(stack, importedVpc(stack), 'Client');
    cache.connections.allowDefaultPortFrom(client);

    expect(cache.connections.securityGroups.map((sg) => sg.securityGroupId)).toEqual([SG_ID]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: SG_ID,
      SourceSecurityGroupId: getAtt(client, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 6380,
      ToPort: 6380,
    });
  });

  test('an imported group is a peer: a client that opens a path to it adds the rule to the imported group', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);
    const client = appSecurityGroup(stack, importedVpc(stack), 'Client');
    client.connections.allowTo(cache, ec2.Port.tcp(cache.port));

    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: SG_ID, SourceSecurityGroupId: getAtt(client, 'GroupId'), FromPort: 6380, ToPort: 6380,
    });
  });

  test('grantConnect() grants elasticache:Connect on the group and every given IAM user, nothing else', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);
    const role = roleIn(stack);
    cache.grantConnect(role);

    expect(connectResources(stack, role)).toEqual([groupArn('orders'), userArn('orders-api'), userArn('orders-worker')]);
    expect(statementsOf(stack, role)).toHaveLength(1);
  });

  test('grantConnect(grantee, userName) grants that user only', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);
    const role = roleIn(stack);
    cache.grantConnect(role, 'orders-worker');

    expect(connectResources(stack, role)).toEqual([groupArn('orders'), userArn('orders-worker')]);
  });

  test('grantConnect(grantee, userName) works without iamUserNames, for the one user named', () => {
    const { stack } = newStack();
    const cache = importedOff(stack, { iamUserNames: undefined });
    const role = roleIn(stack);
    cache.grantConnect(role, 'orders-api');

    expect(connectResources(stack, role)).toEqual([groupArn('orders'), userArn('orders-api')]);
  });

  test('grantReadAuthToken() grants reading the given secret only', () => {
    const { stack } = newStack();
    const cache = importedOff(stack);
    const role = roleIn(stack);
    cache.grantReadAuthToken(role);

    const reads = statementsOf(stack, role).filter((s) => s.actions.includes('secretsmanager:GetSecretValue'));
    expect(reads).toEqual([{ actions: expect.arrayContaining(['secretsmanager:GetSecretValue']), resources: [TOKEN_SECRET_ARN] }]);
  });

  test.each([
    { method: 'metricEngineCpuUtilization', metricName: 'EngineCPUUtilization', statistic: 'Average' },
    { method: 'metricCpuUtilization', metricName: 'CPUUtilization', statistic: 'Average' },
    { method: 'metricDatabaseMemoryUsagePercentage', metricName: 'DatabaseMemoryUsagePercentage', statistic: 'Average' },
    { method: 'metricEvictions', metricName: 'Evictions', statistic: 'Sum' },
    { method: 'metricCurrConnections', metricName: 'CurrConnections', statistic: 'Maximum' },
    { method: 'metricReplicationLag', metricName: 'ReplicationLag', statistic: 'Maximum' },
    { method: 'metricCacheHits', metricName: 'CacheHits', statistic: 'Sum' },
    { method: 'metricCacheMisses', metricName: 'CacheMisses', statistic: 'Sum' },
    { method: 'metricAuthenticationFailures', metricName: 'AuthenticationFailures', statistic: 'Sum' },
    { method: 'metricSwapUsage', metricName: 'SwapUsage', statistic: 'Maximum' },
  ] as const)('$method on the interface reads $metricName of the imported nodes', ({ method, metricName, statistic }) => {
    const { stack } = newStack();
    const off: ISecureRedisCluster = importedOff(stack);
    const on: ISecureRedisCluster = importedOn(newStack().stack);

    const first = off[method]();
    expect(first).toMatchObject({ namespace: 'AWS/ElastiCache', metricName, statistic });
    expect(first.dimensions).toEqual({ CacheClusterId: 'orders-001' });
    expect(on[method]().dimensions).toEqual({ CacheClusterId: 'orders-0001-001' });
    expect(on[method]({ cacheClusterId: 'orders-0002-002' }).dimensions).toEqual({ CacheClusterId: 'orders-0002-002' });
    // An alarm on the imported group's metric synthesizes with the node's dimension.
    first.createAlarm(stack, 'Alarm', { threshold: 1, evaluationPeriods: 1 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ElastiCache', MetricName: metricName, Dimensions: [{ Name: 'CacheClusterId', Value: 'orders-001' }],
    });
  });

  test.each([
    { case: 'default topology: cluster mode off, one replica', attrs: {}, nodeIds: ['orders-001', 'orders-002'] },
    { case: 'cluster mode off, two replicas', attrs: { replicasPerShard: 2 }, nodeIds: ['orders-001', 'orders-002', 'orders-003'] },
    {
      case: 'cluster mode on, two shards without replicas',
      attrs: { clusterMode: true, shards: 2, replicasPerShard: 0, primaryEndpointAddress: undefined, readerEndpointAddress: undefined },
      nodeIds: ['orders-0001-001', 'orders-0002-001'],
    },
  ])('nodeIds: $case', ({ attrs, nodeIds }) => {
    const { stack } = newStack();
    expect(importedOff(stack, attrs).nodeIds).toEqual(nodeIds);
  });
});

describe('SecureRedisCluster.fromReplicationGroupId()', () => {
  function byId(): { stack: Stack; cache: ISecureRedisCluster } {
    const { stack } = newStack();
    return { stack, cache: SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders') };
  }

  test('the ARN is built with the stack account and Region', () => {
    const { stack, cache } = byId();

    expect(cache.replicationGroupId).toBe('orders');
    expect(stack.resolve(cache.replicationGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:replicationgroup:orders']],
    });
  });

  test('grantConnect(grantee, userName) grants the group and the user named', () => {
    const { stack, cache } = byId();
    const role = roleIn(stack);
    cache.grantConnect(role, 'orders-api');

    expect(connectResources(stack, role)).toEqual([groupArn('orders'), userArn('orders-api')]);
  });

  test('metrics read the node named with cacheClusterId', () => {
    const { cache } = byId();

    expect(cache.metricEngineCpuUtilization({ cacheClusterId: 'orders-0001-002' }).dimensions).toEqual({ CacheClusterId: 'orders-0001-002' });
  });
});

describe('SecureRedisCluster.fromReplicationGroupArn()', () => {
  const OTHER_ARN = 'arn:aws:elasticache:eu-west-1:210987654321:replicationgroup:orders';

  test('id and ARN come from the ARN, which may name another account and Region', () => {
    const { stack } = newStack();
    const cache = SecureRedisCluster.fromReplicationGroupArn(stack, 'Imported', OTHER_ARN);

    expect(cache.replicationGroupId).toBe('orders');
    expect(cache.replicationGroupArn).toBe(OTHER_ARN);
    expect(cache.env).toEqual({ account: '210987654321', region: 'eu-west-1' });
  });

  test('metrics read the other account and Region; a group of the stack\'s own keeps them unset', () => {
    const { stack } = newStack();
    const other = SecureRedisCluster.fromReplicationGroupArn(stack, 'Other', OTHER_ARN);
    const own = SecureRedisCluster.fromReplicationGroupArn(stack, 'Own', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders');

    const metric = other.metricEngineCpuUtilization({ cacheClusterId: 'orders-0001-001' });
    expect([metric.account, metric.region, metric.dimensions]).toEqual(['210987654321', 'eu-west-1', { CacheClusterId: 'orders-0001-001' }]);
    const ownMetric = own.metricEngineCpuUtilization({ cacheClusterId: 'orders-0001-001' });
    expect([ownMetric.account, ownMetric.region]).toEqual([undefined, undefined]);
  });

  test('grantConnect(grantee, userName) names the group and the user in the group\'s account and Region', () => {
    const { stack } = newStack();
    const cache = SecureRedisCluster.fromReplicationGroupArn(stack, 'Imported', OTHER_ARN);
    const role = roleIn(stack);
    cache.grantConnect(role, 'orders-api');

    expect(connectResources(stack, role)).toEqual([
      OTHER_ARN,
      'arn:aws:elasticache:eu-west-1:210987654321:user:orders-api',
    ]);
  });

  test.each([
    ['a Memcached cluster', 'arn:aws:elasticache:us-east-1:123456789012:cluster:orders'],
    ['another service', 'arn:aws:rds:us-east-1:123456789012:replicationgroup:orders'],
    ['an account that is not 12 digits', 'arn:aws:elasticache:us-east-1:1234:replicationgroup:orders'],
  ])('refuses %s', (_, arn) => {
    expectInvalidConfiguration('TestStack/Imported', /is not the ARN of a replication group\. Give arn:<partition>:elasticache:<region>:<account>:replicationgroup:<id>\./,
      () => SecureRedisCluster.fromReplicationGroupArn(newStack().stack, 'Imported', arn));
  });

  test('an ARN from a token is left to CloudFormation', () => {
    const { stack } = newStack();
    const cache = SecureRedisCluster.fromReplicationGroupArn(stack, 'Imported', Fn.importValue('OrdersArn'));

    expect(stack.resolve(cache.replicationGroupArn)).toEqual({ 'Fn::ImportValue': 'OrdersArn' });
    expect(JSON.stringify(stack.resolve(cache.replicationGroupId))).toContain('Fn::Split');
  });
});

describe('what an import was not given fails at synth, naming the attribute', () => {
  const role = (stack: Stack) => roleIn(stack);
  interface Row {
    readonly case: string;
    readonly build: (stack: Stack) => ISecureRedisCluster;
    readonly act: (cache: ISecureRedisCluster, stack: Stack) => unknown;
    readonly message: RegExp;
  }
  const rows: Row[] = [
    {
      case: 'primaryEndpoint without primaryEndpointAddress',
      build: (stack) => importedOff(stack, { primaryEndpointAddress: undefined }),
      act: (cache) => cache.primaryEndpoint,
      message: /was imported without primaryEndpointAddress, so it has no primary endpoint\. Import it with SecureRedisCluster\.fromSecureRedisClusterAttributes\(\) and give primaryEndpointAddress\./,
    },
    {
      case: 'endpoint without primaryEndpointAddress (cluster mode off)',
      build: (stack) => importedOff(stack, { primaryEndpointAddress: undefined }),
      act: (cache) => cache.endpoint,
      message: /was imported without primaryEndpointAddress, so it has no primary endpoint/,
    },
    {
      case: 'readerEndpoint without readerEndpointAddress',
      build: (stack) => importedOff(stack, { readerEndpointAddress: undefined }),
      act: (cache) => cache.readerEndpoint,
      message: /was imported without readerEndpointAddress, so it has no reader endpoint\./,
    },
    {
      case: 'configurationEndpoint without configurationEndpointAddress',
      build: (stack) => importedOff(stack, { clusterMode: true, primaryEndpointAddress: undefined, readerEndpointAddress: undefined }),
      act: (cache) => cache.configurationEndpoint,
      message: /was imported without configurationEndpointAddress, so it has no configuration endpoint\./,
    },
    {
      case: 'endpoint without configurationEndpointAddress (cluster mode on)',
      build: (stack) => importedOff(stack, { clusterMode: true, primaryEndpointAddress: undefined, readerEndpointAddress: undefined }),
      act: (cache) => cache.endpoint,
      message: /was imported without configurationEndpointAddress/,
    },
    {
      case: 'configurationEndpoint with cluster mode off',
      build: (stack) => importedOff(stack),
      act: (cache) => cache.configurationEndpoint,
      message: /runs with cluster mode off and has no configuration endpoint\. Use primaryEndpoint and readerEndpoint, or import the group with clusterMode: true\./,
    },
    {
      case: 'primaryEndpoint in cluster mode',
      build: (stack) => importedOn(stack),
      act: (cache) => cache.primaryEndpoint,
      message: /runs in cluster mode and has no primary endpoint\. Use configurationEndpoint with a cluster-aware client\./,
    },
    {
      case: 'readerEndpoint in cluster mode',
      build: (stack) => importedOn(stack),
      act: (cache) => cache.readerEndpoint,
      message: /runs in cluster mode and has no reader endpoint\./,
    },
    {
      case: 'grantConnect() without iamUserNames',
      build: (stack) => importedOff(stack, { iamUserNames: undefined }),
      act: (cache, stack) => cache.grantConnect(role(stack)),
      message: /was imported without iamUserNames, so it has no IAM users to grant elasticache:Connect on\. .*give iamUserNames, or name the user: grantConnect\(grantee, userName\)\./,
    },
    {
      case: 'grantConnect() with an empty iamUserNames',
      build: (stack) => importedOff(stack, { iamUserNames: [] }),
      act: (cache, stack) => cache.grantConnect(role(stack)),
      message: /was imported without iamUserNames/,
    },
    {
      case: 'grantReadAuthToken() without authTokenSecret',
      build: (stack) => importedOff(stack, { authTokenSecret: undefined }),
      act: (cache, stack) => cache.grantReadAuthToken(role(stack)),
      message: /has no AUTH token secret to grant access to\..*for an imported group, give authTokenSecret\./,
    },
    {
      case: 'fromReplicationGroupId: port',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache) => cache.port,
      message: /was imported without port, so it has no port\. Import it with SecureRedisCluster\.fromSecureRedisClusterAttributes\(\) and give port\./,
    },
    {
      case: 'fromReplicationGroupId: connections',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache, stack) => cache.connections.allowDefaultPortFrom(appSecurityGroup(stack, importedVpc(stack), 'Client')),
      message: /was imported without port and securityGroups, so it has no security groups to admit clients into\./,
    },
    {
      case: 'fromReplicationGroupId: a client that opens a path to it',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache, stack) => appSecurityGroup(stack, importedVpc(stack), 'Client').connections.allowTo(cache, ec2.Port.tcp(6380)),
      message: /was imported without port and securityGroups/,
    },
    {
      case: 'fromReplicationGroupId: endpoint',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache) => cache.endpoint,
      message: /was imported without primaryEndpointAddress/,
    },
    {
      case: 'fromReplicationGroupId: a metric without a node',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache) => cache.metricEvictions(),
      message: /was imported with fromReplicationGroupId\(\), which does not tell its nodes\. Name the node with the cacheClusterId metric option, or import the group with SecureRedisCluster\.fromSecureRedisClusterAttributes\(\) and give clusterMode, shards and replicasPerShard\./,
    },
    {
      case: 'fromReplicationGroupId: nodeIds',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache) => cache.nodeIds,
      message: /which does not tell its nodes/,
    },
    {
      case: 'fromReplicationGroupId: grantConnect() without a user',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache, stack) => cache.grantConnect(role(stack)),
      message: /was imported without iamUserNames/,
    },
    {
      case: 'fromReplicationGroupId: grantReadAuthToken()',
      build: (stack) => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders'),
      act: (cache, stack) => cache.grantReadAuthToken(role(stack)),
      message: /has no AUTH token secret/,
    },
  ];

  test.each(rows)('$case', ({ build, act, message }) => {
    const { stack } = newStack();
    const cache = build(stack);
    const error = errorOf(() => act(cache, stack));

    expect(error).toMatch(errorHeader('TestStack/Imported'));
    expect(error).toMatch(message);
    // A refused grant adds no statement.
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
  });
});

describe('grantConnect on an import refuses users it cannot name (attack first)', () => {
  test.each([
    {
      case: 'a user that is not among iamUserNames',
      userName: 'orders-admin',
      message: /grantConnect userName "orders-admin" is not among the iamUserNames of the import \("orders-api", "orders-worker"\)\. Name one of them, or add it to iamUserNames\./,
    },
    { case: 'a wildcard', userName: '*', message: /grantConnect userName entry "\*" must start with a letter and contain only letters, digits and hyphens\./ },
    {
      case: 'an uppercase name (ElastiCache ids are lowercase)',
      userName: 'Orders-Api',
      message: /grantConnect userName entry "Orders-Api" must be lowercase: an IAM user's name is its id, and ElastiCache user ids are lowercase\. Use "orders-api"\./,
    },
  ])('$case', ({ userName, message }) => {
    const { stack } = newStack();
    const cache = importedOff(stack);

    expectInvalidConfiguration('TestStack/Imported', message, () => cache.grantConnect(roleIn(stack), userName));
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
  });

  test('a wildcard is refused without iamUserNames too', () => {
    const { stack } = newStack();
    const cache = SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders');

    expectInvalidConfiguration('TestStack/Imported', /grantConnect userName entry "orders-\*" must start with a letter/, () => cache.grantConnect(roleIn(stack), 'orders-*'));
  });
});

describe('attributes that cannot describe a replication group fail at synth', () => {
  const rows: Array<{ case: string; attrs: Partial<SecureRedisClusterAttributes>; message: RegExp }> = [
    { case: 'an id ElastiCache refuses', attrs: { replicationGroupId: '1orders' }, message: /replicationGroupId "1orders" must start with a letter and contain only letters, digits and hyphens\./ },
    { case: 'an id that is too long', attrs: { replicationGroupId: `o${'r'.repeat(40)}` }, message: /replicationGroupId "or{40}" has 41 characters; ElastiCache allows 1 to 40\./ },
    { case: 'a port out of range', attrs: { port: 70000 }, message: /port must be an integer from 1 to 65535, got 70000\. Give the port the group listens on\./ },
    { case: 'a fractional port', attrs: { port: 6380.5 }, message: /port must be an integer from 1 to 65535, got 6380\.5\./ },
    { case: 'no shards', attrs: { clusterMode: true, shards: 0, primaryEndpointAddress: undefined, readerEndpointAddress: undefined }, message: /shards must be an integer from 1 to 500, got 0\. Give the number of shards the group has\./ },
    { case: 'too many replicas', attrs: { replicasPerShard: 6 }, message: /replicasPerShard must be an integer from 0 to 5, got 6\. Give the number of read replicas in each shard\./ },
    {
      case: 'shards without cluster mode',
      attrs: { shards: 3 },
      message: /shards is 3 but clusterMode is not set\. A group with more than one shard runs in cluster mode: add clusterMode: true\./,
    },
    {
      case: 'a configuration endpoint without cluster mode',
      attrs: { configurationEndpointAddress: 'clustercfg.orders.abc123.use1.cache.amazonaws.com' },
      message: /configurationEndpointAddress is given but clusterMode is not set\. Only groups in cluster mode have a configuration endpoint: add clusterMode: true\./,
    },
    {
      case: 'a primary endpoint in cluster mode',
      attrs: { clusterMode: true, readerEndpointAddress: undefined },
      message: /primaryEndpointAddress is given but clusterMode is true\. A group in cluster mode has only a configuration endpoint: give configurationEndpointAddress instead\./,
    },
    {
      case: 'a reader endpoint in cluster mode',
      attrs: { clusterMode: true, primaryEndpointAddress: undefined },
      message: /readerEndpointAddress is given but clusterMode is true\./,
    },
    {
      case: 'an endpoint address with its port',
      attrs: { primaryEndpointAddress: 'master.orders.abc123.use1.cache.amazonaws.com:6380' },
      message: /primaryEndpointAddress "master\.orders\.abc123\.use1\.cache\.amazonaws\.com:6380" is not a host name\. Give the endpoint's DNS name without the port \(the port is given on its own\)\./,
    },
    { case: 'an empty endpoint address', attrs: { readerEndpointAddress: '' }, message: /readerEndpointAddress "" is not a host name\./ },
    {
      case: 'an uppercase IAM user name',
      attrs: { iamUserNames: ['Orders-Api'] },
      message: /iamUserNames entry "Orders-Api" must be lowercase: an IAM user's name is its id, and ElastiCache user ids are lowercase\. Use "orders-api"\./,
    },
    { case: 'an IAM user listed twice', attrs: { iamUserNames: ['orders-api', 'orders-api'] }, message: /iamUserNames lists "orders-api" more than once\. List each user once\./ },
  ];

  test.each(rows)('$case', ({ attrs, message }) => {
    const { stack } = newStack();

    expectInvalidConfiguration('TestStack/Imported', message, () => importedOff(stack, attrs));
  });

  test('fromReplicationGroupId checks the id', () => {
    const { stack } = newStack();

    expectInvalidConfiguration('TestStack/Imported', /replicationGroupId "orders--cache" must not contain two hyphens in a row or end with a hyphen\./,
      () => SecureRedisCluster.fromReplicationGroupId(stack, 'Imported', 'orders--cache'));
  });

  test('values from tokens are left to CloudFormation', () => {
    const { stack } = newStack();
    const cache = importedOff(stack, { replicationGroupId: Fn.importValue('OrdersId'), port: Token.asNumber(Fn.importValue('OrdersPort')) });

    expect(stack.resolve(cache.replicationGroupId)).toEqual({ 'Fn::ImportValue': 'OrdersId' });
    expect(stack.resolve(cache.endpoint.port)).toEqual({ 'Fn::ImportValue': 'OrdersPort' });
  });
});

describe('SecureRedisCluster.isSecureRedisCluster()', () => {
  test('true for a created group, false for imports and anything else', () => {
    const { stack } = newStack();
    const created = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), secretRotation: SecretRotation.disabled() });
    const imported = importedOff(stack);

    expect(SecureRedisCluster.isSecureRedisCluster(created)).toBe(true);
    expect(SecureRedisCluster.isSecureRedisCluster(imported)).toBe(false);
    expect(SecureRedisCluster.isSecureRedisCluster(SecureRedisCluster.fromReplicationGroupId(stack, 'ById', 'orders'))).toBe(false);
    expect(SecureRedisCluster.isSecureRedisCluster(new Construct(stack, 'Other'))).toBe(false);
    for (const value of [null, undefined, 'SecureRedisCluster', 42, {}]) {
      expect(SecureRedisCluster.isSecureRedisCluster(value)).toBe(false);
    }
  });

  test('recognizes a group made by another copy of the library (the mark is a global symbol)', () => {
    const fromOtherCopy = { [Symbol.for('cdk-secure-elasticache.SecureRedisCluster')]: true };

    expect(SecureRedisCluster.isSecureRedisCluster(fromOtherCopy)).toBe(true);
  });
});

describe('a created group offers the same interface as an import', () => {
  test('grants, endpoint, connections and metrics through ISecureRedisCluster', () => {
    const { stack } = newStack();
    const cache: ISecureRedisCluster = new SecureRedisCluster(stack, 'Cache', {
      vpc: importedVpc(stack), clusterMode: false, secretRotation: SecretRotation.disabled(),
    });
    const role = roleIn(stack);
    cache.grantReadAuthToken(role);

    expect(stack.resolve(cache.endpoint.hostname)).toEqual(getAtt((cache as SecureRedisCluster).replicationGroup, 'PrimaryEndPoint.Address'));
    expect(cache.metricCacheHits()).toBeInstanceOf(cloudwatch.Metric);
    expect(cache.connections.securityGroups).toHaveLength(1);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']) })]) },
    });
  });
});

/** A Memcached cluster of three nodes, imported with every attribute. */
function importedMemcached(stack: Stack, extra: Partial<ShardedMemcachedAttributes> = {}): IShardedMemcached {
  return ShardedMemcached.fromShardedMemcachedAttributes(stack, 'Imported', {
    clusterName: 'catalog',
    port: 11212,
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSg', SG_ID)],
    nodes: 3,
    configurationEndpointAddress: 'catalog.abc123.cfg.use1.cache.amazonaws.com',
    ...extra,
  });
}

describe('ShardedMemcached.fromShardedMemcachedAttributes()', () => {
  test('keeps name and port, in lowercase as ElastiCache stores the name, and creates no resource', () => {
    const { stack } = newStack();
    const cache = importedMemcached(stack, { clusterName: 'Catalog' });

    expect(cache.clusterName).toBe('catalog');
    expect(cache.port).toBe(11212);
    expect(Template.fromStack(stack).toJSON().Resources ?? {}).toEqual({});
  });

  test('the configuration endpoint that was given, also as `endpoint`', () => {
    const { stack } = newStack();
    const cache = importedMemcached(stack);

    expect(cache.configurationEndpoint.socketAddress).toBe('catalog.abc123.cfg.use1.cache.amazonaws.com:11212');
    expect(cache.endpoint.socketAddress).toBe('catalog.abc123.cfg.use1.cache.amazonaws.com:11212');
  });

  test('connections admit clients on the imported port, into the imported security groups only', () => {
    const { stack } = newStack();
    const cache = importedMemcached(stack);
    const client = appSecurityGroup(stack, importedVpc(stack), 'Client');
    cache.connections.allowDefaultPortFrom(client);

    expect(cache.connections.securityGroups.map((sg) => sg.securityGroupId)).toEqual([SG_ID]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: SG_ID, SourceSecurityGroupId: getAtt(client, 'GroupId'), IpProtocol: 'tcp', FromPort: 11212, ToPort: 11212,
    });
  });

  test('has one node unless told otherwise', () => {
    expect(importedMemcached(newStack().stack, { nodes: undefined }).cacheNodeIds).toEqual(['0001']);
    expect(importedMemcached(newStack().stack).cacheNodeIds).toEqual(['0001', '0002', '0003']);
  });

  test.each([
    { method: 'metricCpuUtilization', metricName: 'CPUUtilization', statistic: 'Average' },
    { method: 'metricSwapUsage', metricName: 'SwapUsage', statistic: 'Maximum' },
    { method: 'metricEvictions', metricName: 'Evictions', statistic: 'Sum' },
    { method: 'metricCurrConnections', metricName: 'CurrConnections', statistic: 'Maximum' },
    { method: 'metricGetHits', metricName: 'GetHits', statistic: 'Sum' },
    { method: 'metricGetMisses', metricName: 'GetMisses', statistic: 'Sum' },
    { method: 'metricFreeableMemory', metricName: 'FreeableMemory', statistic: 'Minimum' },
  ] as const)('$method on the interface reads $metricName of the imported nodes', ({ method, metricName, statistic }) => {
    const { stack } = newStack();
    const cache: IShardedMemcached = importedMemcached(stack);

    expect(cache[method]()).toMatchObject({ namespace: 'AWS/ElastiCache', metricName, statistic });
    expect(cache[method]().dimensions).toEqual({ CacheClusterId: 'catalog', CacheNodeId: '0001' });
    expect(cache[method]({ cacheNodeId: '0003' }).dimensions).toEqual({ CacheClusterId: 'catalog', CacheNodeId: '0003' });
  });

  test('the endpoint fails at synth when configurationEndpointAddress was not given', () => {
    const { stack } = newStack();
    const cache = importedMemcached(stack, { configurationEndpointAddress: undefined });

    for (const act of [() => cache.configurationEndpoint, () => cache.endpoint]) {
      const error = errorOf(act);
      expect(error).toMatch(errorHeader('TestStack/Imported'));
      expect(error).toMatch(/was imported without configurationEndpointAddress, so it has no configuration endpoint\. Import it with ShardedMemcached\.fromShardedMemcachedAttributes\(\) and give configurationEndpointAddress\./);
    }
  });

  test.each([
    { case: 'a name ElastiCache refuses', attrs: { clusterName: 'catalog-' }, message: /clusterName "catalog-" must not contain two hyphens in a row or end with a hyphen\./ },
    { case: 'a name that is too long', attrs: { clusterName: `c${'a'.repeat(50)}` }, message: /clusterName "ca{50}" has 51 characters; ElastiCache allows 1 to 50\./ },
    { case: 'a port out of range', attrs: { port: 0 }, message: /port must be an integer from 1 to 65535, got 0\. Give the port the cluster listens on\./ },
    { case: 'no nodes', attrs: { nodes: 0 }, message: /nodes must be a whole number, at least 1, got 0\. Give the number of nodes the cluster has\./ },
    {
      case: 'an endpoint address with its port',
      attrs: { configurationEndpointAddress: 'catalog.abc123.cfg.use1.cache.amazonaws.com:11212' },
      message: /configurationEndpointAddress "catalog\.abc123\.cfg\.use1\.cache\.amazonaws\.com:11212" is not a host name\./,
    },
  ])('refused: $case', ({ attrs, message }) => {
    const { stack } = newStack();

    expectInvalidConfiguration('TestStack/Imported', message, () => importedMemcached(stack, attrs));
  });
});

describe('ShardedMemcached.isShardedMemcached()', () => {
  test('true for a created cluster, false for imports, replication groups and anything else', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const created = new ShardedMemcached(stack, 'Memcached', { vpc });

    expect(ShardedMemcached.isShardedMemcached(created)).toBe(true);
    expect(ShardedMemcached.isShardedMemcached(importedMemcached(stack))).toBe(false);
    expect(ShardedMemcached.isShardedMemcached(new SecureRedisCluster(stack, 'Cache', { vpc, secretRotation: SecretRotation.disabled() }))).toBe(false);
    expect(SecureRedisCluster.isSecureRedisCluster(created)).toBe(false);
    for (const value of [null, undefined, {}, 'ShardedMemcached']) {
      expect(ShardedMemcached.isShardedMemcached(value)).toBe(false);
    }
    // The mark is a global symbol: a cluster made by another copy of the library is recognized.
    expect(ShardedMemcached.isShardedMemcached({ [Symbol.for('cdk-secure-elasticache.ShardedMemcached')]: true })).toBe(true);
  });

  test('a created cluster offers the same interface as an import', () => {
    const { stack } = newStack();
    const cache: IShardedMemcached = new ShardedMemcached(stack, 'Memcached', { vpc: importedVpc(stack) });

    expect(stack.resolve(cache.endpoint.hostname)).toEqual(getAtt((cache as ShardedMemcached).cacheCluster, 'ConfigurationEndpoint.Address'));
    expect(cache.metricGetHits().dimensions).toEqual({ CacheClusterId: cache.clusterName, CacheNodeId: '0001' });
  });
});
