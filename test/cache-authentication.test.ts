import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  AccessString, AuthToken, CacheAuthentication, CacheEngine, CacheEngineVersion, CacheUser, CacheUserAuthenticationType, SecureRedisCluster,
  SecureRedisClusterProps,
} from '../src';
import { importedVpc, newStack } from './fixtures';
import { acknowledgements, expectedAcknowledgements } from './policy';
import { errorOf, expectExcludesRejectedPunctuation, expectInvalidConfiguration, logicalIdOf, onlyProps, VALID_ID } from './support';
import { defaultCacheId } from '../src/private/ids';

const USER = 'AWS::ElastiCache::User';
const USER_GROUP = 'AWS::ElastiCache::UserGroup';
const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';
const SECRET = 'AWS::SecretsManager::Secret';

type PropsFactory = Partial<SecureRedisClusterProps> | ((stack: Stack) => Partial<SecureRedisClusterProps>);

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly cache: SecureRedisCluster;
  /** The template, synthesized on first read: grant before reading it. */
  readonly template: Template;
}

/** A cluster named `Cache` in `TestStack`, in the fixture VPC. */
function build(props: PropsFactory = {}): Built {
  const { app, stack } = newStack();
  const extra = typeof props === 'function' ? props(stack) : props;
  const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), ...extra });
  let template: Template | undefined;
  return {
    app,
    stack,
    cache,
    get template() {
      template ??= Template.fromStack(stack);
      return template;
    },
  };
}

function withUsers(users: CacheUser[], extra: Partial<SecureRedisClusterProps> = {}): Built {
  return build({ authentication: CacheAuthentication.users(users), ...extra });
}

/**
 * A template value as the deployed string, for values made of literals, `Fn::Join` and
 * `AWS::Partition` only (the fixture environment fixes the account and region).
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const v = value as any;
  if (v?.Ref === 'AWS::Partition') {
    return 'aws';
  }
  if (typeof v?.Ref === 'string') {
    return `<ref of ${v.Ref}>`;
  }
  if (v?.['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'];
    return (parts as unknown[]).map(flatten).join(separator);
  }
  throw new Error(`not a literal, a join, a reference or the partition: ${JSON.stringify(value)}`);
}

interface UserResource {
  readonly logicalId: string;
  readonly props: Record<string, any>;
}

/** The ElastiCache users of a template by user name. */
function usersByName(template: Template): Record<string, UserResource> {
  const result: Record<string, UserResource> = {};
  for (const [logicalId, resource] of Object.entries<any>(template.findResources(USER))) {
    expect(result[resource.Properties.UserName]).toBeUndefined();
    result[resource.Properties.UserName] = { logicalId, props: resource.Properties };
  }
  return result;
}

/** The properties of the only replication group of a template. */
function groupProps(template: Template): Record<string, any> {
  return onlyProps(template, REPLICATION_GROUP);
}

function secretsOf(template: Template): Record<string, any> {
  return template.findResources(SECRET);
}

/** The base of derived user ids: the construct path words and a hash of stack name and path. */
function userIdBase(cache: Construct): string {
  return defaultCacheId(cache, 40);
}

function userArn(userId: string): string {
  return `arn:aws:elasticache:us-east-1:123456789012:user:${userId}`;
}

function groupArn(groupId: string): string {
  return `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${groupId}`;
}

function dynamicReference(secretLogicalId: string): unknown {
  return { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretLogicalId }, ':SecretString:password::}}']] };
}

/** The resources of the `elasticache:Connect` statements granted to a role. */
function connectResources(template: Template, role: iam.IRole): string[] {
  const statements = Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(role) }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: any) => s.Action === 'elasticache:Connect');
  expect(statements).toHaveLength(1);
  expect(statements[0].Effect).toBe('Allow');
  return [statements[0].Resource].flat().map(flatten);
}

function roleIn(stack: Stack, id = 'App'): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
}

/** The construct paths that AwsSolutions-AEC6 flags. */
function aec6Findings(app: App): string[] {
  app.synth();
  return new AwsSolutionsChecks().validateScope(app).violations
    .filter((v) => v.ruleName === 'AwsSolutions-AEC6')
    .flatMap((v) => v.violatingResources.map((r) => `${(r as { constructPath?: string }).constructPath ?? r.resourceLogicalId}`))
    .sort();
}

/** Two password users (one read-only with a short password), one with a given id. */
const PASSWORD_USERS = (): CacheUser[] => [
  CacheUser.password('orders-app'),
  CacheUser.password('reporting', { accessString: AccessString.readOnly('orders:*'), passwordLength: 32 }),
  CacheUser.password('admin', { userId: 'orders-admin', accessString: AccessString.fullAccess() }),
];

