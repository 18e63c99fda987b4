import { Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AuthToken, CacheAuthentication, CacheUser, SecretRotation, SecureRedisCluster, SecureRedisClusterProps, TransitEncryptionMode,
} from '../src';
import { evaluate, SAMPLE_UUID_FRAGMENT } from './names';
import { buildInFixtureVpc, expectInvalidConfiguration, logicalIdOf, onlyProps, PropsFactory } from './support';

function build(props: PropsFactory<SecureRedisClusterProps> = {}) {
  return buildInFixtureVpc(SecureRedisCluster, 'Cache', props);
}

describe('log groups', () => {
  test('are named under /aws/vendedlogs/elasticache/, by stack, construct and stack UUID, one per log type', () => {
    const { stack, cache } = build();
    const names = evaluate(stack, [cache.slowLogGroup!.logGroupName, cache.engineLogGroup!.logGroupName]);

    expect(names).toEqual([
      expect.stringMatching(new RegExp(`^/aws/vendedlogs/elasticache/TestStack/teststack-cache-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}/slow-log$`)),
      expect.stringMatching(new RegExp(`^/aws/vendedlogs/elasticache/TestStack/teststack-cache-[0-9a-f]{8}-${SAMPLE_UUID_FRAGMENT}/engine-log$`)),
    ]);
    // Delivery goes to the groups by their resolved names.
    const delivery = onlyProps(Template.fromStack(stack), 'AWS::ElastiCache::ReplicationGroup').LogDeliveryConfigurations;
    expect(delivery.map((d: any) => d.DestinationDetails.CloudWatchLogsDetails.LogGroup))
      .toEqual([{ Ref: logicalIdOf(cache.slowLogGroup as logs.LogGroup) }, { Ref: logicalIdOf(cache.engineLogGroup as logs.LogGroup) }]);
  });

  test('keep their names when the group is replaced, so that the logs stay in one place', () => {
    const a = build();
    const b = build({ port: 6390 });

    expect(evaluate(b.stack, b.cache.slowLogGroup!.logGroupName)).toBe(evaluate(a.stack, a.cache.slowLogGroup!.logGroupName));
    expect(evaluate(b.stack, b.cache.replicationGroupId)).not.toBe(evaluate(a.stack, a.cache.replicationGroupId));
  });

  test('your own groups replace the created ones', () => {
    const { stack, cache } = build((s) => ({
      logging: {
        slowLogGroup: logs.LogGroup.fromLogGroupName(s, 'Slow', '/aws/vendedlogs/elasticache/orders/slow'),
        engineLogGroup: logs.LogGroup.fromLogGroupName(s, 'Engine', '/aws/vendedlogs/elasticache/orders/engine'),
      },
    }));
    const template = Template.fromStack(stack);

    // The only log group left is the AUTH token rotation function's.
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup'))).toEqual([expect.stringMatching(/^CacheAuthTokenRotationLogGroup/)]);
    const delivery = onlyProps(template, 'AWS::ElastiCache::ReplicationGroup').LogDeliveryConfigurations;
    expect(delivery.map((d: any) => d.DestinationDetails.CloudWatchLogsDetails.LogGroup))
      .toEqual(['/aws/vendedlogs/elasticache/orders/slow', '/aws/vendedlogs/elasticache/orders/engine']);
    expect(cache.slowLogGroup!.logGroupName).toBe('/aws/vendedlogs/elasticache/orders/slow');
  });
});

