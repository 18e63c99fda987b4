import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  AuthToken, CacheAuthentication, CacheEngineVersion, CacheUser, SecretRotation, SecureRedisCluster, SecureRedisClusterProps, TransitEncryptionMode,
} from '../src';
import { appSecurityGroup, egressVpc, eventTopic, importedVpc, newStack, TEST_ENV } from './fixtures';
import { evaluate, SAMPLE_UUID_FRAGMENT } from './names';
import {
  alarmsOf, Built, buildInFixtureVpc, DISALLOW_ALL_EGRESS, expectExcludesRejectedPunctuation, expectIngressOnlyFrom,
  expectNoCidrIngressAndNoEgress, expectSecretReadGrant, getAtt, ingressRules, logicalIdOf, onlyProps, PropsFactory,
  resolveProps, securityGroupProps, VALID_ID,
} from './support';

const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';

/** A cluster named `Cache` in `TestStack`, in the fixture VPC. */
/**
 * A cluster without secret rotation, so that these tests see only the cache's own resources.
 * Rotation, on by default, is tested in auth-token-rotation.test.ts and user-password-rotation.test.ts.
 */
function build(props: PropsFactory<SecureRedisClusterProps> = {}): Built<SecureRedisCluster> {
  return buildInFixtureVpc(SecureRedisCluster, 'Cache', (stack, vpc) => ({ secretRotation: SecretRotation.disabled(), ...resolveProps(props, stack, vpc) }));
}

function templateOf(props: PropsFactory<SecureRedisClusterProps> = {}): Template {
  return Template.fromStack(build(props).stack);
}

/** The properties of the only replication group of a template. */
function groupProps(template: Template): Record<string, any> {
  return onlyProps(template, REPLICATION_GROUP);
}

describe('engine and node type', () => {
  test('default to Valkey 9.0 on cache.m7g.large', () => {
    const { stack, cache } = build();

    Template.fromStack(stack).hasResourceProperties(REPLICATION_GROUP, {
      Engine: 'valkey',
      EngineVersion: '9.0',
      CacheNodeType: 'cache.m7g.large',
    });
    expect(cache.engineVersion).toBe(CacheEngineVersion.VALKEY_9_0);
    Template.fromStack(stack).resourceCountIs(REPLICATION_GROUP, 1);
  });

  test('use the given engine version', () => {
    templateOf({ engineVersion: CacheEngineVersion.REDIS_7_1 }).hasResourceProperties(REPLICATION_GROUP, {
      Engine: 'redis',
      EngineVersion: '7.1',
    });
  });

  test('use the given node type', () => {
    templateOf({ nodeType: 'cache.r7g.2xlarge' }).hasResourceProperties(REPLICATION_GROUP, {
      CacheNodeType: 'cache.r7g.2xlarge',
    });
  });

  test('r6gd nodes turn on data tiering', () => {
    templateOf({ nodeType: 'cache.r6gd.xlarge' }).hasResourceProperties(REPLICATION_GROUP, {
      CacheNodeType: 'cache.r6gd.xlarge',
      DataTieringEnabled: true,
    });
  });

  test('other nodes leave data tiering unset', () => {
    templateOf({ nodeType: 'cache.r7g.xlarge' }).hasResourceProperties(REPLICATION_GROUP, {
      DataTieringEnabled: Match.absent(),
    });
  });
});

describe('Multi-AZ and automatic failover', () => {
  test('are on by default', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, {
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
    });
  });

  test('multiAz false turns Multi-AZ off but keeps failover to the replica', () => {
    templateOf({ multiAz: false }).hasResourceProperties(REPLICATION_GROUP, {
      MultiAZEnabled: false,
      AutomaticFailoverEnabled: true,
    });
  });

  test('cluster mode off without replicas has nothing to fail over to', () => {
    templateOf({ clusterMode: false, replicasPerShard: 0, multiAz: false }).hasResourceProperties(REPLICATION_GROUP, {
      MultiAZEnabled: false,
      AutomaticFailoverEnabled: false,
      NumCacheClusters: 1,
    });
  });

  test('cluster mode keeps automatic failover on even without replicas', () => {
    templateOf({ replicasPerShard: 0, multiAz: false }).hasResourceProperties(REPLICATION_GROUP, {
      MultiAZEnabled: false,
      AutomaticFailoverEnabled: true,
      ReplicasPerNodeGroup: 0,
    });
  });
});