describe('AccessString', () => {
  test.each([
    { factory: 'readWrite()', access: AccessString.readWrite(), value: 'on ~* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info' },
    { factory: "readWrite('orders:*')", access: AccessString.readWrite('orders:*'), value: 'on ~orders:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info' },
    { factory: "readWrite('sess:*')", access: AccessString.readWrite('sess:*'), value: 'on ~sess:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info' },
    { factory: 'readOnly()', access: AccessString.readOnly(), value: 'on ~* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info' },
    { factory: "readOnly('orders:*')", access: AccessString.readOnly('orders:*'), value: 'on ~orders:* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info' },
    { factory: 'fullAccess()', access: AccessString.fullAccess(), value: 'on ~* +@all' },
    { factory: 'disabled()', access: AccessString.disabled(), value: 'off -@all' },
    { factory: "of('on ~cache:* +get +set')", access: AccessString.of('on ~cache:* +get +set'), value: 'on ~cache:* +get +set' },
  ])('$factory is "$value"', ({ access, value }) => {
    expect(access.value).toBe(value);
  });

  test('the access string reaches the user resource unchanged', () => {
    const { template } = withUsers([CacheUser.password('ops', { accessString: AccessString.of('on ~ops:* +@read +info') })]);

    expect(usersByName(template).ops.props.AccessString).toBe('on ~ops:* +@read +info');
  });
});

