import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as elasticacheAlpha from '@aws-cdk/aws-elasticache-alpha';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { IConstruct } from 'constructs';
import { GUARD_RULES, guardFindings, packFindings } from './elasticache-checks-fixtures';
import { TEST_ENV, egressVpc } from './fixtures';
import { allPacks } from './policy';

/**
 * The four anchors of the README's comparison: caches as teams write them without this library.
 * Each names the weaknesses it has, as the rules of ElastiCacheChecks that must report them.
 */
interface Anchor {
  readonly name: string;
  readonly weaknesses: string[];
  build(stack: Stack): void;
}

const ANCHORS: Anchor[] = [
  {
    name: 'alpha-serverless-defaults',
    // No user group (the default user needs no password), AWS owned key, no backups, nothing kept on deletion.
    weaknesses: ['SC1', 'SC2', 'SC3', 'ST1'],
    build: (stack) => { new elasticacheAlpha.ServerlessCache(stack, 'Cache', { vpc: egressVpc(stack) }); },
  },
  {
    name: 'redis-group-without-tls-literal-token',
    weaknesses: ['RG1', 'RG3', 'RG4', 'RG6', 'RG7', 'RG8', 'RG10', 'RG11', 'ST1'],
    build: (stack) => {
      new elasticache.CfnReplicationGroup(stack, 'Cache', {
        replicationGroupDescription: 'orders cache',
        engine: 'redis',
        engineVersion: '7.1',
        cacheNodeType: 'cache.m7g.large',
        numCacheClusters: 2,
        automaticFailoverEnabled: true,
        authToken: 'this-token-is-in-the-template-1234',
      });
    },
  },
  {
    name: 'memcached-without-tls',
    weaknesses: ['MC1', 'MC2'],
    build: (stack) => {
      new elasticache.CfnCacheCluster(stack, 'Cache', {
        engine: 'memcached',
        cacheNodeType: 'cache.m7g.large',
        numCacheNodes: 3,
        azMode: 'cross-az',
        cacheSubnetGroupName: 'cache-subnets',
        vpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      });
    },
  },
  {
    name: 'valkey-group-tls-preferred',
    weaknesses: ['RG2'],
    build: (stack) => {
      const group = new elasticache.CfnReplicationGroup(stack, 'Cache', {
        replicationGroupDescription: 'orders cache',
        engine: 'valkey',
        engineVersion: '8.1',
        cacheNodeType: 'cache.m7g.large',
        numCacheClusters: 2,
        port: 6380,
        transitEncryptionEnabled: true,
        transitEncryptionMode: 'preferred',
        atRestEncryptionEnabled: true,
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        authToken: '{{resolve:secretsmanager:prod/orders/cache-token}}',
        multiAzEnabled: true,
        automaticFailoverEnabled: true,
        snapshotRetentionLimit: 15,
        cacheSubnetGroupName: 'cache-subnets',
        securityGroupIds: ['sg-0123456789abcdef0'],
        logDeliveryConfigurations: [{
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: '/aws/vendedlogs/orders-cache' } },
        }],
      });
      group.cfnOptions.deletionPolicy = CfnDeletionPolicy.SNAPSHOT;
      group.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.SNAPSHOT;
    },
  },
];

function anchorApp(anchor: Anchor): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, anchor.name, { env: TEST_ENV });
  anchor.build(stack);
  return { app, stack };
}

/** The ElastiCache resources of a tree, by construct path and by logical id. */
function elastiCacheResources(root: IConstruct): { paths: Set<string>; logicalIds: Set<string> } {
  const resources = root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType.startsWith('AWS::ElastiCache::'));
  return { paths: new Set(resources.map((r) => r.node.path)), logicalIds: new Set(resources.map((r) => Stack.of(r).resolve(r.logicalId))) };
}

/** Findings of the five cdk-nag packs on ElastiCache resources: `<rule> on <path>`. */
function cdkNagFindings(app: App): string[] {
  const { paths } = elastiCacheResources(app);
  return allPacks().flatMap((pack) => pack.validateScope(app).violations.flatMap((v) => v.violatingResources
    .map((r) => (r as { constructPath?: string }).constructPath ?? '')
    .filter((p) => paths.has(p))
    .map((p) => `${v.ruleName} on ${p}`))).sort();
}

/**
 * Findings of the Control Tower proactive controls on the ElastiCache resources of each anchor, as
 * the cfn-guard validator reports them (one run for the four templates).
 */
