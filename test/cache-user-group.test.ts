import { spawnSync } from 'child_process';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  CacheAuthentication, CacheEngineVersion, CacheUser, CacheUserAuthenticationType, CacheUserGroup, SecretRotation, SecureRedisCluster,
  SecureRedisClusterProps, SecureServerlessCache, SessionStoreCache, SessionStoreDeployment, TransitEncryptionMode,
} from '../src';
import { controlTowerKey, importedVpc, newStack, TEST_ENV } from './fixtures';
import { acknowledgements, controlTowerFailures, expectedAcknowledgements, findings } from './policy';
import { errorHeader, errorOf, expectInvalidConfiguration, expectSecretReadGrant, logicalIdOf } from './support';

const USER = 'AWS::ElastiCache::User';
const USER_GROUP = 'AWS::ElastiCache::UserGroup';
const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';
const SERVERLESS_CACHE = 'AWS::ElastiCache::ServerlessCache';
const SECRET = 'AWS::SecretsManager::Secret';
const ROTATION_SCHEDULE = 'AWS::SecretsManager::RotationSchedule';

/** The replication group of one cluster in a template. */
function groupProps(template: Template, cache: SecureRedisCluster): Record<string, any> {
  return template.findResources(REPLICATION_GROUP)[logicalIdOf(cache.replicationGroup)].Properties;
}

/** The statements of the policies attached to `role`. */
function statementsOf(template: Template, role: iam.Role): Array<Record<string, any>> {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(role) }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const lambdaRole = (stack: Stack, id = 'AppRole') => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });

/** Cache `Orders` creates the users; cache `Reports` shares its group. */
function sharedByTwoCaches() {
  const { app, stack } = newStack();
  const vpc = importedVpc(stack);
  const orders = new SecureRedisCluster(stack, 'Orders', {
    vpc,
    authentication: CacheAuthentication.users([CacheUser.password('app'), CacheUser.iam('reporting')]),
  });
  const reports = new SecureRedisCluster(stack, 'Reports', { vpc, authentication: CacheAuthentication.userGroup(orders.userGroup!) });
  return { app, stack, orders, reports };
}

