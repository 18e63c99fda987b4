import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
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
