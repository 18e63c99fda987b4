import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { VENDED_LOGS_PREFIX } from './log-groups';
import { Topology } from './node-ids';
import { describeNodeType, nodeFamilyProblem, NodeTypeInfo, suggestedNodeType } from './node-types';
import {
  DAY_MINUTES, dailyOverlapsWeekly, isLiteral, parseDailyWindow, PropsValidator, quote, rangeLength, validateMaintenanceWindow,
} from './validation';
import { CacheEngine, CacheEngineVersion } from '../cache-engine-version';
import type { CacheLogging, SecureRedisClusterProps } from '../secure-redis-cluster';

// The rules of SecureRedisCluster's props that need more than one line, and its soft warnings.

const WARNING_PREFIX = 'cdk-secure-elasticache';

export function validateNodeType(v: PropsValidator, nodeType: string, engine: CacheEngineVersion, isDefault: boolean): NodeTypeInfo | undefined {
  if (!isLiteral(nodeType)) return undefined;
  const info = describeNodeType(nodeType);
  const shown = `nodeType ${quote(nodeType)}${isDefault ? ' (the default)' : ''}`;
  if (typeof info === 'string') {
    v.check(true, `${shown} cannot be used: ${info}.`);
    return undefined;
  }
  // r6gd nodes always tier data to SSD, which needs Valkey or Redis OSS 6.2+ (user guide, "Data tiering").
  v.check(info.dataTiering && !engine.supportsDataTiering,
    `${shown} uses data tiering, which ${engine} does not support. Use Valkey or Redis OSS 6.2+, or an r7g node.`);
  const problem = info.dataTiering ? undefined : nodeFamilyProblem(info, engine.engine, engine.version);
  v.check(engine.isKnown && problem !== undefined,
    `${shown} cannot run ${engine}: ${problem}. Give nodeType: ${quote(suggestedNodeType(engine.engine, engine.version))}, or upgrade the engine.`);
  return info;
}

export function validateTopology(v: PropsValidator, t: Topology, multiAz: boolean): void {
  v.integerInRange('replicasPerShard', t.replicasPerShard, 0, 5, 'A shard has 1 to 6 nodes.');
  v.integerInRange('shards', t.shards, 1, 500, 'Valkey and Redis OSS 5.0.6+ allow up to 500 shards.');
  if (!Token.isUnresolved(t.shards)) {
    v.check(!t.clusterMode && t.shards > 1,
      `shards is ${quote(t.shards)} but clusterMode is false. Cluster mode disabled means exactly one shard: set clusterMode: true to shard writes.`);
  } else {
    // With cluster mode off there is no NumNodeGroups: the token would be dropped unseen.
    v.check(!t.clusterMode,
      'shards comes from a token, but with clusterMode false the group has exactly one shard and the value would be ignored. Leave shards unset, or set clusterMode: true.');
  }
  if (!Token.isUnresolved(t.replicasPerShard)) {
    v.check(multiAz && t.replicasPerShard < 1,
      `multiAz needs at least one replica per shard to fail over to, but replicasPerShard is ${quote(t.replicasPerShard)}. Set replicasPerShard to 1 or more, or multiAz: false.`);
  } else {
    // NumCacheClusters is replicasPerShard + 1, and CloudFormation has no arithmetic: a token
    // would give one node less than asked and AutomaticFailoverEnabled false.
    v.check(!t.clusterMode,
      'replicasPerShard comes from a token, but with clusterMode false the node count (replicasPerShard + 1) must be computed at synth. Give a number, or set clusterMode: true.');
  }
}

export function validateBackups(v: PropsValidator, retention: Duration, snapshotWindow: string, maintenanceWindow: string): number {
  let days = 0;
  // A token would otherwise become SnapshotRetentionLimit 0: backups silently off.
  v.check(retention.isUnresolved(),
    'backupRetention comes from a token, but the construct needs the number of days at synth (SnapshotRetentionLimit, SnapshotWindow). Give a literal Duration.days(n).');
  if (!retention.isUnresolved()) {
    // Not integral: Duration.minutes(90) would otherwise throw without the construct path.
    const exact = retention.toHours({ integral: false }) / 24;
    v.check(!Number.isInteger(exact), `backupRetention must be whole days, got ${retention.toHumanString()}.`);
    days = Math.floor(exact);
    v.check(days < 0 || days > 35, `backupRetention must be from 0 to 35 days, got ${days} days. ElastiCache keeps automatic backups at most 35 days.`);
  }
  const daily = isLiteral(snapshotWindow) ? parseDailyWindow(snapshotWindow) : undefined;
  const weekly = validateMaintenanceWindow(v, maintenanceWindow);
  if (isLiteral(snapshotWindow)) {
    v.check(!daily, `snapshotWindow ${quote(snapshotWindow)} is not of the form hh24:mi-hh24:mi (UTC), e.g. "03:00-04:00".`);
    v.check(!!daily && rangeLength(daily.start, daily.end, DAY_MINUTES) < 60,
      `snapshotWindow ${quote(snapshotWindow)} is shorter than the 60 minutes ElastiCache requires.`);
  }
  if (daily && weekly && days > 0) {
    v.check(dailyOverlapsWeekly(daily, weekly),
      `snapshotWindow ${quote(snapshotWindow)} overlaps maintenanceWindow ${quote(maintenanceWindow)}. Move one of them: a backup and maintenance in the same hour delay each other.`);
  }
  return days;
}

