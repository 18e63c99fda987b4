import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { appSecurityGroup, egressVpc, importedVpc, newStack } from './fixtures';
import { acknowledgements, expectedAcknowledgements, findings, teamRotationOptions } from './policy';
import {
  AccessString, CacheAuthentication, CacheUser, SecretRotation, SecretRotationOptions, SecureRedisCluster, SecureRedisClusterProps,
} from '../src';

/** One password user (rotated) and one IAM user (no secret). */
const USERS = CacheAuthentication.users([CacheUser.password('orders-app'), CacheUser.iam('ops-admin')]);
/** Two password users: two secrets, two functions. */
const TWO_PASSWORD_USERS = CacheAuthentication.users([CacheUser.password('orders-app'), CacheUser.password('reporting'), CacheUser.iam('ops-admin')]);

function build(options: {
  props?: Partial<SecureRedisClusterProps>;
  vpc?: (stack: Stack) => ec2.IVpc;
  rotation?: SecretRotationOptions;
  stackName?: string;
} = {}) {
  const { app, stack } = newStack(options.stackName);
  const vpc = (options.vpc ?? importedVpc)(stack);
  const cache = new SecureRedisCluster(stack, 'Cache', {
    vpc,
    allowedConnections: [appSecurityGroup(stack, vpc)],
    authentication: USERS,
    secretRotation: options.rotation ? SecretRotation.enabled(options.rotation) : undefined,
    ...options.props,
  });
  const rotations = app.node.findAll().filter((c) => c instanceof secretsmanager.RotationSchedule);
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

describe('RBAC password rotation wiring (on by default)', () => {
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
      SECRET_ARN: { Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'CacheUserSecretordersapp') },
      ROTATION_MODE: 'userPassword',
      USER_ID: userIdOf(template, 'CacheUserordersapp'),
      // The function authenticates as this user, never as a name read from the secret.
      USER_NAME: 'orders-app',
      SECRET_JSON_FIELD: 'password',
      REPLICATION_GROUP_ID: expect.anything(),
      CACHE_HOST: { 'Fn::GetAtt': [expect.any(String), 'ConfigurationEndPoint.Address'] },
      CACHE_PORT: expect.anything(),
    });
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });

  test('one function per user, with ids that name the user construct', () => {
    const { template } = build({ props: { authentication: TWO_PASSWORD_USERS } });
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
    expect(statements.map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'DescribeNetworkInterfacesAndSubnets', 'CreateInterfacesInOwnSubnets',
      'CreateInterfacesInOwnSubnetsOnly', 'ManageInterfacesInTheVpc', 'ChangeThisUsersPassword', 'KeepThePasswordMode',
      'RotateThisSecret', 'NoOtherSecret', 'UseTheSecretsKey']);
    const userId = userIdOf(template, 'CacheUserordersapp');
    expect(statements[5]).toEqual({
      Sid: 'ChangeThisUsersPassword',
      Effect: 'Allow',
      Action: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:elasticache:us-east-1:123456789012:user:${userId}`]] },
    });
    // The function never switches the user to IAM or to no password.
    expect(statements[6]).toEqual({
      Sid: 'KeepThePasswordMode',
      Effect: 'Deny',
      Action: 'elasticache:ModifyUser',
      Resource: statements[5].Resource,
      Condition: { StringEqualsIgnoreCase: { 'elasticache:UserAuthenticationMode': ['iam', 'no-password-required'] } },
    });
    expect(statements[7]).toMatchObject({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: { Ref: secretId },
    });
    expect(statements[8]).toMatchObject({ Effect: 'Deny', NotResource: { Ref: secretId } });
    expect(statements[9]).toMatchObject({
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

  test('subnets with egress: the endpoints all the same, one pair shared by every rotation function of the cluster', () => {
    const { template } = build({ vpc: egressVpc, props: { authentication: TWO_PASSWORD_USERS } });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    const endpointSg = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheRotationEndpointsSecurityGroup');
    const admitted = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [endpointSg, 'GroupId'] } },
    })).map((r) => [r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0], r.Properties.FromPort]);
    expect(admitted.sort()).toEqual([
      [logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheUserordersappPasswordRotationSecurityGroup'), 443],
      [logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheUserreportingPasswordRotationSecurityGroup'), 443],
    ].sort());
    const urls = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables.SECRETS_MANAGER_ENDPOINT);
    expect(urls).toHaveLength(2);
    expect(urls[0]).toEqual(urls[1]);
  });

  test('rotation changes neither the user, the user group, nor the secrets in the template', () => {
    const without = newStack().stack;
    const withRotation = newStack().stack;
    for (const stack of [without, withRotation]) {
      const vpc = importedVpc(stack);
      new SecureRedisCluster(stack, 'Cache', {
        vpc,
        allowedConnections: [appSecurityGroup(stack, vpc)],
        authentication: USERS,
        secretRotation: stack === withRotation ? undefined : SecretRotation.disabled(),
      });
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
    new SecureRedisCluster(stack, 'Tokens', { vpc });
    new SecureRedisCluster(stack, 'Users', { vpc, authentication: USERS });
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });
});

describe('which passwords rotate', () => {
  test('every password user\'s secret, none for IAM users or the switched-off default user', () => {
    const { template } = build({ props: { authentication: TWO_PASSWORD_USERS } });
    const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    const rotated = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule')).map((r) => r.Properties.SecretId.Ref);
    expect(rotated.sort()).toEqual(secrets.sort());
    expect(secrets).toHaveLength(2);
  });

  test('a default user of your own with a password is rotated too', () => {
    const { stack } = newStack();
    new SecureRedisCluster(stack, 'Cache', {
      vpc: importedVpc(stack),
      authentication: CacheAuthentication.users([CacheUser.password('default', { accessString: AccessString.readOnly() }), CacheUser.password('app')]),
    });
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });

  test('a schedule under 4 hours is refused, as for the AUTH token', () => {
    expect(() => build({ rotation: { schedule: Duration.hours(1) } })).toThrow(/schedule must be whole hours from 4 hours to 1000 days, got 1 hour/);
  });
});

describe('cdk-nag with user password rotation', () => {
  test.each([
    ['one password user', USERS],
    ['two password users', TWO_PASSWORD_USERS],
  ])('%s: no finding; the acknowledgements are the table\'s (AEC6, and those of each function)', (_name, authentication) => {
    const name = 'user-rotation';
    const { app } = build({ stackName: name, props: { authentication } });
    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
    expect(acknowledgements(app)).toContain(`${name}/Cache/Resource: AwsSolutions-AEC6`);
  });

  test('with the team\'s rotation options: nothing acknowledged on the library\'s policies, the team\'s policy acknowledged where it is kept', () => {
    const name = 'user-rotation-team';
    const { app, stack } = newStack(name);
    const vpc = importedVpc(stack);
    new SecureRedisCluster(stack, 'Cache', {
      vpc,
      allowedConnections: [appSecurityGroup(stack, vpc)],
      authentication: TWO_PASSWORD_USERS,
      secretRotation: SecretRotation.enabled(teamRotationOptions(stack)),
    });

    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).filter((a) => !a.includes('/Function/Resource: ')).sort()).toEqual([
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
      const props = { ...options?.props, authentication: TWO_PASSWORD_USERS };
      fs.writeFileSync(file, JSON.stringify(build({ ...options, props }).template.toJSON(), null, 1));
      return file;
    });
    const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', ...files], { encoding: 'utf-8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
