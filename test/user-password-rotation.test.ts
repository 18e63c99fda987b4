import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { appSecurityGroup, egressVpc, importedVpc, newStack } from './fixtures';
import { acknowledgements, findings, teamRotationOptions } from './policy';
import { AuthTokenRotationOptions, CacheAuthentication, CacheUser, AccessString, SecureRedisCluster, SecureRedisClusterProps } from '../src';

const USERS = CacheAuthentication.users([CacheUser.password('orders-app'), CacheUser.password('reporting'), CacheUser.iam('ops-admin')]);

function build(options: {
  props?: Partial<SecureRedisClusterProps>;
  vpc?: (stack: Stack) => ec2.IVpc;
  users?: string[];
  rotation?: AuthTokenRotationOptions;
  stackName?: string;
} = {}) {
  const { app, stack } = newStack(options.stackName);
  const vpc = (options.vpc ?? importedVpc)(stack);
  const cache = new SecureRedisCluster(stack, 'Cache', {
    vpc, allowedConnections: [appSecurityGroup(stack, vpc)], authentication: USERS, ...options.props,
  });
  const rotations = (options.users ?? ['orders-app']).map((u) => cache.addUserPasswordRotation(u, options.rotation));
  return { app, stack, cache, rotations, template: Template.fromStack(stack) };
}

