import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GUARD_RULES, guardFindings, packFindings } from './elasticache-checks-fixtures';
import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, RepresentativeConfiguration, SERVERLESS_CONFIGURATIONS, SESSION_STORE_CONFIGURATIONS, newStack } from './fixtures';

const ALL: Array<[string, RepresentativeConfiguration]> = [
  ...REDIS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SecureRedisCluster', c]),
  ...MEMCACHED_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['ShardedMemcached', c]),
  ...SESSION_STORE_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SessionStoreCache', c]),
  ...SERVERLESS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['SecureServerlessCache', c]),
];

/**
 * The one configuration with findings: `ShardedMemcached` with `nodes: 1` is a choice of the user
 * (a development cache), and its data then lives in one Availability Zone, which MC3 reports.
 */
function expectedFindings(construct: string, config: RepresentativeConfiguration, stack: Stack): string[] {
  if (construct !== 'ShardedMemcached' || config.name !== 'single-node') return [];
  const cluster = stack.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::ElastiCache::CacheCluster')!;
  return [`MC3 on ${stack.resolve(cluster.logicalId)}`];
}

const built = ALL.map(([construct, config]) => {
  const { app, stack } = newStack(config.name);
  config.build(stack);
  return { construct, config, app, stack, name: `${construct}-${config.name}` };
});

describe('the library\'s constructs pass ElastiCacheChecks', () => {
  test.each(built.map((b) => [b.construct, b.config.name, b] as const))('%s %s', (construct, _name, b) => {
    expect(packFindings(b.app)).toEqual(expectedFindings(construct, b.config, b.stack));
  });

  test('and rules/elasticache.guard, run by cfn-guard on their templates, agrees', () => {
    const templates = Object.fromEntries(built.map((b) => [b.name, Template.fromStack(b.stack).toJSON()]));
    const expected = Object.fromEntries(built.map((b) => [b.name, expectedFindings(b.construct, b.config, b.stack).map((f) => `ELASTICACHE_${f}`)]));
    expect(guardFindings(GUARD_RULES, templates)).toEqual(expected);
  });
});