describe('a user group shared by two caches', () => {
  test('the second cache uses the first one\'s group and creates no user, group or secret of its own', () => {
    const { stack, orders, reports } = sharedByTwoCaches();
    const template = Template.fromStack(stack);

    // One group and its users (default, app, reporting), one secret (the password user's).
    expect(Object.keys(template.findResources(USER_GROUP))).toEqual([logicalIdOf(orders.cfnUserGroup!)]);
    expect(Object.keys(template.findResources(USER))).toHaveLength(3);
    expect(Object.keys(template.findResources(SECRET))).toEqual([logicalIdOf(orders.userSecret('app'))]);
    for (const cache of [orders, reports]) {
      expect(groupProps(template, cache).UserGroupIds).toEqual([{ Ref: logicalIdOf(orders.cfnUserGroup!) }]);
      expect(groupProps(template, cache).AuthToken).toBeUndefined();
    }
    expect(reports.cfnUserGroup).toBeUndefined();
    expect(reports.node.findAll().filter((c) => c.node.id.startsWith('User'))).toEqual([]);
  });

  test('only the owner rotates the password, once', () => {
    const { stack, orders, reports } = sharedByTwoCaches();
    const template = Template.fromStack(stack);

    const schedules = Object.values(template.findResources(ROTATION_SCHEDULE));
    expect(schedules.map((s) => s.Properties.SecretId)).toEqual([{ Ref: logicalIdOf(orders.userSecret('app')) }]);
    expect(reports.node.findAll().some((c) => /Rotation/.test(c.node.id))).toBe(false);
  });

  test('the handle lists every user, the switched-off default included, with the password user\'s secret', () => {
    const { stack, orders } = sharedByTwoCaches();
    const group = orders.userGroup!;

    expect(group.users.map((u) => [u.userName, u.authenticationType, u.secret !== undefined])).toEqual([
      ['default', CacheUserAuthenticationType.PASSWORD, false],
      ['app', CacheUserAuthenticationType.PASSWORD, true],
      ['reporting', CacheUserAuthenticationType.IAM, false],
    ]);
    expect(stack.resolve(group.userGroupId)).toEqual({ Ref: logicalIdOf(orders.cfnUserGroup!) });
    expect(stack.resolve(group.userGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:usergroup:', { Ref: logicalIdOf(orders.cfnUserGroup!) }]],
    });
  });

  test('the second cache grants the owner\'s secret, decryptable for that secret only', () => {
    const { stack, orders, reports } = sharedByTwoCaches();
    const role = lambdaRole(stack);
    reports.grantReadUserSecret(role, 'app');

    expect(reports.userSecret('app')).toBe(orders.userSecret('app'));
    expectSecretReadGrant(Template.fromStack(stack), role, orders.userSecret('app'));
  });

  test('the second cache grants elasticache:Connect on itself and the shared IAM user', () => {
    const { stack, reports } = sharedByTwoCaches();
    const role = lambdaRole(stack);
    reports.grantConnect(role);

    const connect = statementsOf(Template.fromStack(stack), role).filter((st) => st.Action === 'elasticache:Connect');
    expect(connect).toHaveLength(1);
    expect(stack.resolve(reports.replicationGroupArn)).toEqual(connect[0].Resource[0]);
    expect(JSON.stringify(connect[0].Resource[1])).toContain(':user:');
    expect(JSON.stringify(connect[0].Resource[1])).toContain('reporting');
    expect(connect[0].Resource).toHaveLength(2);
  });

  test('a grant on the wrong kind of user still fails at synth, naming the cache', () => {
    const { stack, reports } = sharedByTwoCaches();
    const role = lambdaRole(stack);

    expect(errorOf(() => reports.grantConnect(role, 'app'))).toMatch(errorHeader('TestStack/Reports'));
    expect(errorOf(() => reports.grantConnect(role, 'app'))).toMatch(/user "app" authenticates with a password, not IAM/);
    expect(errorOf(() => reports.userSecret('reporting'))).toMatch(/user "reporting" authenticates with iam and has no secret/);
    expect(errorOf(() => reports.userSecret('nobody'))).toMatch(/has no user "nobody"\. Its users: default, app, reporting\./);
    expect(errorOf(() => reports.userSecret('default'))).toMatch(/user "default" has no secret known here: the switched-off "default" user has none/);
  });

  test('both caches acknowledge AEC6, and nothing else is acknowledged or found under the five packs', () => {
    const { app, reports } = sharedByTwoCaches();
    for (const cache of ['Orders', 'Reports']) {
      (app.node.findChild('TestStack').node.findChild(cache) as SecureRedisCluster).addRecommendedAlarms();
    }

    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
    const reason = JSON.stringify(reports.replicationGroup.node.metadata);
    expect(reason).toContain('app by password, reporting by iam');
    expect(reason).toContain('a user group created by another cache of the app');
  });

  test('Redis OSS caches sharing a group pass the Control Tower rules, and cfn-lint reports nothing on the templates', () => {
    const app = new App();
    const first = new Stack(app, 'First', { env: TEST_ENV });
    const second = new Stack(app, 'Second', { env: TEST_ENV });
    const vpc = importedVpc(first);
    const orders = new SecureRedisCluster(first, 'Orders', {
      vpc,
      engineVersion: CacheEngineVersion.REDIS_7_1,
      encryptionKey: controlTowerKey(first, 'OrdersKey'),
      authentication: CacheAuthentication.users([CacheUser.password('app'), CacheUser.iam('reporting')]),
    });
    new SecureRedisCluster(first, 'Reports', {
      vpc,
      engineVersion: CacheEngineVersion.REDIS_7_1,
      encryptionKey: controlTowerKey(first, 'ReportsKey'),
      authentication: CacheAuthentication.userGroup(orders.userGroup!),
    });
    new SecureRedisCluster(second, 'Archive', {
      vpc: importedVpc(second),
      engineVersion: CacheEngineVersion.REDIS_7_1,
      encryptionKey: controlTowerKey(second, 'ArchiveKey'),
      authentication: CacheAuthentication.userGroup(orders.userGroup!),
    });

    expect(controlTowerFailures(app)).toEqual([]);
    const assembly = app.synth();
    const lint = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--', ...assembly.stacks.map((st) => st.templateFullPath)], { encoding: 'utf-8' });
    expect(lint.error).toBeUndefined();
    expect(lint.stdout + lint.stderr).toBe('');
  });

  test('a serverless cache shares a replication group\'s user group', () => {
    const { stack, orders } = sharedByTwoCaches();
    const serverless = new SecureServerlessCache(stack, 'Serverless', {
      vpc: importedVpc(stack, 'Vpc2'),
      authentication: CacheAuthentication.userGroup(orders.userGroup!),
    });
    const template = Template.fromStack(stack);

    expect(template.findResources(SERVERLESS_CACHE)[logicalIdOf(serverless.node.defaultChild as any)].Properties.UserGroupId)
      .toEqual({ Ref: logicalIdOf(orders.cfnUserGroup!) });
    expect(serverless.cfnUserGroup).toBeUndefined();
    expect(serverless.users).toEqual([]);
    expect(serverless.userSecret('app')).toBe(orders.userSecret('app'));
    expect(Object.keys(template.findResources(USER_GROUP))).toHaveLength(1);
  });

  test('across stacks, the second names the group by its id and deploys after the first, with no export (CT.ELASTICACHE.PR.8 cannot follow one)', () => {
    const app = new App();
    const first = new Stack(app, 'First', { env: TEST_ENV });
    const second = new Stack(app, 'Second', { env: TEST_ENV });
    const orders = new SecureRedisCluster(first, 'Orders', { vpc: importedVpc(first), authentication: CacheAuthentication.users([CacheUser.password('app')]) });
    const reports = new SecureRedisCluster(second, 'Reports', { vpc: importedVpc(second), authentication: CacheAuthentication.userGroup(orders.userGroup!) });
    const sameStack = new SecureRedisCluster(first, 'Reports', { vpc: importedVpc(first, 'Vpc2'), authentication: CacheAuthentication.userGroup(orders.userGroup!) });

    expect(groupProps(Template.fromStack(second), reports).UserGroupIds).toEqual([orders.cfnUserGroup!.userGroupId]);
    expect(second.dependencies).toContain(first);
    expect(Object.keys(Template.fromStack(second).findResources(USER_GROUP))).toEqual([]);
    // In its own stack, the group is named by a reference, which orders the deployment.
    expect(groupProps(Template.fromStack(first), sameStack).UserGroupIds).toEqual([{ Ref: logicalIdOf(orders.cfnUserGroup!) }]);
  });
});

