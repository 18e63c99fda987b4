import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import {
  importedVpc, MEMCACHED_CONFIGURATIONS, newStack, REDIS_CONFIGURATIONS, RepresentativeConfiguration, SERVERLESS_CONFIGURATIONS,
  SESSION_STORE_CONFIGURATIONS,
} from './fixtures';
import { acknowledgements, expectedAcknowledgements, findings } from './policy';
import { AuthToken, SecretRotation, SecureRedisCluster, SecureServerlessCache, SessionStoreCache, SessionStoreDeployment, ShardedMemcached } from '../src';
import { ACKNOWLEDGEMENTS } from '../src/private/acknowledgements';
import { ROTATION_RULES } from '../src/private/secret-rotation';

const ALL: Array<[string, RepresentativeConfiguration]> = [
  ...REDIS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SecureRedisCluster', c]),
  ...MEMCACHED_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['ShardedMemcached', c]),
  ...SESSION_STORE_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SessionStoreCache', c]),
  ...SERVERLESS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SecureServerlessCache', c]),
];

describe('AwsSolutions, HIPAA Security, NIST 800-53 R4/R5 and PCI DSS 3.2.1', () => {
  test.each(ALL.map(([construct, config]) => [construct, config.name, config] as const))(
    '%s %s: no finding; the acknowledgements are exactly the table\'s entries', (_construct, _name, config) => {
      const { app, stack } = newStack(config.name);
      config.build(stack);

      expect(findings(app)).toEqual([]);
      expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
    },
  );

  test.each<[string, (stack: Stack, vpc: ec2.IVpc) => void]>([
    ['SecureRedisCluster', (stack, vpc) => new SecureRedisCluster(stack, 'C', { vpc }).addRecommendedAlarms()],
    ['ShardedMemcached', (stack, vpc) => new ShardedMemcached(stack, 'C', { vpc }).addRecommendedAlarms()],
    ['node-based SessionStoreCache', (stack, vpc) => new SessionStoreCache(stack, 'C', { vpc }).addRecommendedAlarms()],
    ['serverless SessionStoreCache', (stack, vpc) =>
      new SessionStoreCache(stack, 'C', { vpc, deployment: SessionStoreDeployment.serverless() }).addRecommendedAlarms()],
    ['SecureServerlessCache', (stack, vpc) => new SecureServerlessCache(stack, 'C', { vpc }).addRecommendedAlarms()],
  ])('bare defaults of %s with addRecommendedAlarms(): no finding, nothing acknowledged by the user', (name, build) => {
    const { app, stack } = newStack(name.replace(/ /g, '-'));
    build(stack, importedVpc(stack));

    expect(findings(app)).toEqual([]);
    // Every acknowledgement is the library's, on its own resources, from the table.
    expect(acknowledgements(app).sort()).toEqual(expectedAcknowledgements(app));
    // The alarms notify the construct's own encrypted topic.
    const template = app.synth().getStackByName(stack.stackName).template;
    const topics = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    expect(topics[0].Properties.KmsMasterKeyId).toBeDefined();
    const alarms = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
      expect(alarm.Properties.OKActions).toHaveLength(1);
    }
  });

  test('every acknowledgement in src/ is made through the table', () => {
    const src = path.join(__dirname, '..', 'src');
    const files = fs.readdirSync(src, { recursive: true, encoding: 'utf-8' }).filter((f) => f.endsWith('.ts'));
    const writers = files.filter((f) => /import \{[^}]*\bValidations\b[^}]*\} from 'aws-cdk-lib'/.test(fs.readFileSync(path.join(src, f), 'utf-8')));
    expect(writers).toEqual([path.join('private', 'acknowledgements.ts')]);
  });

  test.each(Object.entries(ACKNOWLEDGEMENTS))('the table\'s entry %s names exact findings and cites AWS documentation', (_name, entry) => {
    expect(entry.ids.length).toBeGreaterThan(0);
    for (const id of entry.ids) {
      // A rule of one pack; IAM5 only with the exact finding.
      expect(id).toMatch(/^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R[45]|PCI\.DSS\.321)-[A-Za-z0-9]+(\[Resource::\*\])?$/);
      if (id.startsWith('AwsSolutions-IAM5')) expect(id).toBe('AwsSolutions-IAM5[Resource::*]');
    }
    expect(entry.source).toMatch(/(user|developer) guide|Service Authorization Reference/);
  });

  test('the wildcard of the rotation policy is on the EC2 actions without resource-level permissions, or held by conditions', () => {
    const { app, stack } = newStack('wildcard');
    new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack) });
    const template = app.synth().getStackByName('wildcard').template;
    const policyId = stack.resolve((stack.node.findChild('Cache').node.findChild('AuthTokenRotation').node.findChild('Policy')
      .node.defaultChild as iam.CfnManagedPolicy).logicalId);
    const policy = template.Resources[policyId];
    const statements: any[] = policy.Properties.PolicyDocument.Statement;
    const onEverything = statements.filter((st) => [st.Resource].flat().includes('*'));
    expect(onEverything.filter((st) => !st.Condition).map((st) => st.Action))
      .toEqual([['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']]);
    expect(onEverything.filter((st) => st.Condition).map((st) => Object.keys(st.Condition.ArnEquals)))
      .toEqual([['ec2:Subnet'], ['ec2:Vpc']]);
    // CreateNetworkInterface names the function's subnets and its security group.
    const create = statements.find((st) => st.Sid === 'CreateInterfacesInOwnSubnets');
    expect(JSON.stringify(create.Resource)).toContain(':subnet/subnet-0a000000000000001');
    expect(JSON.stringify(create.Resource)).toContain(':security-group/');
  });

  test('acknowledgements are detected, so the zeros above mean something', () => {
    const { app, stack } = newStack('acknowledged');
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), secretRotation: SecretRotation.disabled() });
    Validations.of(cache.authTokenSecret!).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'test' });

    expect(acknowledgements(app)).toContain('acknowledged/Cache/AuthToken: AwsSolutions-SMG4');
    expect(findings(app)).not.toContain('AwsSolutions-SMG4 on acknowledged/Cache/AuthToken/Resource');
  });

  test.each<[string, (stack: Stack, vpc: ec2.IVpc) => IConstruct, string[]]>([
    ['AUTH token', (stack, vpc) => new SecureRedisCluster(stack, 'Cache', { vpc, secretRotation: SecretRotation.disabled() }), ['Cache/AuthToken']],
    ['serverless session user', (stack, vpc) => new SessionStoreCache(stack, 'Cache', {
      vpc, deployment: SessionStoreDeployment.serverless(), secretRotation: SecretRotation.disabled(),
    }).serverless!, ['Cache/Default/UserSecret:rotationoff-cache-a28a6811-app']],
    ['SecureServerlessCache user', (stack, vpc) => new SecureServerlessCache(stack, 'Cache', { vpc, secretRotation: SecretRotation.disabled() }),
      ['Cache/UserSecret:app']],
  ])('rotation off (%s): exactly the three rotation findings on each generated secret come back, with a warning', (_name, build, secrets) => {
    const { app, stack } = newStack('rotation-off');
    const construct = build(stack, importedVpc(stack));

    expect(findings(app)).toEqual(secrets.flatMap((s) => ROTATION_RULES.map((rule) => `${rule} on rotation-off/${s}/Resource`)).sort());
    expect(acknowledgements(app)).toEqual([]);
    const warnings = construct.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toEqual([expect.stringMatching(/secretRotation is disabled: .*AwsSolutions-SMG4.*acknowledge these rules on the secret.*\[ack: cdk-secure-elasticache:secretRotationDisabled\]/)]);
    expect(app.node.findAll().filter((c) => c instanceof lambda.Function)).toEqual([]);
  });

  test('a secret of your own rotates only when secretRotation is given, and brings no finding', () => {
    const { app, stack } = newStack('own-secret-rotated');
    const vpc = importedVpc(stack);
    // With its key (here the AWS managed one): a secret imported without it cannot rotate.
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Token', {
      secretPartialArn: stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'prod/cache/auth-token', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      encryptionKey: kms.Alias.fromAliasName(stack, 'SecretsKey', 'alias/aws/secretsmanager'),
    });
    new SecureRedisCluster(stack, 'Kept', { vpc, authToken: AuthToken.fromSecret(secret) });
    new SecureRedisCluster(stack, 'Rotated', { vpc, authToken: AuthToken.fromSecret(secret), secretRotation: SecretRotation.enabled() });
    const fns = app.node.findAll().filter((c) => c instanceof lambda.Function).map((c) => c.node.path);
    expect(fns).toEqual(['own-secret-rotated/Rotated/AuthTokenRotation/Function']);
    expect(findings(app)).toEqual([]);
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

