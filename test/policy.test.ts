import { App, Validations } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, RepresentativeConfiguration, SESSION_STORE_CONFIGURATIONS, newStack } from './fixtures';
import { acknowledgements, findings } from './policy';

/**
 * The rules that a secret the library generates fails unless `addAuthTokenRotation()` is used
 * (and a rotation function brings findings of its own, see test/auth-token-rotation.test.ts):
 * Secrets Manager rotation is checked by AwsSolutions-SMG4 and by the HIPAA Security and NIST
 * 800-53 R5 packs. Nothing else may be found, and nothing is acknowledged.
 */
const ROTATION_RULES = [
  'AwsSolutions-SMG4',
  'HIPAA.Security-SecretsManagerRotationEnabled',
  'NIST.800.53.R5-SecretsManagerRotationEnabled',
];

function rotationFindings(app: App): string[] {
  return app.node.findAll()
    .filter((c): c is secretsmanager.CfnSecret => c instanceof secretsmanager.CfnSecret)
    .flatMap((secret) => ROTATION_RULES.map((rule) => `${rule} on ${secret.node.path}`))
    .sort();
}

/**
 * The one acknowledgement the library makes: AwsSolutions-AEC6 on its own replication group when
 * clients authenticate as RBAC or IAM users, since AEC6 only recognizes AUTH tokens and
 * ElastiCache rejects a token together with a user group.
 */
function userGroupAcknowledgements(app: App): string[] {
  return app.node.findAll()
    .filter((c): c is elasticache.CfnReplicationGroup => c instanceof elasticache.CfnReplicationGroup && c.userGroupIds !== undefined)
    .map((group) => `${group.node.path}: AwsSolutions-AEC6`);
}

const ALL: Array<[string, RepresentativeConfiguration]> = [
  ...REDIS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SecureRedisCluster', c]),
  ...MEMCACHED_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['ShardedMemcached', c]),
  ...SESSION_STORE_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SessionStoreCache', c]),
];

describe('AwsSolutions, HIPAA Security, NIST 800-53 R4/R5 and PCI DSS 3.2.1', () => {
  test.each(ALL.map(([construct, config]) => [construct, config.name, config] as const))(
    '%s %s: no finding but the secret-rotation ones, no acknowledgement but AEC6 for user groups', (_construct, _name, config) => {
      const { app, stack } = newStack(config.name);
      config.build(stack);

      expect(findings(app)).toEqual(rotationFindings(app));
      expect(acknowledgements(app)).toEqual(userGroupAcknowledgements(app));
    },
  );

  test('the rotation findings are exactly the generated secrets: none with a secret of your own, none for Memcached', () => {
    const own = REDIS_CONFIGURATIONS.find((c) => c.name === 'own-secret')!;
    const { app, stack } = newStack(own.name);
    own.build(stack);
    const memcached = newStack('memcached');
    MEMCACHED_CONFIGURATIONS[0].build(memcached.stack);
    const defaults = newStack('defaults');
    REDIS_CONFIGURATIONS[0].build(defaults.stack);

    expect(findings(app)).toEqual([]);
    expect(findings(memcached.app)).toEqual([]);
    expect(findings(defaults.app)).toEqual(ROTATION_RULES.map((r) => `${r} on defaults/Cache/AuthToken/Resource`).sort());
  });

  test('acknowledgements are detected, so the zero above means something', () => {
    const { app, stack } = newStack('acknowledged');
    REDIS_CONFIGURATIONS[0].build(stack);
    Validations.of(stack.node.findChild('Cache')).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test' });

    expect(acknowledgements(app)).toHaveLength(1);
    expect(findings(app)).not.toContain('AwsSolutions-SMG4 on acknowledged/Cache/AuthToken/Resource');
  });

  test('the checks do see the library\'s resources: a weakened group is reported', () => {
    const config = REDIS_CONFIGURATIONS.find((c) => c.name === 'own-secret')!;
    const { app, stack } = newStack('weakened');
    config.build(stack);
    const group = stack.node.findChild('Cache').node.defaultChild as elasticache.CfnReplicationGroup;
    group.multiAzEnabled = false;
    group.snapshotRetentionLimit = 1;
    group.port = 6379;
    group.engine = 'redis';

    expect(findings(app)).toEqual([
      'AwsSolutions-AEC4 on weakened/Cache/Resource',
      'AwsSolutions-AEC5 on weakened/Cache/Resource',
      'HIPAA.Security-ElastiCacheRedisClusterAutomaticBackup on weakened/Cache/Resource',
      'NIST.800.53.R4-ElastiCacheRedisClusterAutomaticBackup on weakened/Cache/Resource',
      'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup on weakened/Cache/Resource',
    ]);
  });

  test('a Memcached cluster on the well-known port is reported', () => {
    const { app, stack } = newStack('memcached-default-port');
    MEMCACHED_CONFIGURATIONS[0].build(stack);
    (stack.node.findChild('Cache').node.defaultChild as elasticache.CfnCacheCluster).port = 11211;

    expect(findings(app)).toEqual(['AwsSolutions-AEC5 on memcached-default-port/Cache/Resource']);
  });
});