describe('an imported user group', () => {
  function imported(users?: Parameters<typeof CacheUserGroup.fromUserGroupAttributes>[2]['users']) {
    const { app, stack } = newStack();
    const group = users === undefined
      ? CacheUserGroup.fromUserGroupId(stack, 'Users', 'team-users')
      : CacheUserGroup.fromUserGroupAttributes(stack, 'Users', { userGroupId: 'team-users', users });
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), authentication: CacheAuthentication.userGroup(group) });
    return { app, stack, group, cache };
  }

  test('the cache uses it by id and creates no user, group or secret', () => {
    const { stack, group, cache } = imported();
    const template = Template.fromStack(stack);

    expect(groupProps(template, cache).UserGroupIds).toEqual(['team-users']);
    expect(template.findResources(USER)).toEqual({});
    expect(template.findResources(USER_GROUP)).toEqual({});
    expect(template.findResources(SECRET)).toEqual({});
    expect(stack.resolve(group.userGroupArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:us-east-1:123456789012:usergroup:team-users']],
    });
    expect(JSON.stringify(cache.replicationGroup.node.metadata)).toContain('the user group team-users');
  });

  test('grants work on the users it was given: elasticache:Connect for the IAM user, the password user\'s secret with its key', () => {
    const { stack } = newStack();
    const key = new kms.Key(stack, 'TeamKey');
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'TeamSecret', {
      secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team-app-AbCdEf',
      encryptionKey: key,
    });
    const group = CacheUserGroup.fromUserGroupAttributes(stack, 'Users', {
      userGroupId: 'team-users',
      users: [
        { userName: 'reporting', authenticationType: CacheUserAuthenticationType.IAM },
        { userName: 'app', userId: 'team-app', authenticationType: CacheUserAuthenticationType.PASSWORD, secret },
      ],
    });
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), authentication: CacheAuthentication.userGroup(group) });
    const role = lambdaRole(stack);
    cache.grantConnect(role);
    cache.grantReadUserSecret(role, 'app');

    const statements = statementsOf(Template.fromStack(stack), role);
    const connect = statements.find((st) => st.Action === 'elasticache:Connect')!;
    expect(connect.Resource).toHaveLength(2);
    expect(JSON.stringify(connect.Resource[1])).toContain(':user:reporting');
    expect(statements).toContainEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team-app-AbCdEf',
    });
    const decrypt = statements.find((st) => st.Action === 'kms:Decrypt')!;
    expect(decrypt.Condition.StringEquals['kms:EncryptionContext:SecretARN']).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:team-app-AbCdEf');
    expect(group.users.map((u) => u.userId)).toEqual(['reporting', 'team-app']);
  });

  test('a grant the import cannot back fails at synth, naming the cache and the fix', () => {
    const { stack, cache } = imported();
    const role = lambdaRole(stack);

    expect(errorOf(() => cache.grantConnect(role))).toMatch(errorHeader('TestStack/Cache'));
    expect(errorOf(() => cache.grantConnect(role))).toMatch(/has no IAM users\. It was given a user group without IAM users: list them in the users of CacheUserGroup\.fromUserGroupAttributes\(\)/);
    expect(errorOf(() => cache.userSecret('app'))).toMatch(/has no user "app"\. Its users: none/);
    const withoutSecret = imported([{ userName: 'app', authenticationType: CacheUserAuthenticationType.PASSWORD }]);
    expect(errorOf(() => withoutSecret.cache.userSecret('app')))
      .toMatch(/user "app" has no secret known here: .* give secret in the users of CacheUserGroup\.fromUserGroupAttributes\(\)/);
  });

  test('a serverless cache takes it too', () => {
    const { stack } = newStack();
    const group = CacheUserGroup.fromUserGroupId(stack, 'Users', 'team-users');
    const serverless = new SecureServerlessCache(stack, 'Serverless', { vpc: importedVpc(stack), authentication: CacheAuthentication.userGroup(group) });

    expect(Template.fromStack(stack).findResources(SERVERLESS_CACHE)[logicalIdOf(serverless.node.defaultChild as any)].Properties.UserGroupId).toBe('team-users');
  });
});