describe('CacheUser and CacheAuthentication factories', () => {
  test('a password user reads and writes by default and has no id or length of its own', () => {
    const user = CacheUser.password('orders-app');

    expect(user.userName).toBe('orders-app');
    expect(user.authenticationType).toBe(CacheUserAuthenticationType.PASSWORD);
    expect(user.accessString.value).toBe(AccessString.readWrite().value);
    expect(user.userId).toBeUndefined();
    expect(user.passwordLength).toBeUndefined();
  });

  test('an IAM user has its name as its id', () => {
    const user = CacheUser.iam('orders-api', { accessString: AccessString.readOnly() });

    expect(user.authenticationType).toBe(CacheUserAuthenticationType.IAM);
    expect(user.userId).toBe('orders-api');
    expect(user.accessString.value).toBe('on ~* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
  });

  test('iam() makes one IAM user per name with the shared access string, readWrite when omitted', () => {
    const shared = CacheAuthentication.iam(['a', 'b'], AccessString.readOnly('x:*'));
    const plain = CacheAuthentication.iam(['c']);

    expect(shared.token).toBeUndefined();
    expect(shared.cacheUsers!.map((u) => [u.userName, u.userId, u.authenticationType, u.accessString.value])).toEqual([
      ['a', 'a', 'iam', 'on ~x:* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info'],
      ['b', 'b', 'iam', 'on ~x:* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info'],
    ]);
    expect(plain.cacheUsers![0].accessString.value).toBe('on ~* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
  });

  test('authToken() without a token generates one; users() keeps the given users', () => {
    const generated = CacheAuthentication.authToken();
    const users = [CacheUser.password('a')];

    expect(generated.token?.secret).toBeUndefined();
    expect(generated.token?.generateOptions).toEqual({});
    expect(generated.cacheUsers).toBeUndefined();
    expect(CacheAuthentication.users(users).cacheUsers).toEqual(users);
    expect(CacheAuthentication.users(users).token).toBeUndefined();
  });
});

describe('CacheAuthentication.users()', () => {
  test('creates one user per given user, plus the disabled default user, all of engine redis (a valkey group rejects a user without a password)', () => {
    const { template } = withUsers(PASSWORD_USERS());
    const users = usersByName(template);

    expect(Object.keys(users).sort()).toEqual(['admin', 'default', 'orders-app', 'reporting']);
    for (const user of Object.values(users)) {
      expect(user.props.Engine).toBe('redis');
    }
    template.hasResourceProperties(USER_GROUP, { Engine: 'redis' });
    expect(users['orders-app'].props.AccessString).toBe('on ~* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
    expect(users.reporting.props.AccessString).toBe('on ~orders:* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
    expect(users.admin.props.AccessString).toBe('on ~* +@all');
  });

  test('a Redis OSS engine gives redis users and a redis user group', () => {
    const { template } = withUsers(PASSWORD_USERS(), { engineVersion: CacheEngineVersion.REDIS_7_1, clusterMode: false });

    const engines = Object.values(usersByName(template)).map((u) => u.props.Engine);
    expect(engines).toEqual(['redis', 'redis', 'redis', 'redis']);
    template.hasResourceProperties(USER_GROUP, { Engine: 'redis' });
    expect(groupProps(template).Engine).toBe('redis');
  });

  test('RBAC works from Redis OSS 6.0 on', () => {
    const { template } = withUsers([CacheUser.password('app')], { engineVersion: CacheEngineVersion.REDIS_6_0, nodeType: 'cache.m6g.large', clusterMode: false });

    expect(Object.keys(usersByName(template)).sort()).toEqual(['app', 'default']);
  });

  test('derives user ids from the replication group id and the user name, and keeps a given id', () => {
    const { template, cache } = withUsers(PASSWORD_USERS());
    const users = usersByName(template);

    expect(users['orders-app'].props.UserId).toBe(`${userIdBase(cache)}-orders-app`);
    expect(users.reporting.props.UserId).toBe(`${userIdBase(cache)}-reporting`);
    expect(users.default.props.UserId).toBe(`${userIdBase(cache)}-default`);
    expect(users.admin.props.UserId).toBe('orders-admin');
  });

  test('derived ids are valid, unique and at most 40 characters for a 40-character group id and awkward names', () => {
    const names = ['Orders.App', 'reporting_service_with_a_very_long_name_indeed', '-edge-', '9lives', 'a'];
    const groupId = 'orders-cache-production-eu-central-0001';
    expect(groupId).toHaveLength(39);
    const { template } = withUsers(names.map((n) => CacheUser.password(n)), { replicationGroupId: `${groupId}x` });
    const ids = Object.values(usersByName(template)).map((u) => u.props.UserId as string);

    expect(ids).toHaveLength(names.length + 1);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(40);
      expect(id).toMatch(VALID_ID);
      expect(id.startsWith('orders-')).toBe(true);
    }
    const users = usersByName(template);
    expect(users['Orders.App'].props.UserId).toMatch(/^orders-cache-.*-orders-app$/);
    expect(users['9lives'].props.UserId).toMatch(/^orders-cache-.*-9lives$/);
    expect(users['-edge-'].props.UserId).toMatch(/^orders-cache-.*-edge$/);
    expect(users.a.props.UserId).toMatch(/^orders-cache-.*-a$/);
  });

  test('password users read their password from their own secret through a dynamic reference, never a literal', () => {
    const { template, cache } = withUsers(PASSWORD_USERS());
    const users = usersByName(template);

    for (const name of ['orders-app', 'reporting', 'admin']) {
      const secretId = logicalIdOf(cache.userSecret(name) as secretsmanager.Secret);
      expect(users[name].props.AuthenticationMode).toEqual({ Type: 'password', Passwords: [dynamicReference(secretId)] });
      expect(users[name].props.Passwords).toBeUndefined();
      expect(users[name].props.NoPasswordRequired).toBeUndefined();
    }
    const secretIds = ['orders-app', 'reporting', 'admin'].map((n) => logicalIdOf(cache.userSecret(n) as secretsmanager.Secret));
    expect(new Set(secretIds).size).toBe(3);
  });

  test('each password user has one secret: JSON with its username and ARN, a generated password, the cluster key', () => {
    const { template, cache } = withUsers(PASSWORD_USERS());
    const users = usersByName(template);
    const secrets = secretsOf(template);

    expect(Object.keys(secrets)).toHaveLength(3);
    for (const [name, length] of [['orders-app', 64], ['reporting', 32], ['admin', 64]] as const) {
      const secret = secrets[logicalIdOf(cache.userSecret(name) as secretsmanager.Secret)].Properties;
      const generate = secret.GenerateSecretString;

      expect(JSON.parse(flatten(generate.SecretStringTemplate))).toEqual({ username: name, user_arn: userArn(users[name].props.UserId) });
      expect(generate.GenerateStringKey).toBe('password');
      expect(generate.PasswordLength).toBe(length);
      expect(generate.IncludeSpace).toBe(false);
      expect(secret.KmsKeyId).toEqual({ 'Fn::GetAtt': [logicalIdOf(cache.encryptionKey), 'Arn'] });
    }
  });

  test('the user ARN in the secret is built from the stack account and region', () => {
    const { template, cache } = withUsers([CacheUser.password('app')]);
    const secret = secretsOf(template)[logicalIdOf(cache.userSecret('app') as secretsmanager.Secret)].Properties;

    expect(secret.GenerateSecretString.SecretStringTemplate).toEqual({
      'Fn::Join': ['', [
        '{"username":"app","user_arn":"arn:',
        { Ref: 'AWS::Partition' },
        `:elasticache:us-east-1:123456789012:user:${userIdBase(cache)}-app"}`,
      ]],
    });
  });

  test('passwords exclude exactly the punctuation ElastiCache rejects', () => {
    const { template } = withUsers([CacheUser.password('app')]);
    const excluded: string = (Object.values<any>(secretsOf(template))[0]).Properties.GenerateSecretString.ExcludeCharacters;

    expectExcludesRejectedPunctuation(excluded);
  });

  test('the added default user cannot log in and needs no password or secret', () => {
    const { template, cache } = withUsers([CacheUser.password('app')]);
    const defaultUser = usersByName(template).default;

    expect(defaultUser.props).toEqual({
      Engine: 'redis',
      UserId: `${userIdBase(cache)}-default`,
      UserName: 'default',
      AccessString: 'off -@all',
      NoPasswordRequired: true,
    });
    expect(Object.keys(secretsOf(template))).toHaveLength(1);
  });

  test('a given user named default is used instead of the disabled one', () => {
    const { template, cache } = withUsers([
      CacheUser.password('default', { accessString: AccessString.readOnly() }),
      CacheUser.password('app'),
    ]);
    const users = usersByName(template);

    expect(Object.keys(users).sort()).toEqual(['app', 'default']);
    expect(users.default.props.AccessString).toBe('on ~* -@all +@read +hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info');
    expect(users.default.props.NoPasswordRequired).toBeUndefined();
    expect(users.default.props.AuthenticationMode).toEqual({
      Type: 'password',
      Passwords: [dynamicReference(logicalIdOf(cache.userSecret('default') as secretsmanager.Secret))],
    });
    expect(Object.keys(secretsOf(template))).toHaveLength(2);
  });

  test('a given disabled default user stays the only default user', () => {
    const { template } = withUsers([CacheUser.password('default', { accessString: AccessString.disabled() }), CacheUser.password('app')]);
    const defaults = Object.values(usersByName(template)).filter((u) => u.props.UserName === 'default');

    expect(Object.keys(usersByName(template))).toHaveLength(2);
    expect(defaults).toHaveLength(1);
    expect(defaults[0].props).toMatchObject({ AccessString: 'off -@all', NoPasswordRequired: true });
  });

  test('one user group holds every user; the replication group uses it and has no AUTH token', () => {
    const { template, cache } = withUsers(PASSWORD_USERS());
    const users = usersByName(template);

    template.resourceCountIs(USER_GROUP, 1);
    const group = Object.values<any>(template.findResources(USER_GROUP))[0].Properties;
    expect(group.Engine).toBe('redis');
    expect(group.UserGroupId).toMatch(VALID_ID);
    expect(group.UserGroupId.length).toBeLessThanOrEqual(40);
    expect([...group.UserIds].sort((a: any, b: any) => a.Ref.localeCompare(b.Ref)))
      .toEqual(Object.values(users).map((u) => ({ Ref: u.logicalId })).sort((a, b) => a.Ref.localeCompare(b.Ref)));

    const props = groupProps(template);
    expect(props.UserGroupIds).toEqual([{ Ref: logicalIdOf(cache.cfnUserGroup!) }]);
    expect(props.AuthToken).toBeUndefined();
    expect(props.TransitEncryptionEnabled).toBe(true);
  });

  test('no AUTH token secret exists, and grantReadAuthToken points to grantReadUserSecret', () => {
    const built = withUsers([CacheUser.password('app')]);
    const { stack, cache } = built;
    const role = roleIn(stack);

    expect(cache.authTokenSecret).toBeUndefined();
    expect(cache.authTokenJsonField).toBeUndefined();
    expect(cache.node.tryFindChild('AuthToken')).toBeUndefined();
    for (const secret of Object.values<any>(secretsOf(built.template))) {
      expect(secret.Properties.Description).not.toMatch(/AUTH token/);
    }
    expect(() => cache.grantReadAuthToken(role)).toThrow(
      /^\[TestStack\/Cache\] has no AUTH token secret to grant access to\. With RBAC users, use grantReadUserSecret\(grantee, userName\)/,
    );
  });

  test('with an AUTH token there is no user group and no user', () => {
    const { template, cache } = build();

    template.resourceCountIs(USER, 0);
    template.resourceCountIs(USER_GROUP, 0);
    expect(cache.userGroup).toBeUndefined();
    expect(groupProps(template).UserGroupIds).toBeUndefined();
  });

  test('userSecret returns the secret of a password user', () => {
    const { cache } = withUsers(PASSWORD_USERS());

    expect(cache.userSecret('orders-app').node.path).toBe('TestStack/Cache/UserSecret:orders-app');
    expect(cache.userSecret('reporting').node.path).toBe('TestStack/Cache/UserSecret:reporting');
    expect(cache.userSecret('orders-app')).not.toBe(cache.userSecret('reporting'));
  });

  test('grantReadUserSecret grants reading that secret only, and decrypting it (not the other user\'s, under the same key) through Secrets Manager', () => {
    const { stack, cache } = withUsers(PASSWORD_USERS());
    const role = roleIn(stack);
    cache.grantReadUserSecret(role, 'reporting');
    const template = Template.fromStack(stack);
    const reporting = logicalIdOf(cache.userSecret('reporting') as secretsmanager.Secret);
    const ordersApp = logicalIdOf(cache.userSecret('orders-app') as secretsmanager.Secret);
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    // Both secrets are under the cluster's key.
    expect(secrets[ordersApp].Properties.KmsKeyId).toEqual(secrets[reporting].Properties.KmsKeyId);

    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.Roles).toEqual([{ Ref: logicalIdOf(role) }]);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    expect(statements).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: { Ref: reporting } },
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: secrets[reporting].Properties.KmsKeyId,
        // Secrets Manager decrypts orders-app's secret with its own ARN as encryption context,
        // which this condition does not match: the role cannot read it.
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': { Ref: reporting } } },
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain(ordersApp);
    // The key policy gains nothing for the role.
    expect(JSON.stringify(template.findResources('AWS::KMS::Key'))).not.toContain(logicalIdOf(role));
  });

  test('userSecret and grantReadUserSecret throw for an IAM user', () => {
    const { stack, cache } = withUsers([CacheUser.password('orders-app'), CacheUser.iam('orders-api')]);
    const role = roleIn(stack);

    expect(() => cache.userSecret('orders-api')).toThrow(/^\[TestStack\/Cache\] user "orders-api" authenticates with iam and has no secret/);
    expect(() => cache.grantReadUserSecret(role, 'orders-api')).toThrow(/^\[TestStack\/Cache\] user "orders-api" authenticates with iam and has no secret/);
  });

  test('userSecret and grantReadUserSecret throw for an unknown user, listing the users', () => {
    const { stack, cache } = withUsers([CacheUser.password('orders-app'), CacheUser.iam('orders-api')]);

    expect(() => cache.userSecret('orders')).toThrow(/^\[TestStack\/Cache\] has no user "orders"\. Its users: default, orders-app, orders-api\./);
    expect(() => cache.grantReadUserSecret(roleIn(stack), 'orders')).toThrow(/^\[TestStack\/Cache\] has no user "orders"/);
  });

  test('userSecret throws on a cluster with an AUTH token', () => {
    const { cache } = build();

    expect(() => cache.userSecret('app')).toThrow(/^\[TestStack\/Cache\] has no user "app"\. Its users: none: the group uses an AUTH token\./);
  });

  test('warns that switching from an AUTH token to users replaces the group', () => {
    const annotations = Annotations.fromStack(withUsers([CacheUser.password('app')]).stack);

    annotations.hasWarning('/TestStack/Cache', Match.stringLikeRegexp('authenticates with RBAC users\\. If it ran with an AUTH token before, CloudFormation replaces it'));
    annotations.hasWarning('/TestStack/Cache', Match.stringLikeRegexp('\\[ack: cdk-secure-elasticache:userGroupReplacesAuthToken\\]'));
  });

  test('does not warn about user groups with an AUTH token', () => {
    const annotations = Annotations.fromStack(build().stack);

    expect(annotations.findWarning('*', Match.stringLikeRegexp('userGroupReplacesAuthToken'))).toEqual([]);
  });

  test('acknowledges AwsSolutions-AEC6 on its own replication group, with the users and the group in the reason', () => {
    const { cache } = withUsers(PASSWORD_USERS());
    const metadata = cache.replicationGroup.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);

    expect(metadata).toHaveLength(1);
    expect(Object.keys(metadata[0].data)).toEqual(['annotation::AwsSolutions-AEC6']);
    const reason: string = metadata[0].data['annotation::AwsSolutions-AEC6'];
    expect(reason).toContain('orders-app by password, reporting by password, admin by password');
    expect(reason).not.toMatch(/default by/);
    expect(reason).toContain(cache.cfnUserGroup!.userGroupId);
  });

  test('acknowledges nothing else: not the users, their secrets, the key, nor another cluster with an AUTH token', () => {
    const { app, stack } = newStack();
    new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), authentication: CacheAuthentication.users(PASSWORD_USERS()) });
    new SecureRedisCluster(stack, 'TokenCache', { vpc: importedVpc(stack, 'Vpc2') });

    // AEC6 on the group with users only; the rest are the rotation functions' entries of the table.
    expect(acknowledgements(app).filter((ack) => !/Rotation\//.test(ack))).toEqual(['TestStack/Cache/Resource: AwsSolutions-AEC6']);
    expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
  });

  test('a cluster with an AUTH token acknowledges no AEC6', () => {
    expect(acknowledgements(build().app).filter((ack) => ack.includes('AEC6'))).toEqual([]);
  });

  test('cdk-nag AwsSolutions reports no AEC6 finding', () => {
    const { app } = withUsers(PASSWORD_USERS());

    expect(aec6Findings(app)).toEqual([]);
  });

  test('AEC6 does flag a replication group with a user group that nobody acknowledged', () => {
    const app = new App();
    const stack = new Stack(app, 'Control');
    new elasticache.CfnReplicationGroup(stack, 'Group', {
      replicationGroupDescription: 'control',
      engine: 'valkey',
      cacheNodeType: 'cache.m7g.large',
      transitEncryptionEnabled: true,
      userGroupIds: ['some-group'],
    });

    expect(aec6Findings(app)).toEqual(['Control/Group']);
  });
});

