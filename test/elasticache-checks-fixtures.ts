import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { ElastiCacheChecks } from '../src';
import { TEST_ENV } from './fixtures';

/** The guard rules shipped with the package, and the cfn-guard binary of the Control Tower validator. */
export const GUARD_RULES = path.join(__dirname, '..', 'rules', 'elasticache.guard');
export const CFN_GUARD = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'bin', 'ubuntu',
  os.arch() === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');

/** Gives a resource a readable logical id. */
function named<T extends CfnResource>(resource: T, logicalId: string): T {
  resource.overrideLogicalId(logicalId);
  return resource;
}

/** A key and a secret of the stack, for the properties that want them. */
function keyAndSecret(stack: Stack): { key: kms.Key; secret: secretsmanager.Secret } {
  return {
    key: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    secret: new secretsmanager.Secret(stack, 'Token', { generateSecretString: { excludePunctuation: true, passwordLength: 64 } }),
  };
}

/** A security group that admits only another security group, and its subnet group. */
function network(stack: Stack, id = 'CacheSg'): { group: ec2.CfnSecurityGroup; subnets: elasticache.CfnSubnetGroup } {
  const group = named(new ec2.CfnSecurityGroup(stack, id, {
    groupDescription: 'cache',
    vpcId: 'vpc-0123456789abcdef0',
    securityGroupIngress: [{ ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, sourceSecurityGroupId: 'sg-0123456789abcdef0' }],
  }), id);
  const subnets = named(new elasticache.CfnSubnetGroup(stack, `${id}Subnets`, {
    description: 'cache', subnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002'],
  }), `${id}Subnets`);
  return { group, subnets };
}

/** The properties of a replication group that passes every rule. */
export function compliantGroupProps(
  stack: Stack,
  overrides: Partial<elasticache.CfnReplicationGroupProps> = {},
): elasticache.CfnReplicationGroupProps {
  const { key, secret } = keyAndSecret(stack);
  const { group, subnets } = network(stack);
  return {
    replicationGroupDescription: 'compliant',
    engine: 'valkey',
    engineVersion: '8.1',
    cacheNodeType: 'cache.m7g.large',
    numCacheClusters: 2,
    port: 6380,
    transitEncryptionEnabled: true,
    transitEncryptionMode: 'required',
    atRestEncryptionEnabled: true,
    kmsKeyId: key.keyArn,
    authToken: secret.secretValue.unsafeUnwrap(),
    multiAzEnabled: true,
    automaticFailoverEnabled: true,
    snapshotRetentionLimit: 15,
    autoMinorVersionUpgrade: true,
    cacheSubnetGroupName: subnets.ref,
    securityGroupIds: [group.attrGroupId],
    logDeliveryConfigurations: [{
      destinationType: 'cloudwatch-logs',
      logFormat: 'json',
      logType: 'slow-log',
      destinationDetails: { cloudWatchLogsDetails: { logGroup: 'slow' } },
    }],
    ...overrides,
  };
}

/** A replication group with a `Snapshot` deletion policy, as a stateful cache should have. */
export function replicationGroup(stack: Stack, id: string, props: elasticache.CfnReplicationGroupProps): elasticache.CfnReplicationGroup {
  const group = named(new elasticache.CfnReplicationGroup(stack, id, props), id);
  group.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
  return group;
}

function user(stack: Stack, id: string, props: Partial<elasticache.CfnUserProps>): elasticache.CfnUser {
  return named(new elasticache.CfnUser(stack, id, { engine: 'valkey', userId: id.toLowerCase(), userName: id.toLowerCase(), accessString: 'off -@all', ...props }), id);
}

function passwordMode(stack: Stack, id: string) {
  const secret = new secretsmanager.Secret(stack, `${id}Secret`);
  return { Type: 'password', Passwords: [secret.secretValueFromJson('password').unsafeUnwrap()] };
}

/** A template of the fixtures, and the findings it must give: `<rule id> on <logical id>`. */
export interface PackFixture {
  readonly name: string;
  readonly findings: string[];
  build(stack: Stack): void;
}