describe('validation', () => {
  interface Row {
    readonly case: string;
    readonly props: (stack: Stack) => Partial<SecureRedisClusterProps>;
    readonly message: RegExp;
  }
  const group = (stack: Stack, users: Parameters<typeof CacheUserGroup.fromUserGroupAttributes>[2]['users'] = []) =>
    CacheAuthentication.userGroup(CacheUserGroup.fromUserGroupAttributes(stack, 'Users', { userGroupId: 'team-users', users }));
  const iamUser = [{ userName: 'reporting', authenticationType: CacheUserAuthenticationType.IAM }];

  const rows: Row[] = [
    {
      case: 'a user group on Redis OSS 5',
      props: (stack) => ({ engineVersion: CacheEngineVersion.REDIS_5_0_6, clusterMode: false, authentication: group(stack) }),
      message: /a user group needs Valkey or Redis OSS 6\.0\+, not redis 5\.0\.6\. Upgrade the engine, or use CacheAuthentication\.authToken\(\)\./,
    },
    {
      case: 'IAM users on Redis OSS 6.2',
      props: (stack) => ({ engineVersion: CacheEngineVersion.REDIS_6_2, authentication: group(stack, iamUser) }),
      message: /the user group lists IAM users \("reporting"\), which need Valkey 7\.2\+ or Redis OSS 7\.0\+, not redis 6\.2\. Upgrade the engine\./,
    },
    {
      case: 'secretRotation enabled with a group the cache does not own',
      props: (stack) => ({ authentication: group(stack), secretRotation: SecretRotation.enabled() }),
      message: /secretRotation is enabled, but the cache was given a user group whose passwords it does not own: the cache that created the group rotates them .* Leave secretRotation unset\./,
    },
    {
      case: 'transit encryption preferred with a user group',
      props: (stack) => ({ transitEncryptionMode: TransitEncryptionMode.PREFERRED, authentication: group(stack) }),
      message: /transitEncryptionMode 'preferred' cannot be used with RBAC users/,
    },
  ];

  test.each(rows)('$case', ({ props, message }) => {
    expectInvalidConfiguration('TestStack/Cache', message, () => {
      const { stack } = newStack();
      new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), ...props(stack) });
    });
  });

  interface ImportRow {
    readonly case: string;
    readonly attrs: Parameters<typeof CacheUserGroup.fromUserGroupAttributes>[2];
    readonly message: RegExp;
  }
  const importRows: ImportRow[] = [
    { case: 'an id with an underscore', attrs: { userGroupId: 'team_users' }, message: /userGroupId "team_users" must start with a letter and contain only letters, digits and hyphens\./ },
    { case: 'an id of 41 characters', attrs: { userGroupId: `t${'a'.repeat(40)}` }, message: /userGroupId "ta{40}" has 41 characters; ElastiCache allows 1 to 40\./ },
    {
      case: 'a user listed twice',
      attrs: { userGroupId: 'team-users', users: [...iamUser, ...iamUser] },
      message: /users lists "reporting" more than once\. List each user once\./,
    },
    {
      case: 'an IAM user name in uppercase',
      attrs: { userGroupId: 'team-users', users: [{ userName: 'Reporting', authenticationType: CacheUserAuthenticationType.IAM }] },
      message: /IAM user name entry "Reporting" must be lowercase/,
    },
    {
      case: 'an IAM user whose id is not its name',
      attrs: { userGroupId: 'team-users', users: [{ userName: 'reporting', userId: 'other', authenticationType: CacheUserAuthenticationType.IAM }] },
      message: /IAM user "reporting" has userId "other", but an IAM user's id is its name\. Leave userId out\./,
    },
    {
      case: 'a password user id that ElastiCache refuses',
      attrs: { userGroupId: 'team-users', users: [{ userName: 'app', userId: '1app', authenticationType: CacheUserAuthenticationType.PASSWORD }] },
      message: /userId of user "app" "1app" must start with a letter/,
    },
    {
      case: 'a user name with a space',
      attrs: { userGroupId: 'team-users', users: [{ userName: 'orders app', authenticationType: CacheUserAuthenticationType.PASSWORD }] },
      message: /user name "orders app" must be non-empty and contain no spaces\./,
    },
  ];

  test.each(importRows)('import: $case', ({ attrs, message }) => {
    expectInvalidConfiguration('TestStack/Users', message, () => CacheUserGroup.fromUserGroupAttributes(newStack().stack, 'Users', attrs));
  });

  test('an IAM user given a secret is refused', () => {
    const { stack } = newStack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'x');
    expectInvalidConfiguration('TestStack/Users', /IAM user "reporting" is given a secret, but IAM users sign short-lived tokens and have none\./,
      () => CacheUserGroup.fromUserGroupAttributes(stack, 'Users', { userGroupId: 'team-users', users: [{ ...iamUser[0], secret }] }));
  });

  test('a node-based session store refuses a shared group: it wires applications to a user it creates', () => {
    const { stack } = newStack();
    const shared = CacheUserGroup.fromUserGroupId(stack, 'Users', 'team-users');
    expectInvalidConfiguration('TestStack/Sessions',
      /nodeBasedOptions\.authentication is a user group that exists already, but the session store wires its applications to a user it creates itself\./,
      () => new SessionStoreCache(stack, 'Sessions', {
        vpc: importedVpc(stack),
        deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.userGroup(shared) }),
      }));
  });
});