describe('CacheAuthentication.iam()', () => {
  const iamCluster = (extra: Partial<SecureRedisClusterProps> = {}): Built => build({
    clusterMode: false,
    authentication: CacheAuthentication.iam(['orders-api', 'orders-worker'], AccessString.readWrite('orders:*')),
    ...extra,
  });

  test('creates IAM users whose id is their name, and no secret', () => {
    const { template, cache } = iamCluster();
    const users = usersByName(template);

    expect(Object.keys(users).sort()).toEqual(['default', 'orders-api', 'orders-worker']);
    for (const name of ['orders-api', 'orders-worker']) {
      expect(users[name].props).toEqual({
        Engine: 'redis',
        UserId: name,
        UserName: name,
        AccessString: 'on ~orders:* +@all -@dangerous +info +cluster|slots +cluster|shards +cluster|nodes +cluster|info',
        AuthenticationMode: { Type: 'iam' },
      });
    }
    template.resourceCountIs(SECRET, 0);
    expect(cache.authTokenSecret).toBeUndefined();
    expect(groupProps(template).AuthToken).toBeUndefined();
    expect(groupProps(template).UserGroupIds).toEqual([{ Ref: logicalIdOf(cache.cfnUserGroup!) }]);
  });

  test('IAM users work from Valkey 7.2 and from Redis OSS 7.0', () => {
    const valkey = iamCluster({ engineVersion: CacheEngineVersion.VALKEY_7_2 }).template;
    const redis = iamCluster({ engineVersion: CacheEngineVersion.REDIS_7_0 }).template;

    expect(usersByName(valkey)['orders-api'].props.AuthenticationMode).toEqual({ Type: 'iam' });
    expect(usersByName(redis)['orders-api'].props).toMatchObject({ Engine: 'redis', AuthenticationMode: { Type: 'iam' } });
  });

  test('the AEC6 acknowledgement names the IAM users', () => {
    const { cache, app } = iamCluster();
    const metadata = cache.replicationGroup.node.metadata.find((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);

    expect(metadata?.data['annotation::AwsSolutions-AEC6']).toContain('orders-api by iam, orders-worker by iam');
    expect(acknowledgements(app)).toEqual(['TestStack/Cache/Resource: AwsSolutions-AEC6']);
    expect(aec6Findings(app)).toEqual([]);
  });

  test('grantConnect grants elasticache:Connect on the replication group and every IAM user', () => {
    const { stack, cache } = iamCluster();
    const role = roleIn(stack);
    cache.grantConnect(role);

    expect(connectResources(Template.fromStack(stack), role)).toEqual([
      groupArn(`<ref of ${logicalIdOf(cache.replicationGroup)}>`),
      userArn('orders-api'),
      userArn('orders-worker'),
    ]);
  });

  test('grantConnect with a user name grants that user only', () => {
    const { stack, cache } = iamCluster();
    const role = roleIn(stack);
    cache.grantConnect(role, 'orders-worker');

    expect(connectResources(Template.fromStack(stack), role)).toEqual([groupArn(`<ref of ${logicalIdOf(cache.replicationGroup)}>`), userArn('orders-worker')]);
  });

  test('grantConnect without a name skips password users', () => {
    const { stack, cache } = withUsers([CacheUser.password('orders-app'), CacheUser.iam('orders-api')]);
    const role = roleIn(stack);
    cache.grantConnect(role);

    expect(connectResources(Template.fromStack(stack), role)).toEqual([groupArn(`<ref of ${logicalIdOf(cache.replicationGroup)}>`), userArn('orders-api')]);
  });

  test('grantConnect on a password user throws', () => {
    const { stack, cache } = withUsers([CacheUser.password('orders-app'), CacheUser.iam('orders-api')]);

    expect(() => cache.grantConnect(roleIn(stack), 'orders-app')).toThrow(
      /^\[TestStack\/Cache\] user "orders-app" authenticates with a password, not IAM\. Create it with CacheUser\.iam\(\) to grant elasticache:Connect/,
    );
  });

  test('grantConnect on an unknown user throws', () => {
    const { stack, cache } = iamCluster();

    expect(() => cache.grantConnect(roleIn(stack), 'orders-cron')).toThrow(
      /^\[TestStack\/Cache\] has no user "orders-cron"\. Its users: default, orders-api, orders-worker\./,
    );
  });

  test('grantConnect on a cluster without IAM users throws', () => {
    const passwords = withUsers([CacheUser.password('orders-app')]);
    const token = build();

    for (const { stack, cache } of [passwords, token]) {
      expect(() => cache.grantConnect(roleIn(stack))).toThrow(
        /^\[TestStack\/Cache\] has no IAM users\. Use authentication: CacheAuthentication\.iam\(\[\.\.\.\]\) to connect with IAM/,
      );
    }
  });

  test('a failed grantConnect adds no statement', () => {
    const { stack, cache } = withUsers([CacheUser.password('orders-app')]);
    const role = roleIn(stack);
    expect(() => cache.grantConnect(role)).toThrow();

    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('CacheAuthentication.authToken()', () => {
  const tokenSecret = (stack: Stack) => secretsmanager.Secret.fromSecretNameV2(stack, 'Token', 'prod/cache/auth');

  test('with a secret of your own behaves like the authToken prop', () => {
    const viaProp = build((s) => ({ authToken: AuthToken.fromSecret(tokenSecret(s), 'token') }));
    const viaAuthentication = build((s) => ({ authentication: CacheAuthentication.authToken(AuthToken.fromSecret(tokenSecret(s), 'token')) }));

    expect(viaAuthentication.template.toJSON()).toEqual(viaProp.template.toJSON());
    expect(viaAuthentication.cache.authTokenSecret?.node.path).toBe('TestStack/Token');
    expect(viaAuthentication.cache.authTokenJsonField).toBe('token');
    expect(JSON.stringify(groupProps(viaAuthentication.template).AuthToken)).toMatch(/secret:prod\/cache\/auth:SecretString:token::\}\}/);
    viaAuthentication.template.resourceCountIs(USER, 0);
    viaAuthentication.template.resourceCountIs(SECRET, 0);
    expect(viaAuthentication.cache.userGroup).toBeUndefined();
    expect(acknowledgements(viaAuthentication.app)).toEqual([]);
  });

  test('without a token behaves like the defaults: one generated token', () => {
    const defaults = build();
    const viaAuthentication = build({ authentication: CacheAuthentication.authToken() });

    expect(viaAuthentication.template.toJSON()).toEqual(defaults.template.toJSON());
    viaAuthentication.template.resourceCountIs(SECRET, 1);
    expect(viaAuthentication.cache.authTokenSecret?.node.path).toBe('TestStack/Cache/AuthToken');
  });

  test('a generated token of the wrong length is rejected as with the authToken prop', () => {
    const { stack } = newStack();

    expect(() => new SecureRedisCluster(stack, 'Cache', {
      vpc: importedVpc(stack),
      authentication: CacheAuthentication.authToken(AuthToken.generated({ length: 8 })),
    })).toThrow(/^\[TestStack\/Cache\] invalid configuration:\n {2}- authToken length must be an integer from 16 to 128, got 8\./);
  });
});

describe('validation', () => {
  interface Row {
    readonly case: string;
    readonly props: PropsFactory;
    /** The bad value and the fix. */
    readonly message: RegExp;
  }

  const users = (...list: CacheUser[]) => ({ authentication: CacheAuthentication.users(list) });
  const withId = (id: string) => ({ replicationGroupId: 'orders', ...users(CacheUser.password('app', { userId: id })) });

  const rows: Row[] = [
    {
      case: 'authToken together with authentication',
      props: { authToken: AuthToken.generated(), ...users(CacheUser.password('app')) },
      message: /authToken and authentication are both set\. Give authentication: CacheAuthentication\.authToken\(token\) alone, or authToken alone\./,
    },
    {
      case: 'users() with no user',
      props: users(),
      message: /CacheAuthentication\.users\(\) needs at least one user\. Give the users your clients log in as\./,
    },
    {
      case: 'RBAC on Redis OSS 5.0.6',
      props: { engineVersion: CacheEngineVersion.REDIS_5_0_6, clusterMode: false, ...users(CacheUser.password('app')) },
      message: /RBAC users need Valkey or Redis OSS 6\.0\+, not redis 5\.0\.6\. Upgrade the engine, or use CacheAuthentication\.authToken\(\)\./,
    },
    {
      case: 'IAM on Redis OSS 6.2',
      props: { engineVersion: CacheEngineVersion.REDIS_6_2, clusterMode: false, authentication: CacheAuthentication.iam(['orders-api']) },
      message: /IAM authentication needs Valkey 7\.2\+ or Redis OSS 7\.0\+, not redis 6\.2\. Upgrade the engine, or use password users\./,
    },
    {
      case: 'IAM on Valkey 7.1',
      props: {
        engineVersion: CacheEngineVersion.of(CacheEngine.VALKEY, '7.1', { parameterGroupFamily: 'valkey7' }),
        ...users(CacheUser.password('orders-app'), CacheUser.iam('orders-api')),
      },
      message: /IAM authentication needs Valkey 7\.2\+ or Redis OSS 7\.0\+, not valkey 7\.1\. Upgrade the engine, or use password users\./,
    },
    {
      case: 'duplicate user names',
      props: users(CacheUser.password('app'), CacheUser.iam('app')),
      message: /user names must be unique, but "app" appear more than once\./,
    },
    {
      case: 'duplicate given user ids',
      props: users(CacheUser.password('app', { userId: 'orders-app' }), CacheUser.password('worker', { userId: 'orders-app' })),
      message: /user ids must be unique, but orders-app appear more than once\. Give distinct userId values\./,
    },
    {
      case: 'derived user ids that collide',
      props: { replicationGroupId: 'orders', ...users(CacheUser.password('orders_app'), CacheUser.password('Orders.App')) },
      message: /user ids must be unique, but orders-orders-app appear more than once\. Give distinct userId values\./,
    },
    {
      case: 'a user id equal to the added default user',
      props: withId('orders-default'),
      message: /user ids must be unique, but orders-default appear more than once\. Give distinct userId values\./,
    },
    {
      case: 'user id starting with a digit',
      props: withId('1app'),
      message: /userId of user "app" "1app" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'user id with an underscore',
      props: withId('orders_app'),
      message: /userId of user "app" "orders_app" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'user id with two hyphens in a row',
      props: withId('orders--app'),
      message: /userId of user "app" "orders--app" must not contain two hyphens in a row or end with a hyphen\./,
    },
    {
      case: 'user id ending with a hyphen',
      props: withId('orders-app-'),
      message: /userId of user "app" "orders-app-" must not contain two hyphens in a row or end with a hyphen\./,
    },
    {
      case: 'user id longer than 40 characters',
      props: withId(`o${'a'.repeat(40)}`),
      message: /userId of user "app" "oa{40}" has 41 characters; ElastiCache allows 1 to 40\./,
    },
    {
      case: 'empty user id',
      props: withId(''),
      message: /userId of user "app" "" has 0 characters; ElastiCache allows 1 to 40\./,
    },
    {
      case: 'IAM user name that is not a valid id',
      props: { authentication: CacheAuthentication.iam(['orders_api']) },
      message: /IAM user name \(also its id\) "orders_api" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'IAM user name with uppercase letters',
      props: { authentication: CacheAuthentication.iam(['OrdersApi']) },
      message: /IAM user name \(also its id\) "OrdersApi" must be lowercase \(ElastiCache user ids are\)\. Use "ordersapi"\./,
    },
    {
      case: 'user id default, taken by the built-in user',
      props: { authentication: CacheAuthentication.users([CacheUser.password('app', { userId: 'default' })]) },
      message: /userId of user "app" "default" is taken: every account and Region has a built-in user with that id\. Choose another id\./,
    },
    {
      case: 'IAM user name ending with a hyphen',
      props: { authentication: CacheAuthentication.iam(['orders-']) },
      message: /IAM user name \(also its id\) "orders-" must not contain two hyphens in a row or end with a hyphen\./,
    },
    {
      case: 'IAM user name longer than 40 characters',
      props: { authentication: CacheAuthentication.iam([`i${'a'.repeat(40)}`]) },
      message: /IAM user name \(also its id\) "ia{40}" has 41 characters; ElastiCache allows 1 to 40\./,
    },
    {
      case: 'user name with a space',
      props: users(CacheUser.password('orders app')),
      message: /user name "orders app" must be non-empty and contain no spaces\./,
    },
    {
      case: 'empty user name',
      props: users(CacheUser.password('')),
      message: /user name "" must be non-empty and contain no spaces\./,
    },
    {
      case: 'passwordLength below 16',
      props: users(CacheUser.password('app', { passwordLength: 15 })),
      message: /passwordLength of user "app" must be an integer from 16 to 128, got 15\./,
    },
    {
      case: 'passwordLength above 128',
      props: users(CacheUser.password('app', { passwordLength: 129 })),
      message: /passwordLength of user "app" must be an integer from 16 to 128, got 129\./,
    },
    {
      case: 'passwordLength not an integer',
      props: users(CacheUser.password('app', { passwordLength: 20.5 })),
      message: /passwordLength of user "app" must be an integer from 16 to 128, got 20\.5\./,
    },
  ];

  test.each(rows)('$case', ({ props, message }) => {
    expectInvalidConfiguration('TestStack/Cache', message, () => build(props));
  });

  test('the limits themselves are accepted', () => {
    expect(() => build(users(
      CacheUser.password('short', { passwordLength: 16 }),
      CacheUser.password('long', { passwordLength: 128, userId: `l${'a'.repeat(39)}` }),
      CacheUser.iam(`i${'a'.repeat(39)}`),
    ))).not.toThrow();
  });

  test('every problem of the users is reported in one throw', () => {
    const error = errorOf(() => build(users(
      CacheUser.password('app', { passwordLength: 8 }),
      CacheUser.password('app'),
      CacheUser.iam('bad_name'),
    )));

    expect(error).toMatch(/user names must be unique, but "app" appear more than once/);
    expect(error).toMatch(/IAM user name \(also its id\) "bad_name" must start with a letter/);
    expect(error).toMatch(/passwordLength of user "app" must be an integer from 16 to 128, got 8/);
  });
});

describe('cfn-lint', () => {
  let dir: string;
  const files: string[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-authentication-'));
    const configurations: Record<string, PropsFactory> = {
      'password-users': {
        authentication: CacheAuthentication.users([...PASSWORD_USERS(), CacheUser.password('default', { accessString: AccessString.disabled() })]),
      },
      'iam-users': {
        clusterMode: false,
        authentication: CacheAuthentication.users([CacheUser.iam('orders-api'), CacheUser.iam('orders-worker', { accessString: AccessString.readOnly() })]),
      },
    };
    for (const [name, props] of Object.entries(configurations)) {
      const built = build(props);
      if (name === 'iam-users') {
        built.cache.grantConnect(roleIn(built.stack));
      }
      const file = path.join(dir, `${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify(built.template.toJSON(), null, 1));
      files.push(file);
    }
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function lint(...paths: string[]) {
    return spawnSync('cfn-lint', ['--regions', 'us-east-1', '--', ...paths], { encoding: 'utf-8' });
  }

  test('reports nothing on password users and on IAM users', () => {
    const result = lint(...files);

    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('would report a broken user, so the clean result above means something', () => {
    const template = JSON.parse(fs.readFileSync(files[0], 'utf-8'));
    const user = Object.values<any>(template.Resources).find((r) => r.Type === USER);
    user.Properties.Engine = 'memcached';
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, JSON.stringify(template));

    const result = lint(broken);
    expect(result.stdout).toMatch(/E3030 'memcached' is not one of \['redis', 'valkey'\]/);
    expect(result.status).not.toBe(0);
  });
});