export const PACK_FIXTURES: PackFixture[] = [
  {
    name: 'compliant-valkey-group',
    build: (stack) => { replicationGroup(stack, 'Group', compliantGroupProps(stack)); },
    findings: [],
  },
  {
    name: 'compliant-rbac-group',
    build: (stack) => {
      const off = user(stack, 'DefaultUser', { userName: 'default', noPasswordRequired: true, accessString: 'off -@all' });
      const app = user(stack, 'AppUser', { accessString: 'on ~app:* -@all +@read +@write', authenticationMode: passwordMode(stack, 'AppUser') });
      const admin = user(stack, 'IamUser', { accessString: 'on ~* +@all -@dangerous', authenticationMode: { Type: 'iam' } });
      const users = named(new elasticache.CfnUserGroup(stack, 'Users', { engine: 'valkey', userGroupId: 'users', userIds: [off.ref, app.ref, admin.ref] }), 'Users');
      replicationGroup(stack, 'Group', compliantGroupProps(stack, { authToken: undefined, userGroupIds: [users.ref] }));
    },
    findings: [],
  },
  {
    name: 'hand-written-redis-group',
    build: (stack) => {
      named(new elasticache.CfnReplicationGroup(stack, 'Group', {
        replicationGroupDescription: 'hand-written',
        engine: 'redis',
        engineVersion: '5.0.6',
        cacheNodeType: 'cache.m7g.large',
        numCacheClusters: 1,
        authToken: 'a-literal-token-of-32-characters',
      }), 'Group');
    },
    findings: ['RG1', 'RG3', 'RG4', 'RG6', 'RG7', 'RG8', 'RG10', 'RG11', 'RG12', 'ST1'].map((r) => `${r} on Group`),
  },
  {
    name: 'weakened-valkey-group',
    build: (stack) => {
      const token = new CfnParameter(stack, 'TokenParameter', { noEcho: true });
      replicationGroup(stack, 'Group', compliantGroupProps(stack, {
        transitEncryptionMode: 'preferred',
        authToken: token.valueAsString,
        multiAzEnabled: false,
        snapshotRetentionLimit: 14,
        autoMinorVersionUpgrade: false,
        port: 6379,
        cacheSubnetGroupName: 'default',
        logDeliveryConfigurations: [],
        kmsKeyId: 'alias/aws/elasticache',
      }));
    },
    findings: ['RG2', 'RG3', 'RG4', 'RG6', 'RG7', 'RG8', 'RG9', 'RG10', 'RG11'].map((r) => `${r} on Group`),
  },
  {
    name: 'unauthenticated-groups',
    build: (stack) => {
      const props = compliantGroupProps(stack);
      replicationGroup(stack, 'NoAuth', { ...props, authToken: undefined });
      // A group of Redis OSS 7.1 whose token comes from Secrets Manager through Fn::Sub passes.
      const secret = new secretsmanager.Secret(stack, 'SubTokenSecret');
      replicationGroup(stack, 'SubToken', {
        ...props,
        engine: 'redis',
        engineVersion: '7.1',
        authToken: Fn.sub('{{resolve:secretsmanager:${Secret}:SecretString:::}}', { Secret: secret.secretArn }),
      });
    },
    findings: ['RG5 on NoAuth'],
  },
  {
    name: 'unresolvable-values',
    build: (stack) => {
      const tls = new CfnParameter(stack, 'Tls', { type: 'String', default: 'true' });
      const port = new CfnParameter(stack, 'Port', { type: 'Number', default: 6380 });
      const retention = new CfnParameter(stack, 'Retention', { type: 'Number', default: 35 });
      const group = replicationGroup(stack, 'Group', compliantGroupProps(stack, {
        engine: 'redis',
        engineVersion: Fn.importValue('CacheEngineVersion'),
        port: port.valueAsNumber,
        snapshotRetentionLimit: retention.valueAsNumber,
      }));
      group.addPropertyOverride('TransitEncryptionEnabled', tls.valueAsString);
    },
    findings: ['RG1', 'RG7', 'RG10', 'RG12'].map((r) => `${r} on Group`),
  },
  {
    // Templates written in YAML often give numbers and booleans as strings; CloudFormation takes both.
    name: 'string-values',
    build: (stack) => {
      const props = compliantGroupProps(stack);
      const strings = (group: CfnResource, values: Record<string, string>) => {
        Object.entries(values).forEach(([k, v]) => group.addPropertyOverride(k, v));
      };
      strings(replicationGroup(stack, 'Sound', props), {
        TransitEncryptionEnabled: 'true',
        AtRestEncryptionEnabled: 'true',
        MultiAZEnabled: 'true',
        AutomaticFailoverEnabled: 'true',
        SnapshotRetentionLimit: '20',
        AutoMinorVersionUpgrade: 'true',
        Port: '6380',
      });
      strings(replicationGroup(stack, 'Weak', props), { SnapshotRetentionLimit: '9', AutoMinorVersionUpgrade: 'false', Port: '6379' });
      strings(named(new elasticache.CfnCacheCluster(stack, 'Memcached', {
        engine: 'memcached', cacheNodeType: 'cache.m7g.large', numCacheNodes: 1, azMode: 'cross-az',
      }), 'Memcached'), { NumCacheNodes: '3', Port: '11212', TransitEncryptionEnabled: 'true' });
      strings(named(new elasticache.CfnCacheCluster(stack, 'OneNode', {
        engine: 'memcached', cacheNodeType: 'cache.m7g.large', numCacheNodes: 1, azMode: 'cross-az',
      }), 'OneNode'), { NumCacheNodes: '1', Port: '11212', TransitEncryptionEnabled: 'true' });
    },
    findings: ['RG7 on Weak', 'RG9 on Weak', 'RG10 on Weak', 'MC3 on OneNode'],
  },
  {
    name: 'serverless-caches',
    build: (stack) => {
      const { key } = keyAndSecret(stack);
      const { group } = network(stack);
      const off = user(stack, 'DefaultUser', { userName: 'default', noPasswordRequired: true });
      const users = named(new elasticache.CfnUserGroup(stack, 'Users', { engine: 'valkey', userGroupId: 'users', userIds: [off.ref] }), 'Users');
      const secure = {
        kmsKeyId: key.keyArn, securityGroupIds: [group.attrGroupId], snapshotRetentionLimit: 35, finalSnapshotName: 'final',
      };
      named(new elasticache.CfnServerlessCache(stack, 'Secure', { engine: 'valkey', serverlessCacheName: 'secure', userGroupId: users.ref, ...secure }), 'Secure');
      named(new elasticache.CfnServerlessCache(stack, 'Memcached', { engine: 'memcached', serverlessCacheName: 'memcached', ...secure }), 'Memcached');
      named(new elasticache.CfnServerlessCache(stack, 'Bare', { engine: 'redis', serverlessCacheName: 'bare', snapshotRetentionLimit: 1 }), 'Bare');
      named(new elasticache.CfnServerlessCache(stack, 'AwsManagedKey', {
        engine: 'valkey', serverlessCacheName: 'aws-key', userGroupId: users.ref, ...secure, kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:alias/aws/elasticache',
      }), 'AwsManagedKey');
    },
    findings: [...['SC1', 'SC2', 'SC3', 'SC4', 'ST1'].map((r) => `${r} on Bare`), 'SC2 on AwsManagedKey'],
  },
  {
    name: 'memcached-clusters',
    build: (stack) => {
      const { group, subnets } = network(stack);
      const base = {
        engine: 'memcached', cacheNodeType: 'cache.m7g.large', cacheSubnetGroupName: subnets.ref, vpcSecurityGroupIds: [group.attrGroupId],
      };
      named(new elasticache.CfnCacheCluster(stack, 'Secure', {
        ...base, numCacheNodes: 3, azMode: 'cross-az', port: 11212, transitEncryptionEnabled: true,
      }), 'Secure');
      named(new elasticache.CfnCacheCluster(stack, 'Weak', { ...base, numCacheNodes: 1, port: 11211 }), 'Weak');
      named(new elasticache.CfnCacheCluster(stack, 'OneZone', {
        ...base, numCacheNodes: 2, azMode: 'single-az', port: 11212, transitEncryptionEnabled: true,
      }), 'OneZone');
    },
    findings: ['MC1 on Weak', 'MC2 on Weak', 'MC3 on OneZone', 'MC3 on Weak'],
  },
  {
    name: 'redis-cache-clusters',
    build: (stack) => {
      const base = { engine: 'redis', cacheNodeType: 'cache.m7g.large', numCacheNodes: 1 };
      named(new elasticache.CfnCacheCluster(stack, 'Kept', base), 'Kept').applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
      named(new elasticache.CfnCacheCluster(stack, 'Lost', base), 'Lost').applyRemovalPolicy(RemovalPolicy.DESTROY);
    },
    findings: ['ST1 on Lost'],
  },
  {
    name: 'users-and-user-groups',
    build: (stack) => {
      const openDefault = user(stack, 'OpenDefault', { userName: 'default', accessString: 'on ~* +@all', noPasswordRequired: true });
      const guardedDefault = user(stack, 'GuardedDefault', { userName: 'default', accessString: 'on ~* +@all', authenticationMode: passwordMode(stack, 'GuardedDefault') });
      user(stack, 'NoPassApp', { accessString: 'on ~app:* +@read', noPasswordRequired: true });
      user(stack, 'NoPassModeApp', { accessString: 'on ~app:* +@read', authenticationMode: { Type: 'no-password-required' } });
      user(stack, 'SwitchedOff', { accessString: 'off ~* +@all', noPasswordRequired: true });
      user(stack, 'Admin', { accessString: 'on ~* +@all', authenticationMode: passwordMode(stack, 'Admin') });
      user(stack, 'AdminAlias', { accessString: 'on allkeys allcommands', authenticationMode: { Type: 'iam' } });
      user(stack, 'Limited', { accessString: 'on ~* +@all -@dangerous', authenticationMode: { Type: 'iam' } });
      named(new elasticache.CfnUserGroup(stack, 'BuiltInDefault', { engine: 'valkey', userGroupId: 'builtin', userIds: ['default', 'app'] }), 'BuiltInDefault');
      named(new elasticache.CfnUserGroup(stack, 'OwnDefault', { engine: 'valkey', userGroupId: 'own', userIds: [guardedDefault.ref, openDefault.ref] }), 'OwnDefault');
    },
    findings: ['US1 on OpenDefault', 'US1 on NoPassApp', 'US1 on NoPassModeApp', 'US3 on Admin', 'US3 on AdminAlias', 'US2 on BuiltInDefault'],
  },
  {
    name: 'security-groups',
    build: (stack) => {
      const props = compliantGroupProps(stack);
      const open = named(new ec2.CfnSecurityGroup(stack, 'Open', {
        groupDescription: 'open',
        vpcId: 'vpc-0123456789abcdef0',
        securityGroupIngress: [
          { ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, sourceSecurityGroupId: 'sg-0123456789abcdef0' },
          { ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, cidrIp: '0.0.0.0/0' },
        ],
      }), 'Open');
      const ranged = named(new ec2.CfnSecurityGroup(stack, 'Ranged', { groupDescription: 'ranged', vpcId: 'vpc-0123456789abcdef0' }), 'Ranged');
      replicationGroup(stack, 'Group', { ...props, securityGroupIds: [...props.securityGroupIds!, open.attrGroupId, ranged.ref] });
      named(new ec2.CfnSecurityGroupIngress(stack, 'Ipv6Open', { groupId: ranged.ref, ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, cidrIpv6: '::/0' }), 'Ipv6Open');
      named(new ec2.CfnSecurityGroupIngress(stack, 'Office', { groupId: open.attrGroupId, ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, cidrIp: '10.0.0.0/16' }), 'Office');
      named(new ec2.CfnSecurityGroupIngress(stack, 'FromApp', {
        groupId: ranged.ref, ipProtocol: 'tcp', fromPort: 6380, toPort: 6380, sourceSecurityGroupId: 'sg-0123456789abcdef0',
      }), 'FromApp');
      // Security groups that no cache uses are not this pack's business.
      const other = named(new ec2.CfnSecurityGroup(stack, 'Web', {
        groupDescription: 'web', vpcId: 'vpc-0123456789abcdef0', securityGroupIngress: [{ ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIp: '0.0.0.0/0' }],
      }), 'Web');
      named(new ec2.CfnSecurityGroupIngress(stack, 'WebRange', { groupId: other.attrGroupId, ipProtocol: 'tcp', fromPort: 80, toPort: 80, cidrIp: '10.0.0.0/8' }), 'WebRange');
      // A Memcached cluster whose group is referenced with Ref.
      const memcachedGroup = named(new ec2.CfnSecurityGroup(stack, 'MemcachedSg', {
        groupDescription: 'memcached',
        vpcId: 'vpc-0123456789abcdef0',
        securityGroupIngress: [{ ipProtocol: 'tcp', fromPort: 11212, toPort: 11212, cidrIp: '172.16.0.0/12' }],
      }), 'MemcachedSg');
      named(new elasticache.CfnCacheCluster(stack, 'Memcached', {
        engine: 'memcached',
        cacheNodeType: 'cache.m7g.large',
        numCacheNodes: 2,
        azMode: 'cross-az',
        port: 11212,
        transitEncryptionEnabled: true,
        vpcSecurityGroupIds: [memcachedGroup.ref],
      }), 'Memcached');
    },
    findings: ['SG1 on Open', 'SG1 on Ipv6Open', 'SG2 on Office', 'SG2 on MemcachedSg'],
  },
];

