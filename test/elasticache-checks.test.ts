import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as elasticacheAlpha from '@aws-cdk/aws-elasticache-alpha';
import { App, CfnResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as fc from 'fast-check';
import { GUARD_RULES, PACK_FIXTURES, fixtureStack, guardFindings, packFindings } from './elasticache-checks-fixtures';
import { TEST_ENV, egressVpc } from './fixtures';
import { ElastiCacheChecks } from '../src';
import { ALL_RULES } from '../src/private/checks';
import { StackTemplate, Verdict } from '../src/private/checks/template';

describe('ElastiCacheChecks on the fixtures', () => {
  test.each(PACK_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const { app } = fixtureStack(fixture);
    expect(packFindings(app)).toEqual([...fixture.findings].sort());
  });
});

describe('rules/elasticache.guard agrees with the pack', () => {
  test('the same findings on every fixture template, run by cfn-guard', () => {
    const templates = Object.fromEntries(PACK_FIXTURES.map((f) => [f.name, Template.fromStack(fixtureStack(f).stack).toJSON()]));
    const guard = guardFindings(GUARD_RULES, templates);
    const expected = Object.fromEntries(PACK_FIXTURES.map((f) => [f.name, f.findings.map((x) => `ELASTICACHE_${x}`).sort()]));
    expect(guard).toEqual(expected);
  });
});