describe('cluster mode on', () => {
  test('sets shards and replicas per shard, not NumCacheClusters', () => {
    templateOf({ shards: 3, replicasPerShard: 2 }).hasResourceProperties(REPLICATION_GROUP, {
      ClusterMode: 'enabled',
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 2,
      NumCacheClusters: Match.absent(),
    });
  });

  test('defaults to one shard with one replica', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, {
      ClusterMode: 'enabled',
      NumNodeGroups: 1,
      ReplicasPerNodeGroup: 1,
    });
  });

  test('reshards online instead of replacing the group', () => {
    templateOf({ shards: 2 }).hasResource(REPLICATION_GROUP, {
      UpdatePolicy: { UseOnlineResharding: true },
    });
  });

  test('exposes the configuration endpoint, not the primary or reader endpoint', () => {
    const { stack, cache } = build({ port: 7000 });

    expect(cache.clusterMode).toBe(true);
    expect(stack.resolve(cache.configurationEndpoint.hostname)).toEqual(getAtt(cache, 'ConfigurationEndPoint.Address'));
    expect(cache.configurationEndpoint.port).toBe(7000);
    expect(stack.resolve(cache.configurationEndpoint.socketAddress)).toEqual({
      'Fn::Join': ['', [getAtt(cache, 'ConfigurationEndPoint.Address'), ':7000']],
    });
    expect(cache.endpoint).toBe(cache.configurationEndpoint);
    expect(() => cache.primaryEndpoint).toThrow(/TestStack\/Cache.*cluster mode.*configurationEndpoint/);
    expect(() => cache.readerEndpoint).toThrow(/TestStack\/Cache.*cluster mode.*configurationEndpoint/);
  });
});

describe('cluster mode off', () => {
  test('sets NumCacheClusters to replicas + 1 and no shard properties', () => {
    templateOf({ clusterMode: false, replicasPerShard: 2 }).hasResourceProperties(REPLICATION_GROUP, {
      ClusterMode: 'disabled',
      NumCacheClusters: 3,
      NumNodeGroups: Match.absent(),
      ReplicasPerNodeGroup: Match.absent(),
    });
  });

  test('has no resharding update policy', () => {
    templateOf({ clusterMode: false }).hasResource(REPLICATION_GROUP, {
      UpdatePolicy: Match.absent(),
    });
  });

  test('exposes primary and reader endpoints, not the configuration endpoint', () => {
    const { stack, cache } = build({ clusterMode: false });

    expect(cache.clusterMode).toBe(false);
    expect(stack.resolve(cache.primaryEndpoint.hostname)).toEqual(getAtt(cache, 'PrimaryEndPoint.Address'));
    expect(stack.resolve(cache.readerEndpoint.hostname)).toEqual(getAtt(cache, 'ReaderEndPoint.Address'));
    expect(cache.primaryEndpoint.port).toBe(6380);
    expect(cache.readerEndpoint.port).toBe(6380);
    expect(cache.endpoint).toBe(cache.primaryEndpoint);
    expect(() => cache.configurationEndpoint).toThrow(/TestStack\/Cache.*cluster mode off.*primaryEndpoint and readerEndpoint/);
  });
});

describe('encryption in transit', () => {
  test('TLS is required by default', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
    });
  });

  test('TLS can be preferred while clients migrate', () => {
    templateOf({ transitEncryptionMode: TransitEncryptionMode.PREFERRED }).hasResourceProperties(REPLICATION_GROUP, {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'preferred',
    });
  });

  test('Redis OSS 7.0 states the mode', () => {
    templateOf({ engineVersion: CacheEngineVersion.REDIS_7_0 }).hasResourceProperties(REPLICATION_GROUP, {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
    });
  });

  test.each([
    ['4.0.10', CacheEngineVersion.REDIS_4_0_10],
    ['5.0.6', CacheEngineVersion.REDIS_5_0_6],
    ['6.0', CacheEngineVersion.REDIS_6_0],
    ['6.2', CacheEngineVersion.REDIS_6_2],
  ])('Redis OSS %s keeps TLS on but omits the mode it predates', (_, engineVersion) => {
    // cache.m5.large: the default m7g nodes need Redis OSS 6.2+ (ElastiCache "Supported node types").
    templateOf({ engineVersion, nodeType: 'cache.m5.large' }).hasResourceProperties(REPLICATION_GROUP, {
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: Match.absent(),
    });
  });
});

describe('encryption at rest', () => {
  test('uses a new KMS key with rotation', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties(REPLICATION_GROUP, {
      AtRestEncryptionEnabled: true,
      KmsKeyId: getAtt(cache.encryptionKey, 'Arn'),
    });
  });

  test('uses the given key for data, token and logs, and creates none', () => {
    const { stack } = build((s) => ({ encryptionKey: new kms.Key(s, 'OwnKey', { enableKeyRotation: true }) }));
    const template = Template.fromStack(stack);
    const ownKeyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnKey'), 'Arn'] };

    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties(REPLICATION_GROUP, { AtRestEncryptionEnabled: true, KmsKeyId: ownKeyArn });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: ownKeyArn });
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: ownKeyArn });
  });

  test('uses an imported key by ARN', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const template = templateOf((s) => ({ encryptionKey: kms.Key.fromKeyArn(s, 'Imported', keyArn) }));

    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties(REPLICATION_GROUP, { AtRestEncryptionEnabled: true, KmsKeyId: keyArn });
  });
});

