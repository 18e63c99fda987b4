import { Duration, RemovalPolicy, Size, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngineVersion, CacheUser, SecretRotation, SecureServerlessCache,
  SecureServerlessCacheProps,
} from '../src';
import { appSecurityGroup, encryptedTopic, importedVpc, newStack, oneZoneVpc } from './fixtures';
import { evaluate, evaluateIn, SAMPLE_UUID_FRAGMENT } from './names';
import {
  alarmsOf, Built, buildInFixtureVpc, errorHeader, errorOf, expectInvalidConfiguration, expectNoCidrIngressAndNoEgress, expectSecretReadGrant,
  getAtt, ingressRules, logicalIdOf, onlyProps, PropsFactory, resolveProps, VALID_ID,
} from './support';

const SERVERLESS_CACHE = 'AWS::ElastiCache::ServerlessCache';
const USER = 'AWS::ElastiCache::User';
const USER_GROUP = 'AWS::ElastiCache::UserGroup';
const ISOLATED_SUBNETS = ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'];

/**
 * A cache named `Cache` in `TestStack`, in the fixture VPC, without secret rotation unless asked,
 * so that most tests see only the cache's own resources.
 */
function build(
  props: PropsFactory<SecureServerlessCacheProps> = {},
  rotation: SecretRotation = SecretRotation.disabled(),
): Built<SecureServerlessCache> {
  return buildInFixtureVpc(SecureServerlessCache, 'Cache', (stack, vpc) => ({ secretRotation: rotation, ...resolveProps(props, stack, vpc) }));
}

/** A cache with secretRotation left unset. */
function buildWithDefaultRotation(props: PropsFactory<SecureServerlessCacheProps> = {}): Built<SecureServerlessCache> {
  return buildInFixtureVpc(SecureServerlessCache, 'Cache', props);
}

function cacheProps(built: Built<SecureServerlessCache>): Record<string, any> {
  return onlyProps(Template.fromStack(built.stack), SERVERLESS_CACHE);
}

describe('defaults', () => {
  test('a Valkey 8 serverless cache in the isolated subnets, under a new key with rotation', () => {
    const built = build();
    const template = Template.fromStack(built.stack);
    const props = cacheProps(built);

    expect(props).toMatchObject({
      Engine: 'valkey',
      MajorEngineVersion: '8',
      SubnetIds: ISOLATED_SUBNETS,
      KmsKeyId: getAtt(built.cache.encryptionKey, 'Arn'),
      SecurityGroupIds: [getAtt(built.cache.securityGroup, 'GroupId')],
      Description: 'Serverless cache TestStack/Cache',
    });
    expect(props.CacheUsageLimits).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(built.cache.engineVersion).toBe(CacheEngineVersion.VALKEY_8_2);
  });

  test('a user group with the default user switched off and one password user, "app", whose secret is under the cache key', () => {
    const built = build();
    const template = Template.fromStack(built.stack);

    template.resourceCountIs(USER, 2);
    template.hasResourceProperties(USER, { UserName: 'default', AccessString: 'off -@all', NoPasswordRequired: true });
    template.hasResourceProperties(USER, {
      UserName: 'app',
      AccessString: AccessString.readWrite().value,
      AuthenticationMode: { Type: 'password', Passwords: Match.anyValue() },
    });
    expect(cacheProps(built).UserGroupId).toEqual({ Ref: logicalIdOf(built.cache.cfnUserGroup!) });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: getAtt(built.cache.encryptionKey, 'Arn') });
    expect(built.cache.users.map((u) => u.userName)).toEqual(['default', 'app']);
  });

  test('daily backups at 03:00 kept 15 days; a final backup named after the cache on deletion', () => {
    const built = build();
    const props = cacheProps(built);
    const resource = Template.fromStack(built.stack).toJSON().Resources[logicalIdOf(built.cache)];

    expect(props.SnapshotRetentionLimit).toBe(15);
    expect(props.DailySnapshotTime).toBe('03:00');
    expect(evaluateIn({}, built.stack, props.FinalSnapshotName)).toBe(`${evaluate(built.stack, built.cache.serverlessCacheName)}-final`);
    expect(resource.DeletionPolicy).toBe('Delete');
    expect(resource.UpdateReplacePolicy).toBe('Delete');
  });

  test('the name is derived from the path, a hash and the stack UUID; users and group from the path', () => {
    const built = build();
    const name: string = evaluate(built.stack, built.cache.serverlessCacheName);
    const template = Template.fromStack(built.stack);

    expect(name).toMatch(VALID_ID);
    expect(name.length).toBeLessThanOrEqual(40);
    expect(name).toMatch(new RegExp(`^teststack-cache-[a-z0-9]{8}-${SAMPLE_UUID_FRAGMENT}$`));
    template.hasResourceProperties(USER_GROUP, { UserGroupId: Match.stringLikeRegexp('^teststack-cache-[a-z0-9]{8}-users$') });
    template.hasResourceProperties(USER, { UserName: 'app', UserId: Match.stringLikeRegexp('^teststack-cache-[a-z0-9]{8}-app$') });
  });

  test('a security group without egress and without CIDR ingress; nobody admitted', () => {
    const built = build();
    const template = Template.fromStack(built.stack);

    expectNoCidrIngressAndNoEgress(template, built.cache.securityGroup);
    expect(ingressRules(template)).toEqual([]);
  });

  test('endpoint and reader endpoint come from the cache', () => {
    const { stack, cache } = build();

    expect(stack.resolve(cache.endpoint.hostname)).toEqual(getAtt(cache, 'Endpoint.Address'));
    expect(stack.resolve(cache.endpoint.port)).toEqual(getAtt(cache, 'Endpoint.Port'));
    expect(stack.resolve(cache.readerEndpoint.hostname)).toEqual(getAtt(cache, 'ReaderEndpoint.Address'));
    expect(stack.resolve(cache.serverlessCacheArn)).toEqual(getAtt(cache, 'ARN'));
  });

  test('the password rotates every 30 days by default, tested on the endpoint on 6379', () => {
    const built = buildWithDefaultRotation();
    const template = Template.fromStack(built.stack);

    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CACHE_PORT: '6379' }) },
    });
  });
});

