import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { GroupMetricOptions, ISecureRedisCluster, NodeAggregation, SecretRotation, SecureRedisCluster, SecureRedisClusterProps } from '../src';
import { newStack } from './fixtures';
import { buildInFixtureVpc, PropsFactory, resolveProps } from './support';

// ElastiCache publishes Valkey/Redis OSS metrics per node (dimension CacheClusterId): a value of
// the whole group is metric math over one metric of every node.

function build(props: PropsFactory<SecureRedisClusterProps> = {}) {
  return buildInFixtureVpc(SecureRedisCluster, 'Cache', (stack, vpc) => ({ secretRotation: SecretRotation.disabled(), ...resolveProps(props, stack, vpc) }));
}

/** The ids of an expression are `<series><n>_<hash>`; the hash tells groups and metrics apart. */
const HASH = /_[0-9a-f]{6}\b/g;
const plain = (text: string) => text.replace(HASH, '');

/** The expression and, per id (without its hash), the node metric it reads, with tokens resolved. */
function describe_(stack: Stack, metric: cloudwatch.IMetric) {
  expect(metric).toBeInstanceOf(cloudwatch.MathExpression);
  const math = metric as cloudwatch.MathExpression;
  // One hash per series: every id of a series ends with it.
  for (const prefix of ['node', 'hits', 'misses']) {
    const hashes = new Set(Object.keys(math.usingMetrics).filter((id) => id.startsWith(prefix)).map((id) => id.split('_')[1]));
    expect(hashes.size).toBeLessThanOrEqual(1);
  }
  const nodes = Object.fromEntries(Object.entries(math.usingMetrics).map(([rawId, m]) => {
    const id = plain(rawId);
    const node = m as cloudwatch.Metric;
    return [id, {
      namespace: node.namespace,
      metricName: node.metricName,
      statistic: node.statistic,
      period: node.period.toMinutes(),
      dimensions: stack.resolve(node.dimensions),
    }];
  }));
  return { expression: plain(math.expression), period: math.period.toMinutes(), label: math.label, nodes };
}

const GROUP_ID = { Ref: 'Cache18F6EE16' };
const node = (suffix: string) => ({ CacheClusterId: { 'Fn::Join': ['', [GROUP_ID, suffix]] } });

type GroupMethod = {
  [K in keyof ISecureRedisCluster]-?: ISecureRedisCluster[K] extends (props?: GroupMetricOptions) => cloudwatch.IMetric ? K : never
}[keyof ISecureRedisCluster];