describe('AUTH token', () => {
  test('is a Secrets Manager dynamic reference to a generated secret, never a literal', () => {
    const { stack, cache } = build();
    const authToken = groupProps(Template.fromStack(stack)).AuthToken;

    expect(typeof authToken).not.toBe('string');
    expect(authToken).toEqual({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: logicalIdOf(cache.authTokenSecret as any) }, ':SecretString:::}}']],
    });
  });

  test('is generated with 64 characters, no spaces, encrypted with the cluster key', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        PasswordLength: 64,
        IncludeSpace: false,
        ExcludeCharacters: Match.anyValue(),
      },
      KmsKeyId: getAtt(cache.encryptionKey, 'Arn'),
    });
  });

  test('excludes exactly the punctuation ElastiCache rejects', () => {
    const secret = Object.values(templateOf().findResources('AWS::SecretsManager::Secret'))[0] as any;
    const excluded: string = secret.Properties.GenerateSecretString.ExcludeCharacters;

    expectExcludesRejectedPunctuation(excluded);
    // The characters the API reference forbids are among them.
    for (const forbidden of ['/', '"', '@', '%']) {
      expect(excluded).toContain(forbidden);
    }
  });

  test('has the given length', () => {
    templateOf({ authToken: AuthToken.generated({ length: 32 }) }).hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
    });
  });

  test('passes the secret name and removal policy to the generated secret', () => {
    const template = templateOf({ authToken: AuthToken.generated({ secretName: 'prod/cache/token', removalPolicy: RemovalPolicy.RETAIN }) });

    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Name: 'prod/cache/token' }),
      DeletionPolicy: 'Retain',
    });
  });

  test('fromSecret uses the whole secret string and creates no secret', () => {
    const { stack, cache } = build((s) => ({
      authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretNameV2(s, 'Token', 'prod/cache/auth-token')),
    }));
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(groupProps(template).AuthToken)).toMatch(
      /^\{"Fn::Join":\["",\["\{\{resolve:secretsmanager:arn:",\{"Ref":"AWS::Partition"\},":secretsmanager:us-east-1:123456789012:secret:prod\/cache\/auth-token:SecretString:::\}\}"\]\]\}$/,
    );
    expect(cache.authTokenSecret?.node.path).toBe('TestStack/Token');
  });

  test('fromSecret with a JSON field reads that field', () => {
    const template = templateOf((s) => ({
      authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretNameV2(s, 'Token', 'prod/cache/auth'), 'token'),
    }));

    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(groupProps(template).AuthToken)).toMatch(/secret:prod\/cache\/auth:SecretString:token::\}\}/);
  });

  test('grantReadAuthToken grants GetSecretValue and decryption through Secrets Manager', () => {
    const { stack, cache } = build();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    cache.grantReadAuthToken(role);

    expectSecretReadGrant(Template.fromStack(stack), role, cache.authTokenSecret as any);
  });
});

describe('subnet group', () => {
  test('is dedicated and uses the isolated subnets by default', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ElastiCache::SubnetGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'],
    });
    template.hasResourceProperties(REPLICATION_GROUP, {
      CacheSubnetGroupName: { Ref: logicalIdOf(cache.subnetGroup) },
    });
  });

  test('uses private subnets with egress when the VPC has no isolated ones', () => {
    const { stack } = newStack();
    new SecureRedisCluster(stack, 'Cache', { vpc: egressVpc(stack) });

    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: ['subnet-0a100000000000001', 'subnet-0b100000000000002'],
    });
  });

  test('uses the given subnets', () => {
    templateOf({ vpcSubnets: { availabilityZones: ['us-east-1a', 'us-east-1c'] } }).hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: ['subnet-0a000000000000001', 'subnet-0c000000000000003'],
    });
  });
});

describe('security group', () => {
  test('admits only the named sources, only on the cache port', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const web = appSecurityGroup(stack, vpc, 'Web');
    const worker = appSecurityGroup(stack, vpc, 'Worker');
    // Without rotation: its function is admitted too (auth-token-rotation.test.ts).
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc, allowedConnections: [web, worker], secretRotation: SecretRotation.disabled() });
    const template = Template.fromStack(stack);

    expectIngressOnlyFrom(template, cache.securityGroup, [web, worker], 6380);
    template.hasResourceProperties(REPLICATION_GROUP, {
      SecurityGroupIds: [getAtt(cache.securityGroup, 'GroupId')],
    });
  });

  test('has no ingress without sources', () => {
    const template = templateOf();

    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });

  test('has no CIDR ingress anywhere and no egress but the disallow-all placeholder', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc, allowedConnections: [appSecurityGroup(stack, vpc)], secretRotation: SecretRotation.disabled() });

    expectNoCidrIngressAndNoEgress(Template.fromStack(stack), cache.securityGroup);
  });

  test('connections.allowDefaultPortFrom admits a client on the cache port', () => {
    const { stack, vpc, cache } = build({ port: 6390 });
    const client = appSecurityGroup(stack, vpc, 'Client');
    cache.connections.allowDefaultPortFrom(client);

    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: getAtt(cache.securityGroup, 'GroupId'),
      SourceSecurityGroupId: getAtt(client, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 6390,
      ToPort: 6390,
    });
  });

  test('attaches the given security groups without adding rules to them', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const own = new ec2.SecurityGroup(stack, 'Own', { vpc, allowAllOutbound: false });
    const imported = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Imported', 'sg-0123456789abcdef0');
    const cache = new SecureRedisCluster(stack, 'Cache', {
      secretRotation: SecretRotation.disabled(),
      vpc,
      additionalSecurityGroups: [own, imported],
      allowedConnections: [appSecurityGroup(stack, vpc)],
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties(REPLICATION_GROUP, {
      SecurityGroupIds: [getAtt(cache.securityGroup, 'GroupId'), getAtt(own, 'GroupId'), 'sg-0123456789abcdef0'],
    });
    expect(cache.connections.securityGroups).toEqual([cache.securityGroup, own, imported]);
    const rules = ingressRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0].GroupId).toEqual(getAtt(cache.securityGroup, 'GroupId'));
    const ownGroup = securityGroupProps(template, own);
    expect(ownGroup.SecurityGroupIngress).toBeUndefined();
    expect(ownGroup.SecurityGroupEgress).toEqual(DISALLOW_ALL_EGRESS);
  });
});