describe('users are named, not numbered', () => {
  const users = (...names: string[]) => CacheAuthentication.users(names.map((n) => CacheUser.password(n)));

  /** Every resource of a user or its secret, by logical id. */
  function userResources(props: Partial<SecureRedisClusterProps>): Record<string, unknown> {
    const { stack } = build(props);
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    return Object.fromEntries(Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::ElastiCache::User' || r.Type === 'AWS::SecretsManager::Secret'));
  }

  test('reordering users changes no user and no secret', () => {
    expect(userResources({ authentication: users('reporting', 'orders-app', 'admin') }))
      .toEqual(userResources({ authentication: users('orders-app', 'admin', 'reporting') }));
  });

  test('removing a user removes its user and secret, and changes no other', () => {
    const before = userResources({ authentication: users('orders-app', 'reporting', 'admin') });
    const after = userResources({ authentication: users('orders-app', 'admin') });
    const removed = Object.keys(before).filter((id) => !(id in after));

    expect(removed.sort()).toEqual([expect.stringMatching(/^CacheUserSecretreporting/), expect.stringMatching(/^CacheUserreporting/)].sort());
    for (const [id, resource] of Object.entries(after)) expect(before[id]).toEqual(resource);
  });
});

// Each row: a configuration the service would refuse at deploy or run time, refused at synth.
const rows: Array<{ case: string; props: PropsFactory<SecureRedisClusterProps>; message: RegExp }> = [
  {
    case: 'transitEncryptionMode PREFERRED with RBAC users',
    props: { transitEncryptionMode: TransitEncryptionMode.PREFERRED, authentication: CacheAuthentication.users([CacheUser.password('app')]) },
    message: /transitEncryptionMode 'preferred' cannot be used with RBAC users: .*Keep TransitEncryptionMode\.REQUIRED/,
  },
  {
    case: 'transitEncryptionMode PREFERRED with IAM users',
    props: { transitEncryptionMode: TransitEncryptionMode.PREFERRED, authentication: CacheAuthentication.iam(['orders-api']) },
    message: /transitEncryptionMode 'preferred' cannot be used with RBAC users/,
  },
  {
    case: 'a user name from a token',
    props: { authentication: CacheAuthentication.users([CacheUser.password(Token.asString({ Ref: 'UserName' }))]) },
    message: /user name "\$\{Token\[TOKEN\.\d+\]\}" comes from a token, but user names must be known at synth.*Give the name as a string/,
  },
  {
    case: 'your own slow-log group outside /aws/vendedlogs/',
    props: (s) => ({ logging: { slowLogGroup: logs.LogGroup.fromLogGroupName(s, 'Slow', 'orders-slow-log') } }),
    message: /logging\.slowLogGroup 'orders-slow-log' is not under \/aws\/vendedlogs\/: .*5,120 characters.*Name the group \/aws\/vendedlogs\/elasticache\/\.\.\./,
  },
  {
    case: 'one group for both log types',
    props: (s) => {
      const group = logs.LogGroup.fromLogGroupName(s, 'Both', '/aws/vendedlogs/elasticache/orders');
      return { logging: { slowLogGroup: group, engineLogGroup: group } };
    },
    message: /logging\.slowLogGroup and logging\.engineLogGroup are the same log group\. Give each log type its own group\./,
  },
  {
    case: 'your own group for a log that is off',
    props: (s) => ({ logging: { engineLog: false, engineLogGroup: logs.LogGroup.fromLogGroupName(s, 'Engine', '/aws/vendedlogs/elasticache/e') } }),
    message: /logging\.engineLogGroup is given but the log is off\. Remove engineLogGroup, or turn the log on\./,
  },
  {
    case: 'a retention for groups that are all your own',
    props: (s) => ({
      logging: {
        retention: logs.RetentionDays.ONE_MONTH,
        slowLogGroup: logs.LogGroup.fromLogGroupName(s, 'Slow', '/aws/vendedlogs/elasticache/s'),
        engineLogGroup: logs.LogGroup.fromLogGroupName(s, 'Engine', '/aws/vendedlogs/elasticache/e'),
      },
    }),
    message: /logging\.retention applies to the log groups the construct creates, but both groups are your own/,
  },
  {
    case: 'rotating an AUTH token whose secret was imported without its key',
    props: (s) => ({
      authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretNameV2(s, 'Token', 'orders/token')),
      secretRotation: SecretRotation.enabled(),
    }),
    message: /secretRotation is enabled, but the AUTH token secret .* was given without its KMS key.*AccessDenied.*fromSecretAttributes\(this, id, \{ secretCompleteArn, encryptionKey \}\)/,
  },
];

test.each(rows)('$case is refused at synth', ({ props, message }) => {
  expectInvalidConfiguration('TestStack/Cache', message, () => build(props));
});

test('an imported AUTH token secret with its key rotates, with the key granted to the function', () => {
  const { stack } = build((s) => ({
    authToken: AuthToken.fromSecret(secretsmanager.Secret.fromSecretAttributes(s, 'Token', {
      secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/token-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(s, 'TokenKey', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    })),
    secretRotation: SecretRotation.enabled(),
  }));
  const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
    .concat(Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy')))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);

  expect(statements).toContainEqual(expect.objectContaining({
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  }));
});