test('the README names every rule of the table of acknowledgements', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const section = readme.slice(readme.indexOf("The library's acknowledgements, each on the exact resource and finding"), readme.indexOf('### What the other tools miss'));
  // The README shortens `HIPAA.Security-LambdaDLQ` and `NIST.800.53.R5-LambdaDLQ` to `LambdaDLQ` (HIPAA, NIST R5).
  const rules = [...new Set(Object.values(ACKNOWLEDGEMENTS).flatMap((e) => e.ids).map((id) => id.replace(/^(HIPAA\.Security|NIST\.800\.53\.R5)-/, '').replace(/\[.*\]$/, '')))];
  expect(rules.filter((rule) => !section.includes(rule))).toEqual([]);
});

describe('docs/policy-checks.md', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'policy-checks.md'), 'utf-8');

  test('lists exactly the table of acknowledgements', () => {
    const listed = doc.split('<!-- acknowledgements:start -->')[1].split('<!-- acknowledgements:end -->')[0]
      .trim().split('\n').slice(2);
    expect(listed).toEqual(Object.values(ACKNOWLEDGEMENTS)
      .map((e) => `| ${e.ids.map((id) => `\`${id}\``).join(', ')} | ${e.resource} | ${e.reason} | ${e.source} |`));
  });

  test('the acknowledgement it shows for rotation turned off leaves no finding', () => {
    expect(doc).toContain("Validations.of(cache.authTokenSecret!).acknowledge({ id, reason: 'The AUTH token is rotated by our runbook' });");
    const { app, stack } = newStack('rotation-off-acknowledged');
    const cache = new SecureRedisCluster(stack, 'Cache', { vpc: importedVpc(stack), secretRotation: SecretRotation.disabled() });
    for (const id of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled', 'NIST.800.53.R5-SecretsManagerRotationEnabled']) {
      Validations.of(cache.authTokenSecret!).acknowledge({ id, reason: 'The AUTH token is rotated by our runbook' });
    }
    expect(findings(app)).toEqual([]);
  });
});