describe('props', () => {
  test('engineVersion: Redis OSS 7.1 runs as redis 7; Valkey 7.2 as valkey 7', () => {
    expect(cacheProps(build({ engineVersion: CacheEngineVersion.REDIS_7_1 }))).toMatchObject({ Engine: 'redis', MajorEngineVersion: '7' });
    expect(cacheProps(build({ engineVersion: CacheEngineVersion.VALKEY_7_2 }))).toMatchObject({ Engine: 'valkey', MajorEngineVersion: '7' });
  });

  test('authentication: IAM users have no secret and nothing rotates', () => {
    const built = buildWithDefaultRotation({ authentication: CacheAuthentication.iam(['orders-app']) });
    const template = Template.fromStack(built.stack);

    template.hasResourceProperties(USER, { UserName: 'orders-app', UserId: 'orders-app', AuthenticationMode: { Type: 'iam' } });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
  });

  test('authentication: password users each get a secret and a rotation', () => {
    const built = buildWithDefaultRotation({ authentication: CacheAuthentication.users([CacheUser.password('orders-app'), CacheUser.password('reporting')]) });
    const template = Template.fromStack(built.stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });

  test('encryptionKey: the given key encrypts the cache and the secrets; no key is created', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const built = build((s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'Imported', keyArn) }));
    const template = Template.fromStack(built.stack);

    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(cacheProps(built).KmsKeyId).toBe(keyArn);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn });
  });

  test('allowedConnections: admitted on 6379 and 6380 only', () => {
    let app!: ec2.SecurityGroup;
    const built = build((s, vpc) => {
      app = appSecurityGroup(s, vpc);
      return { allowedConnections: [app] };
    });
    const rules = ingressRules(Template.fromStack(built.stack));

    expect(rules.map((r) => [r.FromPort, r.ToPort, r.SourceSecurityGroupId])).toEqual([
      [6379, 6379, getAtt(app, 'GroupId')],
      [6380, 6380, getAtt(app, 'GroupId')],
    ]);
  });

  test('allowCidrIngress: a range of the VPC is admitted when asked', () => {
    const built = build({ allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')], allowCidrIngress: true });
    const group = Template.fromStack(built.stack).toJSON().Resources[logicalIdOf(built.cache.securityGroup)];

    expect(group.Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort])).toEqual([['10.0.0.0/16', 6379], ['10.0.0.0/16', 6380]]);
  });

  test('additionalSecurityGroups: attached besides the cache\'s own, and part of connections', () => {
    const built = build((s) => ({ additionalSecurityGroups: [ec2.SecurityGroup.fromSecurityGroupId(s, 'Extra', 'sg-0123456789abcdef0')] }));

    expect(cacheProps(built).SecurityGroupIds).toEqual([getAtt(built.cache.securityGroup, 'GroupId'), 'sg-0123456789abcdef0']);
    expect(built.cache.connections.securityGroups).toHaveLength(2);
  });

  test('dailySnapshotTime and backupRetention', () => {
    expect(cacheProps(build({ dailySnapshotTime: '22:30', backupRetention: Duration.days(35) }))).toMatchObject({
      DailySnapshotTime: '22:30',
      SnapshotRetentionLimit: 35,
    });
  });

  test('removalPolicy RETAIN: the cache is kept, with no final backup', () => {
    const built = build({ removalPolicy: RemovalPolicy.RETAIN });
    const resource = Template.fromStack(built.stack).toJSON().Resources[logicalIdOf(built.cache)];

    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.Properties.FinalSnapshotName).toBeUndefined();
  });

  test('snapshotArnsToRestore: restored, and the derived name changes so that the replacement succeeds', () => {
    const arn = 'arn:aws:elasticache:us-east-1:123456789012:serverlesscachesnapshot:orders-backup';
    const base = build();
    const restored = build({ snapshotArnsToRestore: [arn] });

    expect(cacheProps(restored).SnapshotArnsToRestore).toEqual([arn]);
    expect(evaluate(restored.stack, restored.cache.serverlessCacheName)).not.toBe(evaluate(base.stack, base.cache.serverlessCacheName));
  });

  test('the derived name changes with the key and the subnets, and not with in-place changes', () => {
    const nameOf = (props: PropsFactory<SecureServerlessCacheProps>) => {
      const built = build(props);
      return evaluate(built.stack, built.cache.serverlessCacheName);
    };
    const base = nameOf({});
    expect(nameOf((s) => ({ encryptionKey: new kms.Key(s, 'OtherKey') }))).not.toBe(base);
    expect(nameOf({ vpcSubnets: { availabilityZones: ['us-east-1a', 'us-east-1b'] } })).not.toBe(base);
    expect(nameOf({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) }, backupRetention: Duration.days(20), dailySnapshotTime: '01:00' })).toBe(base);
  });

  test('usage limits: minimums and maximums; alarms at 75% of the maximums to the cache\'s encrypted topic', () => {
    const built = build({
      cacheUsageLimits: {
        dataStorageMinimumSize: Size.gibibytes(2),
        dataStorageMaximumSize: Size.gibibytes(10),
        requestRateLimitMinimum: 1000,
        requestRateLimitMaximum: 5000,
      },
    });
    const template = Template.fromStack(built.stack);
    const dimensions = [{ Name: 'clusterId', Value: { Ref: logicalIdOf(built.cache) } }];

    expect(cacheProps(built).CacheUsageLimits).toEqual({
      DataStorage: { Minimum: 2, Maximum: 10, Unit: 'GB' },
      ECPUPerSecond: { Minimum: 1000, Maximum: 5000 },
    });
    expect(alarmsOf(template, 'BytesUsedForCache')).toEqual([expect.objectContaining({ Threshold: 7.5e9, Statistic: 'Maximum', Period: 60, Dimensions: dimensions })]);
    expect(alarmsOf(template, 'ElastiCacheProcessingUnits')).toEqual([expect.objectContaining({ Threshold: 5000 * 60 * 0.75, Statistic: 'Sum', Period: 60 })]);
    const topic = onlyProps(template, 'AWS::SNS::Topic');
    expect(topic.KmsMasterKeyId).toEqual(getAtt(built.cache.encryptionKey, 'Arn'));
    for (const alarm of alarmsOf(template)) {
      expect(alarm.AlarmActions).toEqual([{ Ref: logicalIdOf(built.cache.alarmTopic as sns.Topic) }]);
    }
  });

  test('usage limits: only a minimum sets no alarm', () => {
    const built = build({ cacheUsageLimits: { requestRateLimitMinimum: 2000 } });
    expect(cacheProps(built).CacheUsageLimits).toEqual({ ECPUPerSecond: { Minimum: 2000 } });
    expect(alarmsOf(Template.fromStack(built.stack))).toEqual([]);
  });

  test('alarmTopic: the alarms notify the given topic, and no topic is created', () => {
    let topic!: sns.Topic;
    const built = build((s) => {
      topic = encryptedTopic(s);
      return { cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10) }, alarmTopic: topic };
    });
    const template = Template.fromStack(built.stack);

    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(alarmsOf(template)[0].AlarmActions).toEqual([{ Ref: logicalIdOf(topic) }]);
  });

  test('secretRotation: every 7 days when asked; off warns that the secrets never change', () => {
    const weekly = Template.fromStack(build({}, SecretRotation.enabled({ schedule: Duration.days(7) })).stack);
    weekly.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });

    const off = build({}, SecretRotation.disabled());
    Template.fromStack(off.stack).resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    Annotations.fromStack(off.stack).hasWarning('/TestStack/Cache', Match.stringLikeRegexp('secretRotation is disabled'));
  });

  test('serverlessCacheName: lowercased; names the users, the group and the final backup (with the stack UUID)', () => {
    const built = build({ serverlessCacheName: 'Orders-Cache' });
    const template = Template.fromStack(built.stack);

    expect(evaluate(built.stack, built.cache.serverlessCacheName)).toBe('orders-cache');
    template.hasResourceProperties(SERVERLESS_CACHE, { ServerlessCacheName: 'orders-cache' });
    expect(evaluateIn({}, built.stack, cacheProps(built).FinalSnapshotName)).toBe(`orders-cache-final-${SAMPLE_UUID_FRAGMENT}`);
    template.hasResourceProperties(USER, { UserId: 'orders-cache-app', UserName: 'app' });
    template.hasResourceProperties(USER, { UserId: 'orders-cache-default', UserName: 'default' });
    template.hasResourceProperties(USER_GROUP, { UserGroupId: 'orders-cache-users' });
  });

  test('description: as given', () => {
    expect(cacheProps(build({ description: 'Orders cache' })).Description).toBe('Orders cache');
  });

  test('with the id Default, the cache is named after its parent and its resources keep the parent\'s logical ids', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const parent = new Construct(stack, 'Orders');
    const cache = new SecureServerlessCache(parent, 'Default', { vpc, secretRotation: SecretRotation.disabled() });
    const template = Template.fromStack(stack);

    expect(evaluate(stack, cache.serverlessCacheName)).toMatch(new RegExp(`^teststack-orders-[a-z0-9]{8}-${SAMPLE_UUID_FRAGMENT}$`));
    expect(logicalIdOf(cache.node.defaultChild as Construct)).toMatch(/^Orders[0-9A-F]{8}$/);
    template.hasResourceProperties(USER_GROUP, { UserGroupId: Match.stringLikeRegexp('^teststack-orders-[a-z0-9]{8}-users$') });
    expect(onlyProps(template, SERVERLESS_CACHE).Description).toBe('Serverless cache TestStack/Orders');
  });

  test('the users\' construct ids come from their names: reordering changes no logical id', () => {
    const ids = (names: string[]) => {
      const built = build({ authentication: CacheAuthentication.users(names.map((n) => CacheUser.password(n))) });
      return Object.keys(Template.fromStack(built.stack).findResources(USER)).sort();
    };
    expect(ids(['app', 'reporting'])).toEqual(ids(['reporting', 'app']));
  });
});