describe('port', () => {
  test('defaults to 6380', () => {
    const { stack, cache } = build();

    expect(cache.port).toBe(6380);
    expect(cache.connections.defaultPort?.toString()).toBe('6380');
    Template.fromStack(stack).hasResourceProperties(REPLICATION_GROUP, { Port: 6380 });
  });

  test('uses the given port for the group and its rules', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc, port: 7000, allowedConnections: [appSecurityGroup(stack, vpc)] });
    const template = Template.fromStack(stack);

    expect(cache.port).toBe(7000);
    template.hasResourceProperties(REPLICATION_GROUP, { Port: 7000 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 7000, ToPort: 7000 });
  });
});

describe('backups and maintenance', () => {
  test('keep daily backups 15 days in the default windows', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, {
      SnapshotRetentionLimit: 15,
      SnapshotWindow: '03:00-04:00',
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    });
  });

  test('use the given retention and windows', () => {
    templateOf({
      backupRetention: Duration.days(35),
      snapshotWindow: '22:00-23:30',
      maintenanceWindow: 'sat:01:00-sat:02:00',
    }).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotRetentionLimit: 35,
      SnapshotWindow: '22:00-23:30',
      PreferredMaintenanceWindow: 'sat:01:00-sat:02:00',
    });
  });

  test('accept a retention in hours that makes whole days', () => {
    templateOf({ backupRetention: Duration.hours(48) }).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotRetentionLimit: 2,
    });
  });

  test('zero retention turns backups off and omits the snapshot window', () => {
    templateOf({ backupRetention: Duration.days(0), snapshotWindow: '05:00-06:00' }).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotRetentionLimit: 0,
      SnapshotWindow: Match.absent(),
      PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    });
  });

  test('restore from the given snapshot', () => {
    templateOf({ snapshotName: 'nightly-2026-11-01' }).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotName: 'nightly-2026-11-01',
    });
  });
});