function controlTowerFindings(): Record<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  try {
    const cacheIds = new Map<string, Set<string>>();
    for (const anchor of ANCHORS) {
      const { app, stack } = anchorApp(anchor);
      const templatePath = path.join(dir, `${anchor.name}.json`);
      fs.writeFileSync(templatePath, JSON.stringify(Template.fromStack(stack).toJSON()));
      cacheIds.set(templatePath, elastiCacheResources(app).logicalIds);
    }
    // The guard validator reads the template files only; aws-cdk-lib's context also hands plugins the app.
    const report = new CfnGuardValidator({}).validate({ templatePaths: [...cacheIds.keys()], appConstruct: new App() });
    const result: Record<string, string[]> = Object.fromEntries(ANCHORS.map((a) => [a.name, []]));
    for (const violation of report.violations) {
      for (const resource of violation.violatingResources) {
        const finding = `${violation.ruleName} on ${resource.resourceLogicalId}`;
        const anchor = path.basename(resource.templatePath, '.json');
        if (cacheIds.get(resource.templatePath)?.has(resource.resourceLogicalId) && !result[anchor].includes(finding)) {
          result[anchor].push(finding);
        }
      }
    }
    return Object.fromEntries(Object.entries(result).map(([name, findings]) => [name, findings.sort()]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let controlTower: Record<string, string[]>;
beforeAll(() => {
  controlTower = controlTowerFindings();
});

describe.each(ANCHORS.map((a) => [a.name, a] as const))('anchor %s', (_name, anchor) => {
  const { app, stack } = anchorApp(anchor);
  const { logicalIds } = elastiCacheResources(app);

  test('ElastiCacheChecks reports each of its weaknesses, on the cache', () => {
    const cacheId = [...logicalIds][0];
    expect(packFindings(app)).toEqual(anchor.weaknesses.map((w) => `${w} on ${cacheId}`).sort());
  });

  test('rules/elasticache.guard reports the same', () => {
    const template = Template.fromStack(stack).toJSON();
    expect(guardFindings(GUARD_RULES, { [anchor.name]: template })[anchor.name])
      .toEqual(packFindings(app).map((f) => `ELASTICACHE_${f}`));
  });

  test('the five cdk-nag packs and Control Tower see what the README says they see', () => {
    const seen = COMPARISON[anchor.name];
    expect(cdkNagFindings(app).map((f) => f.split(' on ')[0])).toEqual(seen.cdkNag);
    expect(controlTower[anchor.name].map((f) => f.split(' on ')[0])).toEqual(seen.controlTower);
  });
});

/**
 * What each tool reports on the cache of each anchor: the figures of the README's comparison
 * ("Our ElastiCache policy pack"). Control Tower rules are named as cfn-guard reports them:
 * CT.ELASTICACHE.PR.4, PR.5 and PR.8.
 */
const COMPARISON: Record<string, { cdkNag: string[]; controlTower: string[] }> = {
  'alpha-serverless-defaults': { cdkNag: [], controlTower: [] },
  'redis-group-without-tls-literal-token': {
    cdkNag: [
      'AwsSolutions-AEC1', 'AwsSolutions-AEC3', 'AwsSolutions-AEC4', 'AwsSolutions-AEC5',
      'HIPAA.Security-ElastiCacheRedisClusterAutomaticBackup',
      'NIST.800.53.R4-ElastiCacheRedisClusterAutomaticBackup',
      'NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup',
    ],
    controlTower: [
      'elasticache_repl_grp_encrypted_at_rest_check',
      'elasticache_repl_grp_encrypted_in_transit_check',
      'elasticache_repl_grp_rbac_auth_enabled_check',
    ],
  },
  'memcached-without-tls': { cdkNag: ['AwsSolutions-AEC5'], controlTower: [] },
  'valkey-group-tls-preferred': { cdkNag: [], controlTower: [] },
};

test('the README records the comparison: findings per tool on the four anchors', () => {
  const counts = ANCHORS.map((a) => [COMPARISON[a.name].cdkNag.length, COMPARISON[a.name].controlTower.length, a.weaknesses.length]);
  expect(counts).toEqual([[0, 0, 4], [7, 3, 9], [1, 0, 2], [0, 0, 1]]);
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  const section = readme.slice(readme.indexOf('### What the other tools miss'));
  for (const [nag, ct, ours] of counts) {
    expect(section).toMatch(new RegExp(`\\| ${nag} \\| ${ct} \\| ${ours} \\|`));
  }
  const totals = counts.reduce((sum, row) => sum.map((x, i) => x + row[i]), [0, 0, 0]);
  expect(section).toMatch(new RegExp(`\\| \\*\\*Total\\*\\* \\| \\*\\*${totals[0]}\\*\\* \\| \\*\\*${totals[1]}\\*\\* \\| \\*\\*${totals[2]}\\*\\* \\|`));
});