describe('grants', () => {
  test('grantReadUserSecret: one secret, and its key only for that secret (another user\'s secret stays out of reach)', () => {
    const built = build({ authentication: CacheAuthentication.users([CacheUser.password('orders-app'), CacheUser.password('reporting')]) });
    const role = new iam.Role(built.stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    built.cache.grantReadUserSecret(role, 'orders-app');
    const template = Template.fromStack(built.stack);

    expectSecretReadGrant(template, role, built.cache.userSecret('orders-app'));
    expect(JSON.stringify(template.toJSON().Resources)).not.toContain(`"Resource":{"Ref":"${logicalIdOf(built.cache.userSecret('reporting'))}"`);
  });

  test('grantConnect: elasticache:Connect on this cache and the named IAM user only', () => {
    const built = build({ authentication: CacheAuthentication.iam(['orders-app', 'reporting']) });
    const role = new iam.Role(built.stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    built.cache.grantConnect(role, 'orders-app');

    const policy = onlyProps(Template.fromStack(built.stack), 'AWS::IAM::Policy');
    expect(policy.PolicyDocument.Statement).toEqual([{
      Action: 'elasticache:Connect',
      Effect: 'Allow',
      Resource: [getAtt(built.cache, 'ARN'), { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:user:orders-app']] }],
    }]);
  });

  test('grantConnect without a name: every IAM user of the cache', () => {
    const built = build({ authentication: CacheAuthentication.iam(['orders-app', 'reporting']) });
    const role = new iam.Role(built.stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    built.cache.grantConnect(role);

    const statement = onlyProps(Template.fromStack(built.stack), 'AWS::IAM::Policy').PolicyDocument.Statement[0];
    expect(statement.Resource).toHaveLength(3);
  });

  test.each<[string, (cache: SecureServerlessCache, role: iam.IGrantable) => unknown, RegExp]>([
    ['grantConnect to a password user', (c, r) => c.grantConnect(r, 'app'), /user "app" authenticates with a password, not IAM\. Create it with CacheUser\.iam\(\)/],
    ['grantConnect without IAM users', (c, r) => c.grantConnect(r), /has no IAM users\. Use authentication: CacheAuthentication\.iam\(\[\.\.\.\]\)/],
    ['grantReadUserSecret of a user that does not exist', (c, r) => c.grantReadUserSecret(r, 'web'), /has no user "web"\. Its users: default, app\./],
  ])('%s fails, naming the cache and the fix', (_case, act, message) => {
    const built = build();
    const role = new iam.Role(built.stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const error = errorOf(() => act(built.cache, role));
    expect(error).toMatch(errorHeader('TestStack/Cache'));
    expect(error).toMatch(message);
  });

  test('userSecret of an IAM user fails: it has no secret', () => {
    const built = build({ authentication: CacheAuthentication.iam(['orders-app']) });
    expect(() => built.cache.userSecret('orders-app')).toThrow(/user "orders-app" authenticates with iam and has no secret\. Grant it with grantConnect/);
  });
});

describe('metrics and alarms', () => {
  test.each<[string, (c: SecureServerlessCache) => cloudwatch.Metric, string, number]>([
    ['ElastiCacheProcessingUnits', (c) => c.metricElastiCacheProcessingUnits(), 'Sum', 60],
    ['BytesUsedForCache', (c) => c.metricBytesUsedForCache(), 'Maximum', 60],
    ['ThrottledCmds', (c) => c.metricThrottledCmds(), 'Sum', 300],
    ['CurrConnections', (c) => c.metricCurrConnections(), 'Average', 300],
    ['CacheHits', (c) => c.metricCacheHits(), 'Sum', 300],
    ['CacheMisses', (c) => c.metricCacheMisses(), 'Sum', 300],
    ['SuccessfulReadRequestLatency', (c) => c.metricSuccessfulReadRequestLatency(), 'Average', 300],
    ['SuccessfulWriteRequestLatency', (c) => c.metricSuccessfulWriteRequestLatency(), 'Average', 300],
  ])('%s: by the clusterId dimension', (name, metricOf, statistic, period) => {
    const { stack, cache } = build();
    const metric = metricOf(cache);

    expect(metric.metricName).toBe(name);
    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toSeconds()).toBe(period);
    expect(stack.resolve(metric.dimensions)).toEqual({ clusterId: { Ref: logicalIdOf(cache) } });
  });

  test('addRecommendedAlarms: any throttled command alarms, to the alarm topic on ALARM and OK', () => {
    const { stack, cache } = build();
    const alarms = cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    expect(alarms).toHaveLength(1);
    expect(alarmsOf(template, 'ThrottledCmds')).toEqual([expect.objectContaining({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalIdOf(cache.alarmTopic as sns.Topic) }],
      OKActions: [{ Ref: logicalIdOf(cache.alarmTopic as sns.Topic) }],
    })]);
  });

  test('addRecommendedAlarms: to the given topic; twice is an error', () => {
    const { stack, cache } = build();
    const topic = sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:us-east-1:123456789012:ops');
    cache.addRecommendedAlarms({ alarmTopic: topic });

    expect(alarmsOf(Template.fromStack(stack))[0].AlarmActions).toEqual([topic.topicArn]);
    expectInvalidConfiguration('TestStack/Cache', /addRecommendedAlarms\(\) was already called/, () => cache.addRecommendedAlarms());
  });
});

describe('fromSecureServerlessCacheAttributes', () => {
  test('names the cache (lowercased) in ARN, metrics, grants and connections', () => {
    const { stack } = newStack();
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');
    const cache = SecureServerlessCache.fromSecureServerlessCacheAttributes(stack, 'Imported', {
      serverlessCacheName: 'Orders-Cache',
      endpointAddress: 'orders-cache-abc.serverless.use1.cache.amazonaws.com',
      readerEndpointAddress: 'orders-cache-abc.serverless.use1.cache.amazonaws.com',
      securityGroups: [sg],
      iamUserNames: ['orders-app'],
    });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    cache.grantConnect(role);

    expect(cache.serverlessCacheName).toBe('orders-cache');
    expect(stack.resolve(cache.serverlessCacheArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:serverlesscache:orders-cache']],
    });
    expect(cache.metricThrottledCmds().dimensions).toEqual({ clusterId: 'orders-cache' });
    expect(cache.endpoint.socketAddress).toBe('orders-cache-abc.serverless.use1.cache.amazonaws.com:6379');
    expect(cache.readerEndpoint.port).toBe(6380);
    expect(cache.connections.securityGroups).toEqual([sg]);
    const statement = onlyProps(Template.fromStack(stack), 'AWS::IAM::Policy').PolicyDocument.Statement[0];
    expect(statement.Action).toBe('elasticache:Connect');
    expect(statement.Resource).toHaveLength(2);
  });

  test.each<[string, (c: ReturnType<typeof SecureServerlessCache.fromSecureServerlessCacheAttributes>, role: iam.IGrantable) => unknown, RegExp]>([
    ['connections', (c) => c.connections, /was imported without securityGroups/],
    ['endpoint', (c) => c.endpoint, /was imported without endpointAddress/],
    ['readerEndpoint', (c) => c.readerEndpoint, /was imported without readerEndpointAddress/],
    ['grantConnect without a user', (c, r) => c.grantConnect(r), /was imported without iamUserNames.*or name the user: grantConnect\(grantee, userName\)/],
  ])('without the attribute, %s fails naming the import and the attribute', (_case, act, message) => {
    const { stack } = newStack();
    const cache = SecureServerlessCache.fromSecureServerlessCacheAttributes(stack, 'Imported', { serverlessCacheName: 'orders-cache' });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const error = errorOf(() => act(cache, role));
    expect(error).toMatch(errorHeader('TestStack/Imported'));
    expect(error).toMatch(message);
    expect(error).toMatch(/SecureServerlessCache\.fromSecureServerlessCacheAttributes\(\)/);
  });

  test.each([
    ['a name with a dot', { serverlessCacheName: 'orders.cache' }, /serverlessCacheName "orders\.cache" must start with a letter/],
    ['an endpoint with a port', { serverlessCacheName: 'orders', endpointAddress: 'host:6379' }, /endpointAddress "host:6379" is not a host name/],
    ['an IAM user in uppercase', { serverlessCacheName: 'orders', iamUserNames: ['App'] }, /iamUserNames entry "App" must be lowercase/],
  ])('refuses %s', (_case, attrs, message) => {
    const { stack } = newStack();
    expectInvalidConfiguration('TestStack/Imported', message, () => SecureServerlessCache.fromSecureServerlessCacheAttributes(stack, 'Imported', attrs));
  });
});

describe('fromServerlessCacheName, fromServerlessCacheArn, isSecureServerlessCache', () => {
  const OTHER_ARN = 'arn:aws:elasticache:eu-west-1:210987654321:serverlesscache:orders-cache';
  const roleIn = (stack: Construct) => new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const connectResources = (stack: Construct) => onlyProps(Template.fromStack(stack as any), 'AWS::IAM::Policy').PolicyDocument.Statement[0].Resource;

  test('by name: the ARN in the stack\'s account and Region, metrics and grantConnect(grantee, userName)', () => {
    const { stack } = newStack();
    const cache = SecureServerlessCache.fromServerlessCacheName(stack, 'Imported', 'orders-cache');
    cache.grantConnect(roleIn(stack), 'orders-app');

    expect(stack.resolve(cache.serverlessCacheArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:serverlesscache:orders-cache']],
    });
    expect(cache.metricThrottledCmds().dimensions).toEqual({ clusterId: 'orders-cache' });
    expect(JSON.stringify(connectResources(stack)[1])).toContain(':elasticache:us-east-1:123456789012:user:orders-app');
    expect(errorOf(() => cache.endpoint)).toMatch(/was imported without endpointAddress/);
  });

  test('by ARN in another account and Region: metrics and users are read and named there', () => {
    const { stack } = newStack();
    const cache = SecureServerlessCache.fromServerlessCacheArn(stack, 'Imported', OTHER_ARN);
    cache.grantConnect(roleIn(stack), 'orders-app');

    expect(cache.serverlessCacheName).toBe('orders-cache');
    expect(cache.serverlessCacheArn).toBe(OTHER_ARN);
    const metric = cache.metricThrottledCmds();
    expect([metric.account, metric.region, metric.dimensions]).toEqual(['210987654321', 'eu-west-1', { clusterId: 'orders-cache' }]);
    expect(connectResources(stack)[0]).toBe(OTHER_ARN);
    expect(JSON.stringify(connectResources(stack)[1])).toContain(':elasticache:eu-west-1:210987654321:user:orders-app');
  });

  test('a created cache\'s metrics carry no account or Region', () => {
    const { cache } = build();
    const metric = cache.metricThrottledCmds();

    expect([metric.account, metric.region]).toEqual([undefined, undefined]);
  });

  test.each([
    ['a replication group', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders-cache'],
    ['a name with two hyphens', 'arn:aws:elasticache:us-east-1:123456789012:serverlesscache:orders--cache'],
  ])('refuses the ARN of %s', (_case, arn) => {
    expectInvalidConfiguration('TestStack/Imported', /serverlessCacheArn .* is not the ARN of a serverless cache|must not contain two hyphens/,
      () => SecureServerlessCache.fromServerlessCacheArn(newStack().stack, 'Imported', arn));
  });

  test('isSecureServerlessCache: true for a created cache, false for imports and anything else', () => {
    const { stack, cache } = build();

    expect(SecureServerlessCache.isSecureServerlessCache(cache)).toBe(true);
    expect(SecureServerlessCache.isSecureServerlessCache(SecureServerlessCache.fromServerlessCacheName(stack, 'Imported', 'orders'))).toBe(false);
    for (const value of [null, undefined, {}, 'SecureServerlessCache']) {
      expect(SecureServerlessCache.isSecureServerlessCache(value)).toBe(false);
    }
    expect(SecureServerlessCache.isSecureServerlessCache({ [Symbol.for('cdk-secure-elasticache.SecureServerlessCache')]: true })).toBe(true);
  });
});

describe('network, after construction', () => {
  test('a world-open rule added later is refused at synth', () => {
    const { stack, cache } = build();
    cache.connections.allowDefaultPortFrom(ec2.Peer.anyIpv4());
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Cache\] the security group TestStack\/Cache\/SecurityGroup admits "0\.0\.0\.0\/0", every address/);
  });
});

describe('synth-time rules', () => {
  interface Row {
    readonly case: string;
    readonly props: PropsFactory<SecureServerlessCacheProps>;
    readonly message: RegExp;
  }
  const rows: Row[] = [
    // Engine
    { case: 'Redis OSS 6.2', props: { engineVersion: CacheEngineVersion.REDIS_6_2 }, message: /engineVersion "redis 6\.2" is not offered by ElastiCache Serverless, which runs Valkey 7\.2\+ or Redis OSS 7\.0\+\. Leave engineVersion unset for Valkey 8\./ },
    { case: 'an unknown version', props: { engineVersion: CacheEngineVersion.of(CacheEngineVersion.VALKEY_8_2.engine, '8.7') }, message: /engineVersion "valkey 8\.7" does not exist\. Known valkey versions: / },
    // Authentication
    { case: 'an AUTH token', props: { authentication: CacheAuthentication.authToken(AuthToken.generated()) }, message: /authentication is an AUTH token, which ElastiCache Serverless does not offer\. Use CacheAuthentication\.users\(\[CacheUser\.password\("app"\)\]\) or CacheAuthentication\.iam\(\["app"\]\)\./ },
    { case: 'only the default user', props: { authentication: CacheAuthentication.users([CacheUser.password('default')]) }, message: /authentication lists only the user "default"\. Add the application's user/ },
    { case: 'no users', props: { authentication: CacheAuthentication.users([]) }, message: /CacheAuthentication\.users\(\) needs at least one user/ },
    { case: 'an IAM user in uppercase', props: { authentication: CacheAuthentication.iam(['Orders']) }, message: /IAM user name \(also its id\) "Orders" must be lowercase/ },
    { case: 'a user twice', props: { authentication: CacheAuthentication.users([CacheUser.password('app'), CacheUser.password('app')]) }, message: /user names must be unique, but "app" appear more than once/ },
    // Name
    { case: 'serverlessCacheName of 41 characters', props: { serverlessCacheName: 'a'.repeat(41) }, message: /serverlessCacheName "a{41}" has 41 characters; ElastiCache allows 1 to 40\./ },
    { case: 'serverlessCacheName with a dot', props: { serverlessCacheName: 'orders.cache' }, message: /serverlessCacheName "orders\.cache" must start with a letter and contain only letters, digits and hyphens\./ },
    { case: 'a blank description', props: { description: ' ' }, message: /description " " is empty\. ElastiCache requires a description/ },
    { case: 'serverlessCacheName with two hyphens', props: { serverlessCacheName: 'orders--cache' }, message: /serverlessCacheName "orders--cache" must not contain two hyphens in a row or end with a hyphen\./ },
    // Backups
    { case: 'backupRetention of 0 days', props: { backupRetention: Duration.days(0) }, message: /backupRetention must be whole days from 1 to 35 on serverless, got "0 days"\./ },
    { case: 'backupRetention of 36 days', props: { backupRetention: Duration.days(36) }, message: /backupRetention must be whole days from 1 to 35 on serverless, got "36 days"\./ },
    { case: 'backupRetention in fractional days', props: { backupRetention: Duration.hours(36) }, message: /got "1 day 12 hours"\./ },
    { case: 'backupRetention from a token', props: { backupRetention: Duration.days(Token.asNumber({ Ref: 'Days' })) }, message: /backupRetention comes from a token/ },
    { case: 'dailySnapshotTime 24:00', props: { dailySnapshotTime: '24:00' }, message: /dailySnapshotTime "24:00" is not of the form hh:mm \(UTC, 24 hours\), e\.g\. "03:00"\./ },
    { case: 'dailySnapshotTime as a window', props: { dailySnapshotTime: '03:00-04:00' }, message: /dailySnapshotTime "03:00-04:00" is not of the form hh:mm/ },
    { case: 'removalPolicy SNAPSHOT', props: { removalPolicy: RemovalPolicy.SNAPSHOT }, message: /removalPolicy SNAPSHOT does not apply to serverless caches: they take a final backup on deletion \(FinalSnapshotName\)\. Use DESTROY \(the default\) or RETAIN\./ },
    // Limits
    {
      case: 'dataStorageMaximumSize 0',
      props: { cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(0) } },
      message: /cacheUsageLimits\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 0 GiB\. Give Size\.gibibytes\(n\) with n from 1 to 5000\./,
    },
    {
      case: 'dataStorageMinimumSize 5001 GiB',
      props: { cacheUsageLimits: { dataStorageMinimumSize: Size.gibibytes(5001) } },
      message: /cacheUsageLimits\.dataStorageMinimumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 5001 GiB/,
    },
    {
      case: 'dataStorageMaximumSize not whole gibibytes',
      props: { cacheUsageLimits: { dataStorageMaximumSize: Size.mebibytes(1536) } },
      message: /cacheUsageLimits\.dataStorageMaximumSize must be whole gibibytes from 1 to 5,000 \(ElastiCache's GB\), got 1\.5 GiB/,
    },
    {
      case: 'requestRateLimitMaximum 999',
      props: { cacheUsageLimits: { requestRateLimitMaximum: 999 } },
      message: /cacheUsageLimits\.requestRateLimitMaximum must be an integer from 1000 to 15000000, got 999\./,
    },
    {
      case: 'requestRateLimitMinimum 1000.5',
      props: { cacheUsageLimits: { requestRateLimitMinimum: 1000.5 } },
      message: /cacheUsageLimits\.requestRateLimitMinimum must be an integer from 1000 to 15000000, got 1000\.5\./,
    },
    {
      case: 'minimum storage above the maximum',
      props: { cacheUsageLimits: { dataStorageMinimumSize: Size.gibibytes(20), dataStorageMaximumSize: Size.gibibytes(10) } },
      message: /cacheUsageLimits\.dataStorageMinimumSize 20 is above cacheUsageLimits\.dataStorageMaximumSize 10\. Give a minimum at most the maximum\./,
    },
    {
      case: 'minimum ECPUs above the maximum',
      props: { cacheUsageLimits: { requestRateLimitMinimum: 6000, requestRateLimitMaximum: 5000 } },
      message: /cacheUsageLimits\.requestRateLimitMinimum 6000 is above cacheUsageLimits\.requestRateLimitMaximum 5000\./,
    },
    {
      case: 'dataStorageMaximumSize from a token',
      props: { cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(Token.asNumber({ Ref: 'Gb' })) } },
      message: /cacheUsageLimits\.dataStorageMaximumSize comes from a token, but its alarm threshold \(75% of the limit\) must be computed at synth\. Give Size\.gibibytes\(n\)\./,
    },
    {
      case: 'dataStorageMinimumSize from a token in mebibytes',
      props: { cacheUsageLimits: { dataStorageMinimumSize: Size.mebibytes(Token.asNumber({ Ref: 'Mb' })) } },
      message: /cacheUsageLimits\.dataStorageMinimumSize comes from a token in another unit than gibibytes\. Give Size\.gibibytes\(n\)\./,
    },
    // Network
    { case: 'subnets in one zone', props: { vpcSubnets: { availabilityZones: ['us-east-1b'] } }, message: /a serverless cache needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1b\./ },
    { case: 'a VPC with one zone', props: (stack) => ({ vpc: oneZoneVpc(stack) }), message: /a serverless cache needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1a\./ },
    { case: 'public subnets', props: { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }, message: /vpcSubnets selects public subnets \(subnet-0d000000000000004, subnet-0e000000000000005, subnet-0f000000000000006\)\. Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead\./ },
    { case: 'a world-open range', props: { allowedConnections: [ec2.Peer.anyIpv4()], allowCidrIngress: true }, message: /allowedConnections admits "0\.0\.0\.0\/0", every address\./ },
    { case: 'a range without allowCidrIngress', props: { allowedConnections: [ec2.Peer.ipv4('10.0.0.0/16')] }, message: /allowedConnections admits the address range "10\.0\.0\.0\/16", but allowCidrIngress is not set\./ },
  ];

  test.each(rows)('$case', (row) => {
    expectInvalidConfiguration('TestStack/Cache', row.message, () => build(row.props));
  });

  test('every problem is reported at once', () => {
    const error = errorOf(() => build({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(0) }, dailySnapshotTime: 'noon', removalPolicy: RemovalPolicy.SNAPSHOT }));
    expect(error.split('\n  - ')).toHaveLength(4);
  });

  test('the defaults and a token name pass', () => {
    const { stack } = build({ serverlessCacheName: Token.asString({ Ref: 'CacheName' }) });
    Template.fromStack(stack).hasResourceProperties(SERVERLESS_CACHE, { ServerlessCacheName: { Ref: 'CacheName' } });
    expect(() => build()).not.toThrow();
  });
});

test('a cache in a stack of its own leaves the fixture VPC untouched (no resources but the cache\'s)', () => {
  const { stack } = newStack();
  new SecureServerlessCache(stack, 'Cache', { vpc: importedVpc(stack), secretRotation: SecretRotation.disabled() });
  const types = new Set(Object.values<any>(Template.fromStack(stack).toJSON().Resources).map((r) => r.Type));
  expect([...types].sort()).toEqual([
    'AWS::EC2::SecurityGroup', 'AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::User', 'AWS::ElastiCache::UserGroup',
    'AWS::KMS::Key', 'AWS::SecretsManager::Secret',
  ]);
});