describe('removal policy', () => {
  test('takes a final snapshot and keeps the key and logs by default', () => {
    const template = templateOf();

    template.hasResource(REPLICATION_GROUP, { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('DESTROY deletes the group, its key and its logs', () => {
    const template = templateOf({ removalPolicy: RemovalPolicy.DESTROY });

    template.hasResource(REPLICATION_GROUP, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('RETAIN keeps the group and its key', () => {
    const template = templateOf({ removalPolicy: RemovalPolicy.RETAIN });

    template.hasResource(REPLICATION_GROUP, { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('parameter group', () => {
  test('is created in cluster mode with cluster-enabled yes', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey9',
      Properties: { 'cluster-enabled': 'yes' },
    });
    template.hasResourceProperties(REPLICATION_GROUP, {
      CacheParameterGroupName: { Ref: logicalIdOf(cache.parameterGroup!) },
    });
  });

  test.each([
    [CacheEngineVersion.VALKEY_7_2, 'valkey7'],
    [CacheEngineVersion.VALKEY_8_1, 'valkey8'],
    [CacheEngineVersion.REDIS_6_2, 'redis6.x'],
    [CacheEngineVersion.REDIS_7_1, 'redis7'],
  ])('has the family of %s', (engineVersion, family) => {
    templateOf({ engineVersion }).hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: family,
    });
  });

  test('is created with parameters in non-cluster mode, with cluster-enabled no', () => {
    templateOf({ clusterMode: false, parameters: { 'maxmemory-policy': 'allkeys-lru' } }).hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      Properties: { 'maxmemory-policy': 'allkeys-lru', 'cluster-enabled': 'no' },
    });
  });

  test('is not created with cluster mode off and no parameters', () => {
    const { stack, cache } = build({ clusterMode: false });
    const template = Template.fromStack(stack);

    expect(cache.parameterGroup).toBeUndefined();
    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
    template.hasResourceProperties(REPLICATION_GROUP, { CacheParameterGroupName: Match.absent() });
  });

  test('parameterGroupName is passed through and none is created', () => {
    const template = templateOf({ parameterGroupName: 'shared-valkey9-cluster' });

    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
    template.hasResourceProperties(REPLICATION_GROUP, { CacheParameterGroupName: 'shared-valkey9-cluster' });
  });
});

describe('logs', () => {
  test('deliver slow and engine logs as JSON into two KMS-encrypted log groups kept a year', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', {
      KmsKeyId: getAtt(cache.encryptionKey, 'Arn'),
      RetentionInDays: 365,
    });
    template.hasResourceProperties(REPLICATION_GROUP, {
      LogDeliveryConfigurations: [
        {
          LogType: 'slow-log',
          LogFormat: 'json',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { CloudWatchLogsDetails: { LogGroup: { Ref: logicalIdOf(cache.slowLogGroup!) } } },
        },
        {
          LogType: 'engine-log',
          LogFormat: 'json',
          DestinationType: 'cloudwatch-logs',
          DestinationDetails: { CloudWatchLogsDetails: { LogGroup: { Ref: logicalIdOf(cache.engineLogGroup!) } } },
        },
      ],
    });
  });

  test('the key policy lets CloudWatch Logs use the key for the two log groups only, named under /aws/vendedlogs/', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);
    const names = [cache.slowLogGroup!, cache.engineLogGroup!]
      .map((g) => evaluate(stack, template.findResources('AWS::Logs::LogGroup')[logicalIdOf(g)].Properties.LogGroupName));
    expect(names).toEqual(['slow-log', 'engine-log'].map((type) => expect.stringMatching(
      new RegExp(`^/aws/vendedlogs/elasticache/TestStack/teststack-cache-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}/${type}$`))));
    const statements = template.findResources('AWS::KMS::Key')[logicalIdOf(cache.encryptionKey as any)].Properties.KeyPolicy.Statement
      .filter((st: any) => st.Principal?.Service === 'logs.us-east-1.amazonaws.com');
    expect(statements).toEqual([{
      Sid: 'CloudWatchLogsForTheLibrarysLogGroups',
      Effect: 'Allow',
      Principal: { Service: 'logs.us-east-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': expect.any(Array) } },
    }]);
    expect(evaluate(stack, statements[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']))
      .toEqual(names.map((name) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`));
  });

  test('a key of another stack names the log groups by the part of their names known at synth (the stacks would otherwise reference each other)', () => {
    const app = new App();
    const keyStack = new Stack(app, 'KeyStack', { env: TEST_ENV });
    const key = new kms.Key(keyStack, 'Key', { enableKeyRotation: true });
    const stack = new Stack(app, 'TestStack', { env: TEST_ENV });
    new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), encryptionKey: key, secretRotation: SecretRotation.disabled() });
    const keyPolicy = Template.fromStack(keyStack).findResources('AWS::KMS::Key');
    const statement = (Object.values(keyPolicy)[0] as any).Properties.KeyPolicy.Statement.find((st: any) => st.Sid === 'CloudWatchLogsForTheLibrarysLogGroups');
    // One pattern for both groups of the cache, without the stack UUID.
    expect(evaluate(keyStack, statement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toEqual([
      expect.stringMatching(/^arn:aws:logs:us-east-1:123456789012:log-group:\/aws\/vendedlogs\/elasticache\/TestStack\/teststack-cache-[0-9a-f]{8}-\*$/),
    ]);
    expect(() => app.synth()).not.toThrow();
  });

  test('use the given retention', () => {
    templateOf({ logging: { retention: logs.RetentionDays.ONE_MONTH } }).allResourcesProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
    });
  });

  test('are off when disabled, and the key policy does not mention CloudWatch Logs', () => {
    const { stack, cache } = build({ logging: { slowLog: false, engineLog: false } });
    const template = Template.fromStack(stack);

    expect(cache.slowLogGroup).toBeUndefined();
    expect(cache.engineLogGroup).toBeUndefined();
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.hasResourceProperties(REPLICATION_GROUP, { LogDeliveryConfigurations: Match.absent() });
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).not.toContain('logs.us-east-1.amazonaws.com');
  });

  test('can deliver only the engine log', () => {
    const template = templateOf({ logging: { slowLog: false } });

    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties(REPLICATION_GROUP, {
      LogDeliveryConfigurations: [Match.objectLike({ LogType: 'engine-log' })],
    });
  });

  test('Redis OSS 6.0 gets only the slow log by default', () => {
    const { stack, cache } = build({ engineVersion: CacheEngineVersion.REDIS_6_0, nodeType: 'cache.m6g.large' });
    const template = Template.fromStack(stack);

    expect(cache.engineLogGroup).toBeUndefined();
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties(REPLICATION_GROUP, {
      LogDeliveryConfigurations: [Match.objectLike({ LogType: 'slow-log' })],
    });
  });

  test('Redis OSS 5.0.6 gets no logs by default', () => {
    const template = templateOf({ engineVersion: CacheEngineVersion.REDIS_5_0_6, nodeType: 'cache.m6g.large' });

    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.hasResourceProperties(REPLICATION_GROUP, { LogDeliveryConfigurations: Match.absent() });
  });
});

describe('other properties', () => {
  test('minor version upgrades are automatic by default', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, { AutoMinorVersionUpgrade: true });
  });

  test('minor version upgrades can be turned off', () => {
    templateOf({ autoMinorVersionUpgrade: false }).hasResourceProperties(REPLICATION_GROUP, { AutoMinorVersionUpgrade: false });
  });

  test('no notification topic by default', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, { NotificationTopicArn: Match.absent() });
  });

  test('events go to the notification topic', () => {
    const { stack } = build((s) => ({ notificationTopic: eventTopic(s) }));

    Template.fromStack(stack).hasResourceProperties(REPLICATION_GROUP, {
      NotificationTopicArn: { Ref: Match.stringLikeRegexp('^Events') },
    });
  });

  test('description names the construct path unless given', () => {
    templateOf().hasResourceProperties(REPLICATION_GROUP, {
      ReplicationGroupDescription: Match.stringLikeRegexp('TestStack/Cache'),
    });
    templateOf({ description: 'Session store' }).hasResourceProperties(REPLICATION_GROUP, {
      ReplicationGroupDescription: 'Session store',
    });
  });
});

describe('replicationGroupId', () => {
  /** The id CloudFormation creates the group with, given the sample stack UUID. */
  function physicalId(built: Built<SecureRedisCluster>): string {
    return evaluate(built.stack, built.cache.replicationGroupId);
  }

  test('is derived from the construct path, a hash and the stack UUID: lowercase, at most 40 characters, valid', () => {
    const built = build();
    const id = physicalId(built);

    expect(id).toMatch(VALID_ID);
    expect(id.length).toBeLessThanOrEqual(40);
    expect(id).toMatch(new RegExp(`^teststack-cache-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}$`));
    // Everything else refers to the group through its resolved reference.
    expect(built.stack.resolve(built.cache.replicationGroupId)).toEqual({ Ref: logicalIdOf(built.cache.replicationGroup) });
  });

  test('is unique for constructs with the same id in different scopes', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const a = new SecureRedisCluster(new Construct(stack, 'Orders'), 'Cache', { vpc });
    const b = new SecureRedisCluster(new Construct(stack, 'Orders2'), 'Cache', { vpc });
    const [idA, idB] = evaluate(stack, [a.replicationGroupId, b.replicationGroupId]);

    expect(idA).not.toBe(idB);
    expect(idA).toMatch(VALID_ID);
    expect(idB).toMatch(VALID_ID);
  });

  test('stays valid and unique for long paths that share a prefix', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const deep = new Construct(new Construct(stack, 'ApplicationWithAVeryLongName'), 'AnotherRatherLongScopeName');
    const a = new SecureRedisCluster(deep, 'SessionStoreCacheA', { vpc });
    const b = new SecureRedisCluster(deep, 'SessionStoreCacheB', { vpc });
    const ids: string[] = evaluate(stack, [a.replicationGroupId, b.replicationGroupId]);

    for (const id of ids) {
      expect(id).toMatch(VALID_ID);
      expect(id.length).toBeLessThanOrEqual(40);
    }
    expect(ids[0]).not.toBe(ids[1]);
  });

  test('starts with a letter when the path starts with a digit', () => {
    const stack = new Stack(new App(), '1Stack', { stackName: 'one-stack', env: TEST_ENV });
    const cache = new SecureRedisCluster(stack, '2Cache', { vpc: importedVpc(stack) });

    expect(evaluate(stack, cache.replicationGroupId)).toMatch(VALID_ID);
    expect(evaluate(stack, cache.replicationGroupId)).toMatch(/^cache-1stack-2cache-/);
  });

  // The schema's create-only properties, cluster mode and AUTH token to users: each gets a new id,
  // so that CloudFormation can replace the group. In-place changes keep the id.
  test.each<[string, PropsFactory<SecureRedisClusterProps>]>([
    ['port', { port: 6390 }],
    ['encryptionKey', (s) => ({ encryptionKey: new kms.Key(s, 'OtherKey') })],
    ['replicasPerShard (cluster mode)', { replicasPerShard: 2 }],
    ['clusterMode', { clusterMode: false }],
    ['snapshotName', { snapshotName: 'orders-backup' }],
    ['snapshotArnsToRestore', { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb'] }],
    ['authentication: users', { authentication: CacheAuthentication.users([CacheUser.password('orders-app')]) }],
    ['nodeType to data tiering', { nodeType: 'cache.r6gd.xlarge' }],
  ])('changes with %s', (_, props) => {
    expect(physicalId(build(props))).not.toBe(physicalId(build()));
  });

  test.each<[string, PropsFactory<SecureRedisClusterProps>]>([
    ['shards', { shards: 3 }],
    ['nodeType', { nodeType: 'cache.r7g.large' }],
    ['backupRetention', { backupRetention: Duration.days(20) }],
    ['engineVersion', { engineVersion: CacheEngineVersion.VALKEY_8_1 }],
    ['multiAz', { multiAz: false }],
    ['maintenanceWindow', { maintenanceWindow: 'mon:05:00-mon:06:00' }],
  ])('stays the same with %s, which changes in place', (_, props) => {
    expect(physicalId(build(props))).toBe(physicalId(build()));
  });

  test('a given id is lowercased, and fixed', () => {
    const built = build({ replicationGroupId: 'Orders-Cache' });

    expect(physicalId(built)).toBe('orders-cache');
    Template.fromStack(built.stack).hasResourceProperties(REPLICATION_GROUP, { ReplicationGroupId: 'orders-cache' });
    expect(physicalId(build({ replicationGroupId: 'Orders-Cache', port: 6390 }))).toBe('orders-cache');
  });

  test('the ARN uses the resolved id', () => {
    const { stack, cache } = build({ replicationGroupId: 'orders' });

    expect(stack.resolve(cache.replicationGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:replicationgroup:', { Ref: logicalIdOf(cache.replicationGroup) }]],
    });
    expect(evaluate(stack, cache.replicationGroupArn)).toBe('arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders');
  });
});

describe('nodeIds', () => {
  test('cluster mode off: <id>-001 for the primary, then the replicas', () => {
    const { stack, cache } = build({ replicationGroupId: 'orders', clusterMode: false, replicasPerShard: 2 });

    expect(evaluate(stack, cache.nodeIds)).toEqual(['orders-001', 'orders-002', 'orders-003']);
  });

  test('cluster mode on: <id>-<shard>-<node>', () => {
    const { stack, cache } = build({ replicationGroupId: 'orders', shards: 2, replicasPerShard: 1 });

    expect(evaluate(stack, cache.nodeIds)).toEqual(['orders-0001-001', 'orders-0001-002', 'orders-0002-001', 'orders-0002-002']);
  });

  test('with a derived id, are joined from the group reference', () => {
    const { stack, cache } = build({ shards: 2 });
    const groupRef = { Ref: logicalIdOf(cache.replicationGroup) };

    expect(stack.resolve(cache.nodeIds[3])).toEqual({ 'Fn::Join': ['', [groupRef, '-0002-002']] });
    expect(evaluate(stack, cache.nodeIds[3])).toMatch(new RegExp(`^teststack-cache-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}-0002-002$`));
  });
});

describe('metrics', () => {
  test.each([
    ['metricEngineCpuUtilization', 'EngineCPUUtilization', 'Average'],
    ['metricCpuUtilization', 'CPUUtilization', 'Average'],
    ['metricDatabaseMemoryUsagePercentage', 'DatabaseMemoryUsagePercentage', 'Average'],
    ['metricEvictions', 'Evictions', 'Sum'],
    ['metricCurrConnections', 'CurrConnections', 'Maximum'],
    ['metricReplicationLag', 'ReplicationLag', 'Maximum'],
    ['metricCacheHits', 'CacheHits', 'Sum'],
    ['metricCacheMisses', 'CacheMisses', 'Sum'],
    ['metricAuthenticationFailures', 'AuthenticationFailures', 'Sum'],
    ['metricSwapUsage', 'SwapUsage', 'Maximum'],
  ] as const)('%s reads %s of the first node, %s over 5 minutes', (method, metricName, statistic) => {
    const { stack, cache } = build({ replicationGroupId: 'orders', shards: 2 });
    const metric = cache[method]();

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toSeconds()).toBe(300);
    expect(evaluate(stack, metric.dimensions)).toEqual({ CacheClusterId: 'orders-0001-001' });
  });

  test('read the given node', () => {
    const { cache } = build({ replicationGroupId: 'orders', shards: 2 });

    expect(cache.metricEvictions({ cacheClusterId: 'orders-0002-002' }).dimensions).toEqual({ CacheClusterId: 'orders-0002-002' });
  });

  test('take a statistic and period', () => {
    const { cache } = build();
    const metric = cache.metricEngineCpuUtilization({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) });

    expect(metric.statistic).toBe('Maximum');
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('metric() reads any ElastiCache metric', () => {
    const { stack, cache } = build({ replicationGroupId: 'orders', clusterMode: false });
    const metric = cache.metric('NetworkBandwidthInAllowanceExceeded', { statistic: 'Sum' });

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe('NetworkBandwidthInAllowanceExceeded');
    expect(evaluate(stack, metric.dimensions)).toEqual({ CacheClusterId: 'orders-001' });
  });
});

describe('addRecommendedAlarms', () => {
  function nodeDimension(nodeId: string) {
    return [{ Name: 'CacheClusterId', Value: nodeId }];
  }

  test('watch every node; 2-vCPU nodes by CPUUtilization at 90% / 2', () => {
    const { stack, cache } = build({ replicationGroupId: 'orders', clusterMode: false, replicasPerShard: 1 });
    const created = cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    expect(created).toHaveLength(10);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    expect(alarmsOf(template, 'EngineCPUUtilization')).toHaveLength(0);
    for (const [metricName, threshold] of [
      ['CPUUtilization', 45],
      ['DatabaseMemoryUsagePercentage', 80],
      ['Evictions', 1000],
      ['CurrConnections', 52000],
      ['ReplicationLag', 30],
    ] as const) {
      const alarms = alarmsOf(template, metricName);
      expect(evaluate(stack, alarms.map((a) => a.Dimensions))).toEqual([nodeDimension('orders-001'), nodeDimension('orders-002')]);
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Namespace: 'AWS/ElastiCache',
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    }
  });

  test('watch nodes with 4 or more vCPUs by EngineCPUUtilization at 90%', () => {
    const { stack, cache } = build({ nodeType: 'cache.r7g.xlarge', replicationGroupId: 'orders', shards: 2 });
    cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    expect(alarmsOf(template, 'CPUUtilization')).toHaveLength(0);
    const cpu = alarmsOf(template, 'EngineCPUUtilization');
    expect(evaluate(stack, cpu.map((a) => a.Dimensions))).toEqual(
      ['orders-0001-001', 'orders-0001-002', 'orders-0002-001', 'orders-0002-002'].map(nodeDimension),
    );
    expect(cpu.map((a) => a.Threshold)).toEqual([90, 90, 90, 90]);
  });

  test('construct ids name the node by shard and position, not by the group id', () => {
    const { stack, cache } = build({ shards: 2 });
    const alarms = cache.addRecommendedAlarms();

    expect(alarms.filter((a) => a.node.id.endsWith('Memory')).map((a) => a.node.id))
      .toEqual(['Node0001001Memory', 'Node0001002Memory', 'Node0002001Memory', 'Node0002002Memory']);
    const other = build({ shards: 2, port: 6390 });
    other.cache.addRecommendedAlarms();
    expect(Object.keys(Template.fromStack(other.stack).findResources('AWS::CloudWatch::Alarm')))
      .toEqual(Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')));
  });

  test('take thresholds', () => {
    const { stack, cache } = build({ nodeType: 'cache.t4g.medium', clusterMode: false });
    cache.addRecommendedAlarms({
      cpuUtilizationPercent: 80,
      memoryUsagePercent: 70,
      evictionsPerFiveMinutes: 10,
      currConnections: 1000,
      replicationLag: Duration.minutes(1),
    });
    const template = Template.fromStack(stack);

    expect(alarmsOf(template, 'CPUUtilization').map((a) => a.Threshold)).toEqual([40, 40]);
    expect(alarmsOf(template, 'DatabaseMemoryUsagePercentage').map((a) => a.Threshold)).toEqual([70, 70]);
    expect(alarmsOf(template, 'Evictions').map((a) => a.Threshold)).toEqual([10, 10]);
    expect(alarmsOf(template, 'CurrConnections').map((a) => a.Threshold)).toEqual([1000, 1000]);
    expect(alarmsOf(template, 'ReplicationLag').map((a) => a.Threshold)).toEqual([60, 60]);
  });

  test('leave out replication lag without replicas', () => {
    const { stack, cache } = build({ clusterMode: false, replicasPerShard: 0, multiAz: false });
    cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(alarmsOf(template, 'ReplicationLag')).toHaveLength(0);
  });

  test('notify the alarm topic on alarm and OK', () => {
    const { stack, cache } = build();
    const topic = new sns.Topic(stack, 'Oncall');
    cache.addRecommendedAlarms({ alarmTopic: topic });

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(topic) }],
      OKActions: [{ Ref: logicalIdOf(topic) }],
    });
  });

  test('notify the notification topic when no alarm topic is given', () => {
    const { stack, cache } = build((s) => ({ notificationTopic: eventTopic(s) }));
    cache.addRecommendedAlarms();

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Events') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Events') }],
    });
  });

  test('prefer the alarm topic over the notification topic', () => {
    const { stack, cache } = build((s) => ({ notificationTopic: eventTopic(s) }));
    const topic = new sns.Topic(stack, 'Oncall');
    cache.addRecommendedAlarms({ alarmTopic: topic });

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(topic) }],
    });
  });

  test('without a topic, notify the construct\'s own topic, encrypted with the cache\'s key', () => {
    const { stack, cache } = build();
    cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);
    const topic = { Ref: logicalIdOf(cache.alarmTopic as sns.Topic) };

    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(cache.encryptionKey as kms.Key), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  test('cannot be added twice', () => {
    const { cache } = build();
    cache.addRecommendedAlarms();

    expect(() => cache.addRecommendedAlarms()).toThrow(/TestStack\/Cache.*\n.*addRecommendedAlarms\(\) was already called/);
  });
});

describe('warnings', () => {
  function warningsOf(props: PropsFactory<SecureRedisClusterProps> = {}): Annotations {
    return Annotations.fromStack(buildInFixtureVpc(SecureRedisCluster, 'Cache', props).stack);
  }

  test('the defaults warn about nothing', () => {
    expect(warningsOf().findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('single-AZ', () => {
    warningsOf({ multiAz: false }).hasWarning('/TestStack/Cache', Match.stringLikeRegexp('multiAz is off'));
  });

  test('short backup retention', () => {
    warningsOf({ backupRetention: Duration.days(7) }).hasWarning('*', Match.stringLikeRegexp('backupRetention is 7 days.*at least 15'));
  });

  test('backups off', () => {
    warningsOf({ backupRetention: Duration.days(0) }).hasWarning('*', Match.stringLikeRegexp('backupRetention is 0 days'));
  });

  test('burstable nodes', () => {
    warningsOf({ nodeType: 'cache.t4g.small' }).hasWarning('*', Match.stringLikeRegexp('cache.t4g.small is burstable.*reserved-memory-percent'));
  });

  test('more nodes than the default quota', () => {
    warningsOf({ shards: 31, replicasPerShard: 2 }).hasWarning('*', Match.stringLikeRegexp('93 nodes exceed the default quota of 90'));
  });

  test('an existing parameter group in cluster mode', () => {
    warningsOf({ parameterGroupName: 'shared' }).hasWarning('*', Match.stringLikeRegexp("parameterGroupName 'shared' must have cluster-enabled yes"));
  });

  test('Redis OSS before TransitEncryptionMode', () => {
    warningsOf({ engineVersion: CacheEngineVersion.REDIS_6_2 }).hasWarning('*', Match.stringLikeRegexp('redis 6.2 predates TransitEncryptionMode'));
  });

  test('warnings carry acknowledgeable ids', () => {
    warningsOf({ multiAz: false }).hasWarning('*', Match.stringLikeRegexp('\\[ack: cdk-secure-elasticache:singleAz\\]'));
  });
});