describe('every rule has a compliant and a non-compliant fixture', () => {
  // Verdicts straight from the rules, so that "not applicable" does not pass for "compliant".
  const verdicts = PACK_FIXTURES.flatMap((fixture) => {
    const { stack } = fixtureStack(fixture);
    const template = new StackTemplate(stack);
    return stack.node.findAll().filter(CfnResource.isCfnResource).flatMap((resource) => {
      const rendered = template.of(resource)!;
      return ALL_RULES.filter((rule) => rule.resourceTypes.includes(rendered.type))
        .map((rule) => ({ rule: rule.id, verdict: rule.check(rendered, { template, minimumBackupRetentionDays: 15 }) }));
    });
  });

  test.each(ALL_RULES.map((r) => [r.id]))('%s', (id) => {
    const seen = new Set(verdicts.filter((v) => v.rule === id).map((v) => v.verdict));
    expect(seen).toContain(Verdict.COMPLIANT);
    expect(seen).toContain(Verdict.NON_COMPLIANT);
  });

  test('rule ids are unique, and each has a problem, a fix and an AWS documentation link', () => {
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
    for (const rule of ALL_RULES) {
      expect(rule.problem).toMatch(/\.$/);
      expect(rule.fix).toMatch(/\.$/);
      expect(rule.documentation).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
  });

  test('the guard file has the same rules, no more and no fewer', () => {
    const guardRules = new Set([...fs.readFileSync(GUARD_RULES, 'utf-8').matchAll(/^rule ELASTICACHE_(\w+)/gm)].map((m) => m[1]));
    expect([...guardRules].sort()).toEqual(ALL_RULES.map((r) => r.id).sort());
  });
});

describe('minimum backup retention', () => {
  const fixture = PACK_FIXTURES.find((f) => f.name === 'weakened-valkey-group')!; // 14 days

  test('a shorter minimum passes 14 days, a longer one does not pass 15', () => {
    const weakened = fixtureStack(fixture).app;
    expect(packFindings(weakened, new ElastiCacheChecks(undefined, { minimumBackupRetention: Duration.days(14) }))).not.toContain('RG7 on Group');
    const compliant = fixtureStack(PACK_FIXTURES[0]).app;
    expect(packFindings(compliant, new ElastiCacheChecks(undefined, { minimumBackupRetention: Duration.days(16) }))).toEqual(['RG7 on Group']);
  });

  test.each([
    { case: 'zero days', retention: Duration.days(0), message: /from 1 to 35, got 0 days/ },
    { case: 'more than ElastiCache keeps', retention: Duration.days(36), message: /from 1 to 35, got 36 days/ },
    { case: 'part of a day', retention: Duration.hours(36), message: /whole number of days from 1 to 35, got 1.5 days/ },
    { case: 'a token', retention: Duration.days(Token.asNumber({ Ref: 'Days' })), message: /must be a literal duration, got a token/ },
  ])('$case is refused', ({ retention, message }) => {
    expect(() => new ElastiCacheChecks(undefined, { minimumBackupRetention: retention })).toThrow(message);
  });
});

describe('using the pack', () => {
  test('an acknowledged rule is not reported, the others still are', () => {
    const fixture = PACK_FIXTURES.find((f) => f.name === 'users-and-user-groups')!;
    const { app, stack } = fixtureStack(fixture);
    Validations.of(stack.node.findChild('Admin')).acknowledge({ id: 'ElastiCache-US3', reason: 'operations user of the on-call runbook' });

    expect(packFindings(app)).toEqual(fixture.findings.filter((f) => f !== 'US3 on Admin').sort());
  });

  test('the alpha module\'s users, user group and serverless cache are checked like L1 resources', () => {
    const app = new App();
    const stack = new Stack(app, 'Alpha', { env: TEST_ENV });
    const openDefault = new elasticacheAlpha.NoPasswordUser(stack, 'DefaultUser', {
      userId: 'open-default', userName: 'default', accessControl: elasticacheAlpha.AccessControl.fromAccessString('on ~* +@all'),
    });
    new elasticacheAlpha.ServerlessCache(stack, 'Cache', {
      vpc: egressVpc(stack),
      userGroup: new elasticacheAlpha.UserGroup(stack, 'Users', { users: [openDefault] }),
      kmsKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
      backup: { backupRetentionLimit: 15, backupNameBeforeDeletion: 'alpha-final' },
    });
    const userId = stack.resolve((openDefault.node.defaultChild as CfnResource).logicalId);

    expect(packFindings(app)).toEqual([`US1 on ${userId}`]);
    expect(guardFindings(GUARD_RULES, { alpha: Template.fromStack(stack).toJSON() })).toEqual({ alpha: [`ELASTICACHE_US1 on ${userId}`] });
  });

  test('as a policy validation plugin of the app, it reports at synth', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'elasticache-checks-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Plugin', { env: TEST_ENV });
      new elasticache.CfnCacheCluster(stack, 'Memcached', {
        engine: 'memcached', cacheNodeType: 'cache.t4g.micro', numCacheNodes: 1,
      });
      Validations.of(app).addPlugins(new ElastiCacheChecks(app));
      jest.spyOn(console, 'error').mockImplementation(() => undefined);
      jest.spyOn(console, 'log').mockImplementation(() => undefined);
      const exitCode = process.exitCode;
      app.synth();
      // aws-cdk-lib fails the synth by the exit code, as `cdk synth` reports it.
      expect(process.exitCode).toBe(1);
      process.exitCode = exitCode;
      const report = JSON.parse(fs.readFileSync(path.join(outdir, cxapi.VALIDATION_REPORT_FILE), 'utf-8'));
      const rules = report.pluginReports[0].violations.map((v: { ruleName: string }) => v.ruleName).sort();
      expect(rules).toEqual(['ElastiCache-MC1', 'ElastiCache-MC2', 'ElastiCache-MC3']);
    } finally {
      jest.restoreAllMocks();
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('any value in any checked property: a verdict, never an error', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const intrinsic = fc.oneof(
      fc.record({ Ref: fc.constantFrom('Group', 'Missing', 'AWS::Region') }),
      fc.record({ 'Fn::GetAtt': fc.tuple(fc.constantFrom('Sg', 'Missing'), fc.constant('GroupId')) }),
      fc.record({ 'Fn::Join': fc.tuple(fc.constant(''), fc.array(fc.oneof(fc.string(), json), { maxLength: 3 })) }),
      fc.record({ 'Fn::Sub': fc.oneof(fc.string(), fc.tuple(fc.string(), json)) }),
    );
    const value = fc.oneof(json, intrinsic, fc.array(fc.oneof(json, intrinsic), { maxLength: 3 }));
    const properties = [...new Set(['TransitEncryptionEnabled', 'TransitEncryptionMode', 'AtRestEncryptionEnabled', 'KmsKeyId', 'AuthToken',
      'UserGroupIds', 'MultiAZEnabled', 'AutomaticFailoverEnabled', 'SnapshotRetentionLimit', 'LogDeliveryConfigurations',
      'AutoMinorVersionUpgrade', 'Port', 'CacheSubnetGroupName', 'Engine', 'EngineVersion', 'SecurityGroupIds', 'VpcSecurityGroupIds',
      'UserGroupId', 'NumCacheNodes', 'AZMode', 'AccessString', 'NoPasswordRequired', 'AuthenticationMode', 'UserName', 'UserIds',
      'SecurityGroupIngress', 'CidrIp', 'CidrIpv6', 'GroupId', 'FinalSnapshotName'])];
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...properties), value), fc.constantFrom(undefined, 'Snapshot', 'Delete', 7), (overrides, policy) => {
      const app = new App();
      const stack = new Stack(app, 'Fuzz', { env: TEST_ENV });
      const resources = [
        new elasticache.CfnReplicationGroup(stack, 'Group', { replicationGroupDescription: 'fuzz' }),
        new elasticache.CfnServerlessCache(stack, 'Serverless', { engine: 'valkey', serverlessCacheName: 'fuzz' }),
        new elasticache.CfnCacheCluster(stack, 'Cluster', { engine: 'memcached', cacheNodeType: 'cache.t4g.micro', numCacheNodes: 1 }),
        new elasticache.CfnUser(stack, 'User', { engine: 'valkey', userId: 'u', userName: 'u' }),
        new elasticache.CfnUserGroup(stack, 'Users', { engine: 'valkey', userGroupId: 'g', userIds: [] }),
        new ec2.CfnSecurityGroup(stack, 'Sg', { groupDescription: 'fuzz' }),
        new ec2.CfnSecurityGroupIngress(stack, 'Ingress', { ipProtocol: 'tcp' }),
      ];
      for (const resource of resources) {
        for (const [name, v] of Object.entries(overrides)) resource.addPropertyOverride(name, v);
        resource.addOverride('DeletionPolicy', policy);
      }
      const report = new ElastiCacheChecks(undefined, { verbose: true }).validateScope(app);
      expect(report.violations.filter((v) => /threw an error/.test(v.description))).toEqual([]);
    }), { numRuns: 150 });
  });
});

test('docs/policy-pack.md lists every rule as the pack has it: id, problem, fix and source', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'policy-pack.md'), 'utf-8');
  const rows = [...doc.matchAll(/^\| `ElastiCache-(\w+)` \| [^|]+ \| ([^|]+) \| ([^|]+) \| \[AWS docs\]\(([^)]+)\) \|$/gm)]
    .map((m) => ({ id: m[1], problem: m[2], fix: m[3], documentation: m[4] }));
  expect(rows).toEqual(ALL_RULES.map((r) => ({ id: r.id, problem: r.problem, fix: r.fix, documentation: r.documentation })));
});
