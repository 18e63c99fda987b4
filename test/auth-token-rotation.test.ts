import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { appSecurityGroup, egressVpc, importedVpc, newStack, TEST_ENV } from './fixtures';
import { evaluate, SAMPLE_UUID_FRAGMENT } from './names';
import { acknowledgements, expectedAcknowledgements, findings, teamRotationOptions } from './policy';
import {
  AuthToken, RotationVpcEndpoints, SecretRotation, SecretRotationOptions, SecureRedisCluster, SecureRedisClusterProps,
} from '../src';

const ASSET = path.join(__dirname, '..', 'assets', 'private', 'auth-token-rotation.lambda', 'index.js');

/** An imported VPC with both isolated subnets (for the cache) and private subnets with egress. */
function mixedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'MixedVpc', {
    vpcId: 'vpc-0aaaabbbbccccdddd',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    isolatedSubnetIds: ['subnet-0a200000000000001', 'subnet-0b200000000000002'],
    isolatedSubnetRouteTableIds: ['rtb-0a200000000000001', 'rtb-0b200000000000002'],
    privateSubnetIds: ['subnet-0a300000000000001', 'subnet-0b300000000000002'],
    privateSubnetRouteTableIds: ['rtb-0a300000000000001', 'rtb-0b300000000000002'],
  });
}

interface Built {
  readonly stack: Stack;
  readonly cache: SecureRedisCluster;
  readonly rotation: secretsmanager.RotationSchedule;
  readonly template: Template;
}

function build(options: {
  props?: (stack: Stack) => Partial<SecureRedisClusterProps>;
  vpc?: (stack: Stack) => ec2.IVpc;
  rotation?: (stack: Stack, vpc: ec2.IVpc) => SecretRotationOptions;
  stackName?: string;
} = {}): Built {
  const { stack } = newStack(options.stackName);
  const vpc = (options.vpc ?? importedVpc)(stack);
  const cache = new SecureRedisCluster(stack, 'Cache', {
    vpc,
    allowedConnections: [appSecurityGroup(stack, vpc)],
    ...options.props?.(stack),
    // The default for a generated token; a token secret of your own rotates only when asked.
    secretRotation: SecretRotation.enabled(options.rotation?.(stack, vpc)),
  });
  const rotation = cache.node.findChild('AuthTokenRotation').node.findChild('Schedule') as secretsmanager.RotationSchedule;
  return { stack, cache, rotation, template: Template.fromStack(stack) };
}

