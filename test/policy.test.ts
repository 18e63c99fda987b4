import { Validations } from 'aws-cdk-lib';
import { acknowledgements, findings } from './policy';
import { REDIS_CONFIGURATIONS, newStack } from './fixtures';

/**
 * The rules that a generated AUTH token secret fails until the library ships its rotation
 * function: Secrets Manager rotation is checked by AwsSolutions-SMG4 and by the HIPAA Security and
 * NIST 800-53 R5 packs. Nothing else may be found, and nothing is acknowledged.
 */
function rotationFindings(stackName: string): string[] {
  return [
    `AwsSolutions-SMG4 on ${stackName}/Cache/AuthToken/Resource`,
    `HIPAA.Security-SecretsManagerRotationEnabled on ${stackName}/Cache/AuthToken/Resource`,
    `NIST.800.53.R5-SecretsManagerRotationEnabled on ${stackName}/Cache/AuthToken/Resource`,
  ];
}

describe('SecureRedisCluster under AwsSolutions, HIPAA Security, NIST 800-53 R4/R5 and PCI DSS 3.2.1', () => {
  test.each(REDIS_CONFIGURATIONS.filter((c) => c.name !== 'own-secret'))('$name: only the secret-rotation findings, none acknowledged', (config) => {
    const { app, stack } = newStack(config.name);
    config.build(stack);

    expect(findings(app)).toEqual(rotationFindings(config.name));
    expect(acknowledgements(app)).toEqual([]);
  });

  test('own-secret: zero findings', () => {
    const config = REDIS_CONFIGURATIONS.find((c) => c.name === 'own-secret')!;
    const { app, stack } = newStack(config.name);
    config.build(stack);

    expect(findings(app)).toEqual([]);
    expect(acknowledgements(app)).toEqual([]);
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
    const group = stack.node.findChild('Cache').node.defaultChild as import('aws-cdk-lib/aws-elasticache').CfnReplicationGroup;
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
});