describe('metrics of the whole group', () => {
  test.each<[GroupMethod, string, string, string]>([
    ['metricGroupEngineCpuUtilization', 'EngineCPUUtilization', 'MAX', 'Average'],
    ['metricGroupCpuUtilization', 'CPUUtilization', 'MAX', 'Average'],
    ['metricGroupDatabaseMemoryUsagePercentage', 'DatabaseMemoryUsagePercentage', 'MAX', 'Average'],
    ['metricGroupReplicationLag', 'ReplicationLag', 'MAX', 'Maximum'],
    ['metricGroupEvictions', 'Evictions', 'SUM', 'Sum'],
    ['metricGroupCurrConnections', 'CurrConnections', 'SUM', 'Maximum'],
    ['metricGroupCacheHits', 'CacheHits', 'SUM', 'Sum'],
    ['metricGroupCacheMisses', 'CacheMisses', 'SUM', 'Sum'],
    // The alpha module's names.
    ['metricCacheHitCount', 'CacheHits', 'SUM', 'Sum'],
    ['metricCacheMissCount', 'CacheMisses', 'SUM', 'Sum'],
    ['metricActiveConnections', 'CurrConnections', 'SUM', 'Maximum'],
    ['metricNetworkBytesIn', 'NetworkBytesIn', 'SUM', 'Sum'],
    ['metricNetworkBytesOut', 'NetworkBytesOut', 'SUM', 'Sum'],
  ])('%s: %s, %s over the nodes of the %s of each', (method, metricName, aggregation, statistic) => {
    const { stack, cache } = build();
    const each = { namespace: 'AWS/ElastiCache', metricName, statistic, period: 5 };

    expect(describe_(stack, cache[method]())).toEqual({
      expression: `${aggregation}([node1, node2])`,
      period: 5,
      label: `${aggregation} of ${metricName} (2 nodes)`,
      nodes: {
        node1: { ...each, dimensions: node('-0001-001') },
        node2: { ...each, dimensions: node('-0001-002') },
      },
    });
  });

  test('reads every node of every shard, each once, in the order of nodeIds', () => {
    const { stack, cache } = build({ shards: 3, replicasPerShard: 2 });
    const { expression, nodes } = describe_(stack, cache.metricGroupEvictions());
    const ids = Object.values(nodes).map((n) => n.dimensions);

    expect(expression).toBe(`SUM([${[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `node${i}`).join(', ')}])`);
    expect(ids).toEqual(['-0001-001', '-0001-002', '-0001-003', '-0002-001', '-0002-002', '-0002-003', '-0003-001', '-0003-002', '-0003-003'].map(node));
    expect(ids).toEqual(cache.nodeIds.map((id) => ({ CacheClusterId: stack.resolve(id) })));
  });

  test('with cluster mode off, the nodes are <id>-001, <id>-002, ...', () => {
    const { stack, cache } = build({ clusterMode: false, replicasPerShard: 2 });
    const { nodes } = describe_(stack, cache.metricGroupDatabaseMemoryUsagePercentage());

    expect(Object.values(nodes).map((n) => n.dimensions)).toEqual(['-001', '-002', '-003'].map(node));
  });

  test('metricGroup() takes any metric and function; statistic, period, label and color reach the nodes and the expression', () => {
    const { stack, cache } = build();
    const metric = cache.metricGroup('IsMaster', NodeAggregation.MIN, { statistic: 'Minimum', period: Duration.minutes(1), label: 'Primaries', color: '#1f77b4' });
    const described = describe_(stack, metric);

    expect(described).toMatchObject({ expression: 'MIN([node1, node2])', period: 1, label: 'Primaries' });
    expect(Object.values(described.nodes).map((n) => [n.metricName, n.statistic, n.period])).toEqual([['IsMaster', 'Minimum', 1], ['IsMaster', 'Minimum', 1]]);
    expect((metric as cloudwatch.MathExpression).color).toBe('#1f77b4');
    // A typed helper keeps its own statistic unless one is given.
    expect(Object.values(describe_(stack, cache.metricGroupEvictions({ statistic: 'Maximum' })).nodes).map((n) => n.statistic)).toEqual(['Maximum', 'Maximum']);
  });

  test('metricCacheHitRate: 100 * hits / (hits + misses), each summed over the nodes', () => {
    const { stack, cache } = build();
    const { expression, nodes } = describe_(stack, cache.metricCacheHitRate());

    expect(expression).toBe('100 * SUM([hits1, hits2]) / (SUM([hits1, hits2]) + SUM([misses1, misses2]))');
    expect(Object.fromEntries(Object.entries(nodes).map(([id, n]) => [id, [n.metricName, n.statistic, n.dimensions]]))).toEqual({
      hits1: ['CacheHits', 'Sum', node('-0001-001')],
      hits2: ['CacheHits', 'Sum', node('-0001-002')],
      misses1: ['CacheMisses', 'Sum', node('-0001-001')],
      misses2: ['CacheMisses', 'Sum', node('-0001-002')],
    });
  });

  test('an alarm on a group metric synthesizes: the expression returns data, each node is a MetricStat', () => {
    const { stack, cache } = build();
    new cloudwatch.Alarm(stack, 'Memory', { metric: cache.metricGroupDatabaseMemoryUsagePercentage(), threshold: 80, evaluationPeriods: 3 });
    const alarm = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))[0] as any;
    const metrics = alarm.Properties.Metrics;

    expect(alarm.Properties.MetricName).toBeUndefined();
    const expression = metrics.find((m: any) => m.Expression);
    expect(expression).toMatchObject({ ReturnData: true });
    expect(plain(expression.Expression)).toBe('MAX([node1, node2])');
    expect(metrics.filter((m: any) => m.MetricStat).map((m: any) => ({ id: plain(m.Id), returnData: m.ReturnData, stat: m.MetricStat }))).toEqual(['-0001-001', '-0001-002'].map((suffix, i) => ({
      id: `node${i + 1}`,
      returnData: false,
      stat: {
        Metric: { Namespace: 'AWS/ElastiCache', MetricName: 'DatabaseMemoryUsagePercentage', Dimensions: [{ Name: 'CacheClusterId', Value: node(suffix).CacheClusterId }] },
        Period: 300,
        Stat: 'Average',
      },
    })));
  });

  test('a dashboard graphs the group metrics', () => {
    const { stack, cache } = build({ shards: 2 });
    new cloudwatch.Dashboard(stack, 'Dashboard', {
      widgets: [[
        new cloudwatch.GraphWidget({ left: [cache.metricGroupEngineCpuUtilization(), cache.metricGroupCurrConnections()] }),
        new cloudwatch.GraphWidget({ left: [cache.metricCacheHitRate()] }),
      ]],
    });
    const body = plain(JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0]));

    expect(body).toContain('MAX([node1, node2, node3, node4])');
    expect(body).toContain('SUM([node1, node2, node3, node4])');
    expect(body).toContain('100 * SUM([hits1, hits2, hits3, hits4])');
    expect(body).toContain('EngineCPUUtilization');
    expect(body).toContain('-0002-002');
  });

  test('two groups, and two metrics of one group, share a graph and an alarm: their ids differ', () => {
    const { stack, vpc, cache } = build();
    const other = new SecureRedisCluster(stack, 'Other', { vpc, secretRotation: SecretRotation.disabled() });
    const graphed = [cache.metricGroupEvictions(), other.metricGroupEvictions(), cache.metricGroupEvictions({ statistic: 'Maximum' }), cache.metricGroupCacheHits(), cache.metricCacheHitRate()];
    new cloudwatch.Dashboard(stack, 'Dashboard', { widgets: [[new cloudwatch.GraphWidget({ left: graphed })]] });
    new cloudwatch.Alarm(stack, 'Both', {
      metric: new cloudwatch.MathExpression({ expression: 'a + b', usingMetrics: { a: cache.metricGroupEvictions(), b: other.metricGroupEvictions() } }),
      threshold: 1000,
      evaluationPeriods: 1,
    });

    expect(() => Template.fromStack(stack)).not.toThrow();
    const ids = graphed.map((m) => Object.keys((m as cloudwatch.MathExpression).usingMetrics)[0]);
    expect(new Set(ids).size).toBe(ids.length);
    // The same metric of the same group keeps its ids: synthesizing twice gives the same template.
    const idsOf = (m: cloudwatch.IMetric) => Object.keys((m as cloudwatch.MathExpression).usingMetrics);
    expect(idsOf(cache.metricGroupEvictions())).toEqual(idsOf(graphed[0]));
  });

  // CloudWatch: "Alarms based on metric math expressions can reference a maximum of 10 metrics";
  // aws-cdk-lib refuses more at synth.
  test('an alarm over more than 10 nodes fails at synth, while a dashboard takes them', () => {
    const { stack, cache } = build({ shards: 6, replicasPerShard: 1 });
    new cloudwatch.Dashboard(stack, 'Dashboard', { widgets: [[new cloudwatch.GraphWidget({ left: [cache.metricGroupEvictions()] })]] });

    expect(() => new cloudwatch.Alarm(stack, 'Evictions', { metric: cache.metricGroupEvictions(), threshold: 1000, evaluationPeriods: 1 }))
      .toThrow(/cannot contain more than 10 individual metrics/);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('a group over 499 metrics fails: a CloudWatch graph holds at most 500 metrics and expressions', () => {
    const { cache } = build({ shards: 50, replicasPerShard: 4 });

    expect(() => cache.metricGroupEvictions()).not.toThrow(); // 250 nodes
    expect(() => cache.metricCacheHitRate()).toThrow(/\[TestStack\/Cache\] Cache hit rate % would combine 500 metrics of 250 nodes, but a CloudWatch graph holds at most 500 metrics and expressions\. Graph the metrics of single nodes \(cacheClusterId\) instead\./);
  });

  test('a node count from a token fails: some nodes would be left out', () => {
    const { cache } = build((s) => ({ shards: new CfnParameter(s, 'Shards', { type: 'Number' }).valueAsNumber }));

    expect(() => cache.metricGroupEvictions()).toThrow(/\[TestStack\/Cache\] takes shards or replicasPerShard from a token, so its nodes are not known at synth .* Give numbers, or use the metrics of single nodes \(cacheClusterId\)\./);
  });

  test('the per-node alarms stay: addRecommendedAlarms() alarms on each node', () => {
    const { stack, cache } = build();
    cache.addRecommendedAlarms();
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);

    expect(alarms.every((a) => a.Metrics === undefined && a.Dimensions.length === 1)).toBe(true);
    expect(alarms.filter((a) => a.MetricName === 'DatabaseMemoryUsagePercentage').map((a) => a.Dimensions[0].Value)).toEqual(['-0001-001', '-0001-002'].map((s) => node(s).CacheClusterId));
  });
});