/** An EC2 ARN of the test account and Region, as the template writes it. */
function ec2Arn(resource: string, token?: unknown): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:us-east-1:123456789012:${resource}`, ...(token ? [token] : [])]] };
}

/** The logical id of the one resource of `type` whose id contains `fragment`. */
function logicalId(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const FN = 'CacheAuthTokenRotationFunction';
const FN_SG = 'CacheAuthTokenRotationSecurityGroup';

describe('AUTH token rotation wiring (on by default)', () => {
  test('a rotation schedule of 30 days on the AUTH token secret, started once the group exists', () => {
    const { template, rotation } = build();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'CacheAuthToken');
    const groupId = logicalId(template, 'AWS::ElastiCache::ReplicationGroup', 'Cache');
    const fnId = logicalId(template, 'AWS::Lambda::Function', FN);

    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResource('AWS::SecretsManager::RotationSchedule', {
      Properties: {
        SecretId: { Ref: secretId },
        RotationLambdaARN: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: true,
      },
      DependsOn: Match.arrayWith([groupId]),
    });
    expect(rotation).toBeInstanceOf(secretsmanager.RotationSchedule);
  });

  test.each([
    [Duration.days(7), 'rate(7 days)'],
    [Duration.hours(4), 'rate(4 hours)'],
    [Duration.days(1000), 'rate(1000 days)'],
  ])('schedule %s', (schedule, expression) => {
    const { template } = build({ rotation: () => ({ schedule, rotateImmediatelyOnUpdate: false }) });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: expression },
      RotateImmediatelyOnUpdate: false,
    });
  });

  test('the function: bundled asset, newest Node.js runtime, in the cache subnets, 15 minutes, no reserved concurrency, its own log group', () => {
    const { template } = build();
    const logGroupId = logicalId(template, 'AWS::Logs::LogGroup', 'CacheAuthTokenRotationLogGroup');
    const sgId = logicalId(template, 'AWS::EC2::SecurityGroup', FN_SG);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 900,
      ReservedConcurrentExecutions: Match.absent(),
      DeadLetterConfig: Match.absent(),
      // The environment is encrypted with the cache's key (checkov CKV_AWS_173).
      KmsKeyArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'CacheKey'), 'Arn'] },
      VpcConfig: {
        SubnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }],
      },
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    // The bundle holds the Valkey client; the runtime provides the AWS SDK.
    const bundle = fs.readFileSync(ASSET, 'utf-8');
    expect(bundle).not.toMatch(/require\("iovalkey"\)/);
    expect(bundle).toMatch(/require\("@aws-sdk\/client-elasticache"\)/);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require(ASSET).handler).toBe('function');
  });

  test('the environment names the group and its configuration endpoint (cluster mode) or primary endpoint', () => {
    const clustered = build();
    const groupId = logicalId(clustered.template, 'AWS::ElastiCache::ReplicationGroup', 'Cache');
    clustered.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          REPLICATION_GROUP_ID: clustered.stack.resolve(clustered.cache.replicationGroupId),
          CACHE_HOST: { 'Fn::GetAtt': [groupId, 'ConfigurationEndPoint.Address'] },
          CACHE_PORT: '6380',
          SECRET_JSON_FIELD: Match.absent(),
        },
      },
    });
    const single = build({ props: () => ({ clusterMode: false, port: 6390 }) });
    single.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CACHE_HOST: { 'Fn::GetAtt': [groupId, 'PrimaryEndPoint.Address'] },
          CACHE_PORT: '6390',
        },
      },
    });
  });

  test('the cache admits the function on the cache port only; the function talks to nothing else but the endpoints', () => {
    const { template } = build();
    const cacheSg = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheSecurityGroup');
    const fnSg = logicalId(template, 'AWS::EC2::SecurityGroup', FN_SG);
    const endpointSg = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheRotationEndpointsSecurityGroup');

    const fromFunction = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { SourceSecurityGroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] } },
    })).map((r) => [r.Properties.GroupId['Fn::GetAtt'][0], r.Properties.IpProtocol, r.Properties.FromPort, r.Properties.ToPort]);
    expect(fromFunction.sort()).toEqual([[cacheSg, 'tcp', 6380, 6380], [endpointSg, 'tcp', 443, 443]].sort());

    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] } },
    })).map((r) => [r.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0], r.Properties.FromPort]);
    expect(egress.sort()).toEqual([[cacheSg, 6380], [endpointSg, 443]].sort());
    // No inline egress: CloudFormation drops a group's default allow-all egress rule when an
    // AWS::EC2::SecurityGroupEgress is added to it, so the two rules above are all it allows.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'AUTH token rotation function of TestStack/Cache',
      SecurityGroupEgress: Match.absent(),
    });
    // The endpoints' group admits nobody else.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints of the rotation functions of TestStack/Cache',
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('isolated subnets: Secrets Manager and ElastiCache endpoints without private DNS, called by their own names', () => {
    const { template } = build();
    const endpointSg = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheRotationEndpointsSecurityGroup');
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    for (const service of ['secretsmanager', 'elasticache']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.us-east-1.${service}`,
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: false,
        SubnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [endpointSg, 'GroupId'] }],
      });
    }
    const smEndpoint = logicalId(template, 'AWS::EC2::VPCEndpoint', 'CacheRotationEndpointsSecretsManager');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SECRETS_MANAGER_ENDPOINT: {
            'Fn::Join': ['', ['https://', { 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::Select': [0, { 'Fn::GetAtt': [smEndpoint, 'DnsEntries'] }] }] }] }]],
          },
          ELASTICACHE_ENDPOINT: Match.anyValue(),
        },
      },
    });
  });

  test('subnets with a NAT gateway: endpoints all the same, and no egress to 0.0.0.0/0', () => {
    const { template } = build({ vpc: egressVpc });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'AUTH token rotation function of TestStack/Cache',
      SecurityGroupEgress: Match.absent(),
    });
    const fnSg = logicalId(template, 'AWS::EC2::SecurityGroup', FN_SG);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', {
      Properties: { GroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] } },
    })).map((r) => r.Properties);
    expect(egress.map((r) => [r.DestinationSecurityGroupId['Fn::GetAtt'][0], r.FromPort]).sort()).toEqual([
      [logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheSecurityGroup'), 6380],
      [logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheRotationEndpointsSecurityGroup'), 443],
    ].sort());
    expect(egress.filter((r) => r.CidrIp !== undefined || r.CidrIpv6 !== undefined)).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0a100000000000001', 'subnet-0b100000000000002'] },
      Environment: { Variables: { SECRETS_MANAGER_ENDPOINT: Match.anyValue(), ELASTICACHE_ENDPOINT: Match.anyValue() } },
    });
  });

  test('RotationVpcEndpoints.none() opts out: no endpoints, HTTPS out through the subnets\' route', () => {
    build({ vpc: egressVpc, rotation: () => ({ vpcEndpoints: RotationVpcEndpoints.create() }) }).template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    const { template } = build({ vpc: egressVpc, rotation: () => ({ vpcEndpoints: RotationVpcEndpoints.none() }) });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'AUTH token rotation function of TestStack/Cache',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SECRETS_MANAGER_ENDPOINT: Match.absent(), ELASTICACHE_ENDPOINT: Match.absent() } },
    });
  });

  test('existing endpoints are reused: their security groups admit the function on 443, nothing is created', () => {
    const { template } = build({
      rotation: (stack) => ({
        vpcEndpoints: RotationVpcEndpoints.fromEndpoints({
          secretsManager: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Sm', {
            vpcEndpointId: 'vpce-0123', port: 443, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'SmSg', 'sg-0aaa')],
          }),
          elastiCache: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Ec', {
            vpcEndpointId: 'vpce-0456', port: 443, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'EcSg', 'sg-0bbb')],
          }),
        }),
      }),
    });
    const fnSg = logicalId(template, 'AWS::EC2::SecurityGroup', FN_SG);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    for (const group of ['sg-0aaa', 'sg-0bbb']) {
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: group, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] },
      });
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SECRETS_MANAGER_ENDPOINT: Match.absent() } },
    });
  });

  test('vpcSubnets puts the function elsewhere, and the endpoints in its subnets', () => {
    const { template } = build({
      vpc: mixedVpc,
      rotation: () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }),
    });
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', { SubnetIds: ['subnet-0a200000000000001', 'subnet-0b200000000000002'] });
    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: { SubnetIds: ['subnet-0a300000000000001', 'subnet-0b300000000000002'] } });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', { SubnetIds: ['subnet-0a300000000000001', 'subnet-0b300000000000002'] });
  });

  test('least privilege in one customer-managed policy: this group, this secret, its key with the secret as context', () => {
    const { template, stack, cache } = build();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'CacheAuthToken');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'CacheKey');
    const roleId = logicalId(template, 'AWS::IAM::Role', 'CacheAuthTokenRotationRole');
    const logGroupId = logicalId(template, 'AWS::Logs::LogGroup', 'CacheAuthTokenRotationLogGroup');

    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties;
    expect(policy.Roles).toEqual([{ Ref: roleId }]);
    expect(policy.PolicyDocument.Statement).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } },
      { Sid: 'DescribeNetworkInterfacesAndSubnets', Effect: 'Allow', Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Resource: '*' },
      {
        Sid: 'CreateInterfacesInOwnSubnets',
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: [
          ...['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'].map((id) => ec2Arn(`subnet/${id}`)),
          ec2Arn('security-group/', { 'Fn::GetAtt': [logicalId(template, 'AWS::EC2::SecurityGroup', FN_SG), 'GroupId'] }),
        ],
      },
      {
        Sid: 'CreateInterfacesInOwnSubnetsOnly',
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterface',
        Resource: '*',
        Condition: {
          ArnEquals: {
            'ec2:Subnet': ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'].map((id) => ec2Arn(`subnet/${id}`)),
          },
        },
      },
      {
        Sid: 'ManageInterfacesInTheVpc',
        Effect: 'Allow',
        Action: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        Resource: '*',
        Condition: { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc/vpc-0123456789abcdef0') } },
      },
      { Sid: 'ReadThisGroup', Effect: 'Allow', Action: 'elasticache:DescribeReplicationGroups', Resource: stack.resolve(cache.replicationGroupArn) },
      {
        Sid: 'ChangeThisGroupsToken',
        Effect: 'Allow',
        Action: 'elasticache:ModifyReplicationGroup',
        Resource: stack.resolve(cache.replicationGroupArn),
        // Only requests that carry a non-empty AuthToken.
        Condition: { Bool: { 'elasticache:AuthTokenEnabled': 'true' } },
      },
      {
        Sid: 'NeverTurnTlsOff',
        Effect: 'Deny',
        Action: 'elasticache:ModifyReplicationGroup',
        Resource: stack.resolve(cache.replicationGroupArn),
        Condition: { Bool: { 'elasticache:TransitEncryptionEnabled': 'false' } },
      },
      {
        Sid: 'RotateThisSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: { Ref: secretId },
      },
      {
        Sid: 'NoOtherSecret',
        Effect: 'Deny',
        Action: ['BatchGet*', 'Cancel*', 'Create*', 'Delete*', 'Describe*', 'Get*', 'List*', 'Put*', 'Remove*', 'Replicate*', 'Restore*',
          'Rotate*', 'Stop*', 'Tag*', 'Untag*', 'Update*', 'Validate*'].map((a) => `secretsmanager:${a}`),
        NotResource: { Ref: secretId },
      },
      {
        Sid: 'UseTheSecretsKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
      },
    ]);
    expect(stack.resolve(cache.replicationGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:replicationgroup:', stack.resolve(cache.replicationGroupId)]],
    });
    // The key policy grants the function nothing: the managed policy is the only grant.
    const keyPolicy = JSON.stringify(template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy);
    expect(keyPolicy).not.toContain(roleId);
    // Lambda is created once the policy is attached (it checks the network-interface permissions).
    expect(template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', FN)].DependsOn)
      .toEqual([logicalId(template, 'AWS::IAM::ManagedPolicy', 'CacheAuthTokenRotationPolicy')]);
  });

  test('only Secrets Manager rotating this secret in this account may invoke the function, which knows that secret', () => {
    const { template } = build();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'CacheAuthToken');
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: TEST_ENV.account,
      SourceArn: { Ref: secretId },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { SECRET_ARN: { Ref: secretId } } } });
  });

  test('a secret of your own: the JSON field goes to the function; a secret known by name is matched with its suffix', () => {
    const { template } = build({
      props: (stack) => ({ authToken: AuthToken.fromSecret(ownSecretUnderAwsManagedKey(stack), 'token') }),
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { SECRET_JSON_FIELD: 'token' } } });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:prod/cache/auth']] },
    });
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    const byName = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:prod/cache/auth-??????']] };
    expect(statements.find((s: { Sid: string }) => s.Sid === 'RotateThisSecret').Resource).toEqual(byName);
    expect(statements.find((s: { Sid: string }) => s.Sid === 'NoOtherSecret').NotResource).toEqual(byName);
    template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: byName });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { SECRET_ARN: byName } } });
    // The AWS managed key, named by its alias: its key policy already lets the account use it
    // through Secrets Manager, so the statement only states the intent.
    expect(statements.find((s: { Sid: string }) => s.Sid === 'UseTheSecretsKey').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:us-east-1:123456789012:alias/aws/secretsmanager']],
    });
  });

  test('a secret of your own with its key: the KMS statement names that key', () => {
    const { template } = build({
      props: (s) => {
        const key = new kms.Key(s, 'SecretKey', { enableKeyRotation: true });
        return { authToken: AuthToken.fromSecret(new secretsmanager.Secret(s, 'Own', { encryptionKey: key })) };
      },
    });
    const keyId = logicalId(template, 'AWS::KMS::Key', 'SecretKey');
    const statements = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.find((s: { Sid: string }) => s.Sid === 'UseTheSecretsKey').Resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });

  test('the log group is encrypted with the cluster key, keeps the cache logs\' retention, and CloudWatch Logs may use the key for it only', () => {
    const { stack, template } = build({ props: () => ({ logging: { slowLog: false, engineLog: false, retention: logs.RetentionDays.SIX_MONTHS } }) });
    const keyId = logicalId(template, 'AWS::KMS::Key', 'CacheKey');
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(1);
    const [group] = Object.values(groups);
    expect(group).toMatchObject({ Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 180 }, DeletionPolicy: 'Retain' });
    // The library's one naming scheme: under /aws/vendedlogs/, by stack, construct path and stack UUID.
    const name = evaluate(stack, group.Properties.LogGroupName);
    expect(name).toMatch(new RegExp(`^/aws/vendedlogs/elasticache/TestStack/teststack-cache-authtokenrotation-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}/rotation$`));
    const logsStatements = template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement
      .filter((st: { Principal?: { Service?: string } }) => st.Principal?.Service === 'logs.us-east-1.amazonaws.com');
    expect(logsStatements).toHaveLength(1);
    expect(Object.keys(logsStatements[0].Condition)).toEqual(['ArnLike']);
    expect(evaluate(stack, logsStatements[0].Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']))
      .toEqual([`arn:aws:logs:us-east-1:123456789012:log-group:${name}`]);
    build({ rotation: () => ({ logRetention: logs.RetentionDays.TWO_YEARS }) }).template
      .hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731, KmsKeyId: Match.anyValue() });
  });

  test('the log group goes with the stack when the cache does', () => {
    build({ props: () => ({ removalPolicy: RemovalPolicy.DESTROY }) }).template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('a failed rotation raises an alarm on the cache\'s encrypted alarm topic', () => {
    const { template } = build();
    const fnId = logicalId(template, 'AWS::Lambda::Function', FN);
    const topicId = logicalId(template, 'AWS::SNS::Topic', 'CacheAlarmTopic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'CacheKey'), 'Arn'] } });
  });

  test('reservedConcurrentExecutions', () => {
    build({ rotation: () => ({ reservedConcurrentExecutions: 2 }) }).template
      .hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 2 });
  });
});

