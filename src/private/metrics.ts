import { createHash } from 'crypto';
import { Duration, IResource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { notify } from './alarm-topic';

/**
 * One metric of one ElastiCache node. Metrics are per node (ElastiCache user guide, "Host-level
 * metrics"): `CacheClusterId` names a Valkey/Redis OSS node, `CacheClusterId` plus `CacheNodeId`
 * a Memcached node.
 */
export function cacheMetric(dimensions: Record<string, string>, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/ElastiCache',
    metricName,
    statistic: cloudwatch.Stats.AVERAGE,
    period: Duration.minutes(5),
    ...props,
    dimensionsMap: { ...dimensions, ...props.dimensionsMap },
  });
}

/**
 * The account and Region of a resource imported from another one (by ARN), for its metrics:
 * empty for a resource of the stack's own account and Region.
 */
export function metricEnvironment(resource: IResource): { account?: string; region?: string } {
  const stack = Stack.of(resource);
  return {
    ...(resource.env.account !== stack.account ? { account: resource.env.account } : {}),
    ...(resource.env.region !== stack.region ? { region: resource.env.region } : {}),
  };
}

/** One metric of one Valkey/Redis OSS node. */
export function nodeMetric(cacheClusterId: string, metricName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return cacheMetric({ CacheClusterId: cacheClusterId }, metricName, props);
}

/** A threshold alarm that the recommended set creates for each node. */
export interface NodeAlarmSpec {
  readonly id: string;
  readonly metric: cloudwatch.Metric;
  readonly threshold: number;
  readonly description: string;
  readonly evaluationPeriods?: number;
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

/** Creates the alarms, each notifying the topic on ALARM and OK (AwsSolutions `CloudWatchAlarmAction`). */
export function createNodeAlarms(scope: Construct, specs: NodeAlarmSpec[], topic: sns.ITopic): cloudwatch.Alarm[] {
  return specs.map((spec) => {
    const alarm = new cloudwatch.Alarm(scope, spec.id, {
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.MISSING,
      alarmDescription: spec.description,
    });
    notify(alarm, topic);
    return alarm;
  });
}

/**
 * A CloudWatch graph holds at most 500 metrics and expressions (CloudWatch user guide, "Using
 * math expressions with CloudWatch metrics").
 */
const MAX_GRAPH_ENTRIES = 500;

/** One metric of every node, named `<prefix><n>_<hash>` in the expression. */
export interface NodeSeries {
  readonly prefix: string;
  readonly metricOf: (nodeId: string) => cloudwatch.Metric;
}

/** What the caller of a whole-group metric may set on the expression. */
export interface NodesMathOptions {
  readonly label?: string;
  readonly color?: string;
  readonly period?: Duration;
}

/**
 * Metric math over the nodes of a replication group: ElastiCache publishes Valkey/Redis OSS
 * metrics per node, never per group (user guide, "Metrics for Valkey and Redis OSS"), so a value
 * of the whole group is a function of every node's series, e.g. `SUM([n1, n2])`, which is a time
 * series when given an array of series (CloudWatch user guide, "Metric math syntax and functions").
 */
export function nodesMath(
  scope: IConstruct,
  what: string,
  nodeIds: string[],
  series: NodeSeries[],
  expressionOf: (ids: Record<string, string[]>) => string,
  options: NodesMathOptions,
): cloudwatch.MathExpression {
  const count = nodeIds.length * series.length;
  if (count + 1 > MAX_GRAPH_ENTRIES) {
    throw new Error(`[${scope.node.path}] ${what} would combine ${count} metrics of ${nodeIds.length} nodes, `
      + `but a CloudWatch graph holds at most ${MAX_GRAPH_ENTRIES} metrics and expressions. Graph the metrics of single nodes (cacheClusterId) instead.`);
  }
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  const ids: Record<string, string[]> = {};
  for (const s of series) {
    const metrics = nodeIds.map((nodeId) => s.metricOf(nodeId));
    // One graph or alarm refuses two different metrics under one id (aws-cdk-lib), so the ids
    // tell apart the groups, metrics, statistics and periods: two group metrics can share a graph.
    const m = metrics[0];
    const hash = createHash('sha256').update(JSON.stringify([scope.node.addr, m.metricName, m.statistic, m.period.toSeconds()])).digest('hex').slice(0, 6);
    ids[s.prefix] = metrics.map((metric, i) => {
      const key = `${s.prefix}${i + 1}_${hash}`;
      usingMetrics[key] = metric;
      return key;
    });
  }
  return new cloudwatch.MathExpression({
    expression: expressionOf(ids),
    usingMetrics,
    label: options.label ?? `${what} (${nodeIds.length} nodes)`,
    color: options.color,
    period: options.period ?? Duration.minutes(5),
  });
}