/** A stack of a fixture, alone in its app. */
export function fixtureStack(fixture: { name: string; build(stack: Stack): void }): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, fixture.name, { env: TEST_ENV });
  fixture.build(stack);
  return { app, stack };
}

/** The logical id of each CfnResource, by construct path. */
function logicalIds(root: IConstruct): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of root.node.findAll()) {
    if (CfnResource.isCfnResource(c)) ids.set(c.node.path, Stack.of(c).resolve(c.logicalId));
  }
  return ids;
}

/** What a pack reports on a construct tree, as `<rule id> on <logical id>`, sorted. */
export function packFindings(root: IConstruct, pack = new ElastiCacheChecks()): string[] {
  const ids = logicalIds(root);
  return pack.validateScope(root).violations
    .flatMap((v) => v.violatingResources.map((r) => {
      const constructPath = (r as { constructPath?: string }).constructPath ?? '';
      return `${v.ruleName.replace(/^ElastiCache-/, '')} on ${ids.get(constructPath) ?? constructPath}`;
    }))
    .sort();
}

/** What cfn-guard reports with some rules on some templates: per template name, `<rule> on <logical id>`. */
export function guardFindings(rules: string, templates: Record<string, object>): Record<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elasticache-guard-'));
  try {
    for (const [name, template] of Object.entries(templates)) {
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(template));
    }
    const run = spawnSync(CFN_GUARD, ['validate', '--rules', rules, '--data', dir, '--output-format', 'json', '--show-summary', 'none', '--structured'], {
      encoding: 'utf-8', maxBuffer: 256 * 1024 * 1024,
    });
    // cfn-guard exits with 19 when a template is not compliant.
    if (run.status !== 0 && run.status !== 19) {
      throw new Error(`cfn-guard failed (${run.status}): ${run.stderr}`);
    }
    const result: Record<string, string[]> = Object.fromEntries(Object.keys(templates).map((name) => [name, []]));
    for (const file of JSON.parse(run.stdout) as Array<{ name: string; not_compliant?: Array<{ Rule: { name: string } }> }>) {
      const name = path.basename(file.name, '.json');
      const found = new Set<string>();
      for (const check of file.not_compliant ?? []) {
        for (const logicalId of resourcePaths(check)) found.add(`${check.Rule.name} on ${logicalId}`);
      }
      result[name] = [...found].sort();
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The logical ids of every `/Resources/<id>` path in a cfn-guard result. */
function resourcePaths(value: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        const m = key === 'path' && typeof child === 'string' ? /^\/Resources\/([^/]+)/.exec(child) : null;
        if (m) ids.add(m[1]);
        else visit(child);
      }
    }
  };
  visit(value);
  return ids;
}