describe('metrics of the whole group on imports', () => {
  const sg = (stack: Stack) => ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0');

  test('an import with its topology reads every node, on the interface', () => {
    const { stack } = newStack();
    const orders: ISecureRedisCluster = SecureRedisCluster.fromSecureRedisClusterAttributes(stack, 'Orders', {
      replicationGroupId: 'Orders-Cache', port: 6380, securityGroups: [sg(stack)], clusterMode: true, shards: 2, replicasPerShard: 1,
    });
    const { expression, nodes } = describe_(stack, orders.metricGroupReplicationLag());

    expect(expression).toBe('MAX([node1, node2, node3, node4])');
    expect(Object.values(nodes).map((n) => n.dimensions.CacheClusterId)).toEqual(['orders-cache-0001-001', 'orders-cache-0001-002', 'orders-cache-0002-001', 'orders-cache-0002-002']);
    new cloudwatch.Alarm(stack, 'Lag', { metric: orders.metricGroupReplicationLag(), threshold: 30, evaluationPeriods: 3 });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('an import without topology attributes reads the defaults: cluster mode off, one replica', () => {
    const { stack } = newStack();
    const orders = SecureRedisCluster.fromSecureRedisClusterAttributes(stack, 'Orders', { replicationGroupId: 'orders', port: 6380, securityGroups: [sg(stack)] });

    expect(Object.values(describe_(stack, orders.metricActiveConnections()).nodes).map((n) => n.dimensions.CacheClusterId)).toEqual(['orders-001', 'orders-002']);
  });

  test('fromReplicationGroupId does not know the nodes, and says which import does', () => {
    const { stack } = newStack();
    const sessions = SecureRedisCluster.fromReplicationGroupId(stack, 'Sessions', 'sessions-cache');

    expect(() => sessions.metricCacheHitRate()).toThrow(/\[TestStack\/Sessions\] was imported with fromReplicationGroupId\(\), which does not tell its nodes\. .*SecureRedisCluster\.fromSecureRedisClusterAttributes\(\) and give clusterMode, shards and replicasPerShard/);
  });

  test('an import whose shards come from a token fails like the construct', () => {
    const { stack } = newStack();
    const orders = SecureRedisCluster.fromSecureRedisClusterAttributes(stack, 'Orders', {
      replicationGroupId: 'orders', port: 6380, securityGroups: [sg(stack)], clusterMode: true, shards: new CfnParameter(stack, 'Shards', { type: 'Number' }).valueAsNumber,
    });

    expect(() => orders.metricGroupEvictions()).toThrow(/\[TestStack\/Orders\] takes shards or replicasPerShard from a token/);
  });
});