function logicalId(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The user id of the CfnUser whose logical id contains `fragment`. */
function userIdOf(template: Template, fragment: string): string {
  return template.findResources('AWS::ElastiCache::User')[logicalId(template, 'AWS::ElastiCache::User', fragment)].Properties.UserId;
}

describe('addUserPasswordRotation wiring', () => {
  test('a rotation schedule of 30 days on the user\'s secret, started once the group exists', () => {
    const { template, cache, rotations } = build();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'CacheUserSecretordersapp');
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'CacheUserordersappPasswordRotationFunction');
    const groupId = logicalId(template, 'AWS::ElastiCache::ReplicationGroup', 'Cache');
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
    expect(cache.userSecret('orders-app').secretArn).toBeDefined();
    expect(rotations).toHaveLength(1);
  });

  test('the same bundled function, in userPassword mode for this user, with the group\'s endpoint', () => {
    const { template } = build({ rotation: { schedule: Duration.days(7) } });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const env = fn.Properties.Environment.Variables;
    expect(env).toMatchObject({
      ROTATION_MODE: 'userPassword',
      USER_ID: userIdOf(template, 'CacheUserordersapp'),
      SECRET_JSON_FIELD: 'password',
      REPLICATION_GROUP_ID: expect.anything(),
      CACHE_HOST: { 'Fn::GetAtt': [expect.any(String), 'ConfigurationEndPoint.Address'] },
      CACHE_PORT: expect.anything(),
    });
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });

  test('one function per user, with ids that name the user construct', () => {
    const { template } = build({ users: ['orders-app', 'reporting'] });
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const fns = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns).map((id) => id.replace(/Function[0-9A-F]{8}$/, '')).sort())
      .toEqual(['CacheUserordersappPasswordRotation', 'CacheUserreportingPasswordRotation']);
    expect(Object.values(fns).map((f) => f.Properties.Environment.Variables.USER_ID).sort())
      .toEqual([userIdOf(template, 'CacheUserordersapp'), userIdOf(template, 'CacheUserreporting')].sort());
  });

  test('least privilege: ModifyUser and DescribeUsers on this user only, this secret only, its key through Secrets Manager only', () => {
    const { template } = build();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'CacheUserSecretordersapp');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'CacheKey');
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const statements = Object.values(policies)[0].Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
    expect(statements.map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'VpcNetworkInterfaces', 'ChangeThisUsersPassword', 'RotateThisSecret', 'UseTheSecretsKey']);
    const userId = userIdOf(template, 'CacheUserordersapp');
    expect(statements[2]).toEqual({
      Sid: 'ChangeThisUsersPassword',
      Effect: 'Allow',
      Action: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:elasticache:us-east-1:123456789012:user:${userId}`]] },
    });
    expect(statements[3]).toMatchObject({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: { Ref: secretId },
    });
    expect(statements[4]).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
    });
    // No inline policies, nothing on the replication group or other users.
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(JSON.stringify(statements)).not.toMatch(/ModifyReplicationGroup|replicationgroup|CacheUserSecretreporting/);
  });

  test('the cache admits the function on its port; isolated subnets get endpoints without private DNS', () => {
    const { template } = build();
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', { PrivateDnsEnabled: false });
    const fnSg = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheUserordersappPasswordRotationSecurityGroup');
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourceSecurityGroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] },
      FromPort: 6380,
      ToPort: 6380,
    });
  });

  test('subnets with egress: no endpoints', () => {
    const { template } = build({ vpc: egressVpc });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  test('rotation changes neither the user, the user group, nor the secrets in the template', () => {
    const without = newStack().stack;
    const withRotation = newStack().stack;
    for (const stack of [without, withRotation]) {
      const vpc = importedVpc(stack);
      const cache = new SecureRedisCluster(stack, 'Cache', { vpc, allowedConnections: [appSecurityGroup(stack, vpc)], authentication: USERS });
      if (stack === withRotation) cache.addUserPasswordRotation('orders-app');
    }
    for (const type of ['AWS::ElastiCache::User', 'AWS::ElastiCache::UserGroup', 'AWS::SecretsManager::Secret', 'AWS::ElastiCache::ReplicationGroup']) {
      expect(Template.fromStack(withRotation).findResources(type)).toEqual(Template.fromStack(without).findResources(type));
    }
  });

  test('the user\'s password in the template is a dynamic reference without version: CloudFormation resolves AWSCURRENT', () => {
    const { template } = build();
    const user = template.findResources('AWS::ElastiCache::User')[logicalId(template, 'AWS::ElastiCache::User', 'CacheUserordersapp')];
    const [, parts] = user.Properties.AuthenticationMode.Passwords[0]['Fn::Join'];
    expect(parts[0]).toBe('{{resolve:secretsmanager:');
    expect(parts[2]).toBe(':SecretString:password::}}');
  });

  test('works next to the AUTH token rotation of another cluster in the same stack', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    new SecureRedisCluster(stack, 'Tokens', { vpc }).addAuthTokenRotation();
    new SecureRedisCluster(stack, 'Users', { vpc, authentication: USERS }).addUserPasswordRotation('reporting');
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });
});

describe('addUserPasswordRotation errors', () => {
  interface ErrorRow {
    readonly case: string;
    readonly props?: Partial<SecureRedisClusterProps>;
    readonly userName: string;
    readonly options?: AuthTokenRotationOptions;
    readonly twice?: boolean;
    readonly message: RegExp;
  }
  const rows: ErrorRow[] = [
    {
      case: 'an unknown user',
      userName: 'nobody',
      message: /^\[TestStack\/Cache\] invalid configuration:\n {2}- addUserPasswordRotation\('nobody'\): the group has no user 'nobody'\. Its password users: orders-app, reporting\.$/,
    },
    {
      case: 'an IAM user',
      userName: 'ops-admin',
      message: /^\[TestStack\/Cache\] invalid configuration:\n {2}- addUserPasswordRotation\('ops-admin'\): 'ops-admin' is an IAM user and has no password to rotate/,
    },
    {
      case: 'the switched-off default user',
      userName: 'default',
      message: /^\[TestStack\/Cache\] invalid configuration:\n {2}- addUserPasswordRotation\('default'\): the 'default' user is switched off and needs no password: it has none to rotate\.$/,
    },
    {
      case: 'called twice for the same user',
      userName: 'orders-app',
      twice: true,
      message: /^\[TestStack\/Cache\] invalid configuration:\n {2}- addUserPasswordRotation\('orders-app'\) was already called\. A secret has one rotation schedule: call it once per user, with all options\.$/,
    },
    {
      case: 'a cluster that uses an AUTH token',
      props: { authentication: CacheAuthentication.authToken() },
      userName: 'orders-app',
      message: /^\[TestStack\/Cache\] invalid configuration:\n {2}- addUserPasswordRotation\('orders-app'\) rotates the password of an RBAC user, but this group authenticates with an AUTH token\. Use addAuthTokenRotation\(\) to rotate the AUTH token\.$/,
    },
    {
      case: 'a schedule under 4 hours, as for the AUTH token',
      userName: 'orders-app',
      options: { schedule: Duration.hours(1) },
      message: /schedule must be whole hours from 4 hours to 1000 days, got 1 hour/,
    },
  ];

  test.each(rows)('$case', (row) => {
    const { stack } = newStack();
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), authentication: USERS, ...row.props });
    if (row.twice) cache.addUserPasswordRotation(row.userName);
    expect(() => cache.addUserPasswordRotation(row.userName, row.options)).toThrow(row.message);
  });

  test('addAuthTokenRotation on a users cluster points to addUserPasswordRotation', () => {
    const { stack } = newStack();
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), authentication: USERS });
    expect(() => cache.addAuthTokenRotation()).toThrow(/or addUserPasswordRotation\(userName\) to rotate the password of an RBAC user/);
  });

  test('a default user of your own with a password can be rotated', () => {
    const { stack } = newStack();
    const cache = new SecureRedisCluster(stack, 'Cache', {
      vpc: importedVpc(stack),
      authentication: CacheAuthentication.users([CacheUser.password('default', { accessString: AccessString.readOnly() }), CacheUser.password('app')]),
    });
    expect(() => cache.addUserPasswordRotation('default')).not.toThrow();
  });
});

describe('cdk-nag with user password rotation', () => {
  test('the rotated secret\'s SMG4 / SecretsManagerRotationEnabled findings are gone; only the token rotation\'s residual findings remain', () => {
    const name = 'user-rotation';
    const { app } = build({ stackName: name, users: ['orders-app'] });
    expect(findings(app)).toEqual([
      // The same residual findings as the AUTH token rotation (see auth-token-rotation.test.ts).
      `AwsSolutions-IAM5[Resource::*] on ${name}/Cache/User:orders-appPasswordRotation/Policy/Resource`,
      // The secret of the user without rotation.
      `AwsSolutions-SMG4 on ${name}/Cache/UserSecret:reporting/Resource`,
      `HIPAA.Security-LambdaDLQ on ${name}/Cache/User:orders-appPasswordRotation/Function/Resource`,
      `HIPAA.Security-SecretsManagerRotationEnabled on ${name}/Cache/UserSecret:reporting/Resource`,
      `NIST.800.53.R5-LambdaDLQ on ${name}/Cache/User:orders-appPasswordRotation/Function/Resource`,
      `NIST.800.53.R5-SecretsManagerRotationEnabled on ${name}/Cache/UserSecret:reporting/Resource`,
    ].sort());
    expect(acknowledgements(app)).toEqual([`${name}/Cache/Resource: AwsSolutions-AEC6`]);
  });

  test('every password user rotated: no secret finding left', () => {
    const name = 'user-rotation-all';
    const { app } = build({ stackName: name, users: ['orders-app', 'reporting'] });
    const result = findings(app as App);
    expect(result).toEqual([
      `AwsSolutions-IAM5[Resource::*] on ${name}/Cache/User:orders-appPasswordRotation/Policy/Resource`,
      `AwsSolutions-IAM5[Resource::*] on ${name}/Cache/User:reportingPasswordRotation/Policy/Resource`,
      `HIPAA.Security-LambdaDLQ on ${name}/Cache/User:orders-appPasswordRotation/Function/Resource`,
      `HIPAA.Security-LambdaDLQ on ${name}/Cache/User:reportingPasswordRotation/Function/Resource`,
      `NIST.800.53.R5-LambdaDLQ on ${name}/Cache/User:orders-appPasswordRotation/Function/Resource`,
      `NIST.800.53.R5-LambdaDLQ on ${name}/Cache/User:reportingPasswordRotation/Function/Resource`,
    ].sort());
  });
});

describe('cdk-nag with user password rotation and the team\'s rotation options', () => {
  test('RBAC users, every password user rotated: no finding; only the team\'s policy and the construct\'s AEC6 are acknowledged', () => {
    const name = 'user-rotation-team';
    const { app, stack } = newStack(name);
    const vpc = importedVpc(stack);
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc, allowedConnections: [appSecurityGroup(stack, vpc)], authentication: USERS });
    const options = teamRotationOptions(stack);
    cache.addUserPasswordRotation('orders-app', options);
    cache.addUserPasswordRotation('reporting', options);

    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).sort()).toEqual([
      `${name}/Cache/Resource: AwsSolutions-AEC6`,
      `${name}/VpcFunctions: AwsSolutions-IAM5[Resource::*]`,
    ]);
  });
});

describe('cfn-lint', () => {
  test('reports nothing on templates with user password rotation', () => {
    const dir = path.join(__dirname, '..', 'cdk.out', 'test-templates');
    fs.mkdirSync(dir, { recursive: true });
    const files = ([
      ['user-rotation-isolated', {}],
      ['user-rotation-egress', { vpc: egressVpc, props: { clusterMode: false } }],
    ] as Array<[string, Parameters<typeof build>[0]]>).map(([name, options]) => {
      const file = path.join(dir, `redis-${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify(build({ ...options, users: ['orders-app', 'reporting'] }).template.toJSON(), null, 1));
      return file;
    });
    const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', ...files], { encoding: 'utf-8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