describe('a redeploy after rotations', () => {
  test.each([
    ['a generated token', undefined, ':SecretString:::}}'],
    ['a JSON field', 'token', ':SecretString:token::}}'],
  ])('%s: the template holds a dynamic reference without version, so CloudFormation resolves AWSCURRENT', (_case, jsonField, tail) => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const authToken = jsonField ? AuthToken.fromSecret(new secretsmanager.Secret(stack, 'Json'), jsonField) : undefined;
    new SecureRedisCluster(stack, 'Cache', { vpc, authToken, secretRotation: SecretRotation.enabled() });
    const group = Object.values(Template.fromStack(stack).findResources('AWS::ElastiCache::ReplicationGroup'))[0];
    const [, parts] = group.Properties.AuthToken['Fn::Join'];
    expect(parts).toHaveLength(3);
    expect(parts[0]).toBe('{{resolve:secretsmanager:');
    expect(parts[1]).toEqual({ Ref: expect.any(String) });
    // `:SecretString:<json field>:<version stage>:<version id>}}`: stage and id are empty.
    expect(parts[2]).toBe(tail);
  });

  test('turning rotation on changes neither the replication group nor the secret in the template', () => {
    const without = newStack();
    const withRotation = newStack();
    for (const { stack } of [without, withRotation]) {
      const vpc = importedVpc(stack);
      new SecureRedisCluster(stack, 'Cache', {
        vpc,
        allowedConnections: [appSecurityGroup(stack, vpc)],
        secretRotation: stack === withRotation.stack ? undefined : SecretRotation.disabled(),
      });
    }
    const a = Template.fromStack(without.stack);
    const b = Template.fromStack(withRotation.stack);
    for (const type of ['AWS::ElastiCache::ReplicationGroup', 'AWS::SecretsManager::Secret']) {
      expect(b.findResources(type)).toEqual(a.findResources(type));
    }
  });
});