export function validateLogging(v: PropsValidator, engine: CacheEngineVersion, logging: CacheLogging = {}): Required<Pick<CacheLogging, 'slowLog' | 'engineLog' | 'retention'>> {
  v.check(logging.slowLog === true && !engine.supportsSlowLog,
    `logging.slowLog needs Valkey or Redis OSS 6.0+, not ${engine}. Upgrade the engine or set slowLog: false.`);
  v.check(logging.engineLog === true && !engine.supportsEngineLog,
    `logging.engineLog needs Valkey or Redis OSS 6.2+, not ${engine}. Upgrade the engine or set engineLog: false.`);
  return {
    slowLog: logging.slowLog ?? engine.supportsSlowLog,
    engineLog: logging.engineLog ?? engine.supportsEngineLog,
    retention: logging.retention ?? logs.RetentionDays.ONE_YEAR,
  };
}

/** The soft advice on a replication group's props, as warnings that users can acknowledge. */
export function warnAboutCluster(scope: IConstruct, props: SecureRedisClusterProps, nodeTypeInfo: NodeTypeInfo | undefined,
  engine: CacheEngineVersion, t: Topology, multiAz: boolean, retentionDays: number): void {
  const annotations = Annotations.of(scope);
  if (!multiAz) {
    annotations.addWarningV2(`${WARNING_PREFIX}:singleAz`,
      'multiAz is off: an Availability Zone outage takes the cache down until ElastiCache replaces the node.');
  }
  if (retentionDays < 15) {
    annotations.addWarningV2(`${WARNING_PREFIX}:shortBackupRetention`,
      `backupRetention is ${retentionDays} days; the HIPAA Security and NIST 800-53 packs want at least 15.`);
  }
  if (nodeTypeInfo?.burstable) {
    annotations.addWarningV2(`${WARNING_PREFIX}:burstableNode`,
      `nodeType ${props.nodeType} is burstable: raise reserved-memory-percent (AWS advises 30%, 50% on micro nodes) in parameters, and expect CPU credits to run out under steady load.`);
  }
  if (!Token.isUnresolved(t.shards) && !Token.isUnresolved(t.replicasPerShard) && t.shards * (t.replicasPerShard + 1) > 90) {
    annotations.addWarningV2(`${WARNING_PREFIX}:nodeQuota`,
      `${t.shards * (t.replicasPerShard + 1)} nodes exceed the default quota of 90 nodes per cluster: ask AWS for a higher quota before deploying.`);
  }
  if (props.parameterGroupName !== undefined && t.clusterMode) {
    annotations.addWarningV2(`${WARNING_PREFIX}:clusterParameterGroup`,
      `parameterGroupName '${props.parameterGroupName}' must have cluster-enabled yes, since clusterMode is on.`);
  }
  if (engine.engine === CacheEngine.REDIS && !engine.supportsTransitEncryptionMode) {
    annotations.addWarningV2(`${WARNING_PREFIX}:oldRedis`,
      `${engine} predates TransitEncryptionMode; TLS is on and required. Plan an upgrade to Valkey.`);
  }
}

export function validateOwnLogGroups(v: PropsValidator, logging: CacheLogging = {}): void {
  for (const [prop, group, on] of [['slowLogGroup', logging.slowLogGroup, logging.slowLog], ['engineLogGroup', logging.engineLogGroup, logging.engineLog]] as const) {
    if (!group) continue;
    v.check(on === false, `logging.${prop} is given but the log is off. Remove ${prop}, or turn the log on.`);
    const name = group.logGroupName;
    v.check(isLiteral(name) && !name.startsWith(VENDED_LOGS_PREFIX),
      `logging.${prop} '${name}' is not under ${VENDED_LOGS_PREFIX}: ElastiCache log delivery to it adds to a CloudWatch Logs resource policy `
      + `limited to 5,120 characters, which fills up in busy accounts. Name the group ${VENDED_LOGS_PREFIX}elasticache/..., or leave ${prop} unset.`);
  }
  v.check(logging.slowLogGroup !== undefined && logging.slowLogGroup === logging.engineLogGroup,
    'logging.slowLogGroup and logging.engineLogGroup are the same log group. Give each log type its own group.');
  v.check(logging.retention !== undefined && logging.slowLogGroup !== undefined && logging.engineLogGroup !== undefined,
    'logging.retention applies to the log groups the construct creates, but both groups are your own. Set the retention on your groups, and remove retention.');
}