describe('secretRotation errors', () => {
  interface ErrorRow {
    readonly case: string;
    readonly props?: Partial<SecureRedisClusterProps>;
    readonly options?: SecretRotationOptions;
    readonly message: RegExp;
  }
  const rows: ErrorRow[] = [
    {
      case: 'a schedule under 4 hours',
      options: { schedule: Duration.hours(2) },
      message: /^\[TestStack\/Cache\] .*schedule must be whole hours from 4 hours to 1000 days, got 2 hours\. Secrets Manager rotates at most every 4 hours; leave it unset for 30 days\./s,
    },
    {
      case: 'a schedule over 1000 days',
      options: { schedule: Duration.days(1001) },
      message: /schedule must be whole hours from 4 hours to 1000 days, got 1001 days/,
    },
    {
      case: 'a schedule that is not whole hours',
      options: { schedule: Duration.minutes(270) },
      message: /schedule must be whole hours from 4 hours to 1000 days, got 4 hours 30 minutes/,
    },
    {
      case: 'no reserved execution',
      options: { reservedConcurrentExecutions: 0 },
      message: /^\[TestStack\/Cache\] .*reservedConcurrentExecutions must be an integer from 1 to 1000, got 0\. Secrets Manager runs one step at a time: 1 is enough, or leave it unset to reserve none\./s,
    },
    {
      case: 'public subnets for the function',
      options: { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      message: /^\[TestStack\/Cache\] .*vpcSubnets selects public subnets \(subnet-0d000000000000004, subnet-0e000000000000005, subnet-0f000000000000006\)\. Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead\./s,
    },
  ];

  test.each(rows)('$case', (row) => {
    const { stack } = newStack();
    expect(() => new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), ...row.props, secretRotation: SecretRotation.enabled(row.options) }))
      .toThrow(row.message);
  });

  test('every problem is reported at once', () => {
    const { stack } = newStack();
    const secretRotation = SecretRotation.enabled({ schedule: Duration.hours(1), reservedConcurrentExecutions: -1 });
    expect(() => new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), secretRotation }))
      .toThrow(/schedule must be .*\n {2}- reservedConcurrentExecutions must be/s);
  });
});

describe('cdk-nag with rotation on', () => {
  const configurations: Array<[string, Parameters<typeof build>[0]]> = [
    ['rotation-defaults', {}],
    ['rotation-cluster-mode-off', { props: () => ({ clusterMode: false }) }],
    ['rotation-egress-subnets', { vpc: egressVpc }],
    ['rotation-own-json-secret', {
      props: (stack) => ({ authToken: AuthToken.fromSecret(ownSecretUnderAwsManagedKey(stack), 'token') }),
      rotation: () => ({}),
    }],
    ['rotation-reserved-concurrency', { rotation: () => ({ reservedConcurrentExecutions: 1 }) }],
    ['rotation-existing-endpoints', {
      rotation: (stack) => ({
        vpcEndpoints: RotationVpcEndpoints.fromEndpoints({
          secretsManager: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Sm', {
            vpcEndpointId: 'vpce-0123', port: 443, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'SmSg', 'sg-0aaa')],
          }),
          elastiCache: ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(stack, 'Ec', {
            vpcEndpointId: 'vpce-0456', port: 443, securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'EcSg', 'sg-0bbb')],
          }),
        }),
      }),
    }],
  ];

  test.each(configurations)('%s: no finding; only the table\'s acknowledgements, on the function and its policy', (name, options) => {
    const { stack } = build({ ...options, stackName: name });
    const app = stack.node.root as import('aws-cdk-lib').App;
    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
    expect(expectedAcknowledgements(app)).toContain(`${name}/Cache/AuthTokenRotation/Policy/Resource: AwsSolutions-IAM5[Resource::*]`);
  });

  test('with reserved concurrency, LambdaConcurrency is met rather than acknowledged', () => {
    const { stack } = build({ stackName: 'reserved', rotation: () => ({ reservedConcurrentExecutions: 1 }) });
    const acks = acknowledgements(stack.node.root);
    expect(acks.filter((a) => a.includes('LambdaConcurrency'))).toEqual([]);
    expect(acks.filter((a) => a.includes('LambdaDLQ'))).toHaveLength(2);
  });

  test('with the team\'s own network-interface policy, the library\'s policy has no wildcard and nothing on it is acknowledged', () => {
    const { stack, template } = build({
      stackName: 'rotation-shared-eni-policy',
      rotation: (s) => teamRotationOptions(s),
    });
    const app = stack.node.root as import('aws-cdk-lib').App;
    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).filter((a) => !a.includes('/Function/Resource: '))).toEqual(['rotation-shared-eni-policy/VpcFunctions: AwsSolutions-IAM5[Resource::*]']);

    // The library's policy names every resource; the role gets the team's policy; Lambda finds the
    // network-interface permissions in place when it creates the function.
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const eniLogicalId = Object.keys(policies).find((id) => id.startsWith('VpcFunctions'))!;
    const rotationPolicy = Object.entries(policies).find(([id]) => id.startsWith('CacheAuthTokenRotationPolicy'))![1];
    const resources = (rotationPolicy.Properties.PolicyDocument.Statement as Array<{ Resource: unknown }>).flatMap((st) => [st.Resource].flat());
    expect(resources).not.toContain('*');
    expect(JSON.stringify(rotationPolicy)).not.toContain('ec2:');
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('AUTH token rotation function'),
      ManagedPolicyArns: Match.arrayWith([{ Ref: eniLogicalId }]),
    });
    const fn = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('CacheAuthTokenRotationFunction'))![1];
    expect(fn.DependsOn).toEqual(expect.arrayContaining([eniLogicalId]));
  });

  test('the checks see the function: a weakened one is reported', () => {
    const { stack } = build({ stackName: 'weakened' });
    const fn = stack.node.findChild('Cache').node.findChild('AuthTokenRotation').node.findChild('Function');
    const cfn = fn.node.defaultChild as import('aws-cdk-lib/aws-lambda').CfnFunction;
    cfn.runtime = 'nodejs20.x';
    cfn.vpcConfig = undefined;
    expect(findings(stack.node.root as import('aws-cdk-lib').App)).toEqual([
      'AwsSolutions-L1 on weakened/Cache/AuthTokenRotation/Function/Resource',
      'HIPAA.Security-LambdaInsideVPC on weakened/Cache/AuthTokenRotation/Function/Resource',
      'NIST.800.53.R4-LambdaInsideVPC on weakened/Cache/AuthTokenRotation/Function/Resource',
      'NIST.800.53.R5-LambdaInsideVPC on weakened/Cache/AuthTokenRotation/Function/Resource',
      'PCI.DSS.321-LambdaInsideVPC on weakened/Cache/AuthTokenRotation/Function/Resource',
    ].sort());
  });
});

describe('cfn-lint', () => {
  const dir = path.join(__dirname, '..', 'cdk.out', 'test-templates');

  test('reports nothing on templates with rotation', () => {
    fs.mkdirSync(dir, { recursive: true });
    const files = [
      ['rotation-defaults', {}],
      ['rotation-cluster-mode-off', { props: () => ({ clusterMode: false }) }],
      ['rotation-egress-subnets', { vpc: egressVpc }],
    ].map(([name, options]) => {
      const file = path.join(dir, `redis-${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify(build(options as Parameters<typeof build>[0]).template.toJSON(), null, 1));
      return file;
    });
    const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', ...files], { encoding: 'utf-8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

/**
 * A secret known by its name only (a partial ARN), under the AWS managed key aws/secretsmanager:
 * rotation needs the key named, or it refuses the secret at synth.
 */
function ownSecretUnderAwsManagedKey(stack: Stack): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretAttributes(stack, 'Token', {
    secretPartialArn: stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'prod/cache/auth', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    encryptionKey: kms.Alias.fromAliasName(stack, 'TokenKey', 'alias/aws/secretsmanager'),
  });
}
