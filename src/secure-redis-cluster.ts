import { Annotations, ArnFormat, Duration, IResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AuthToken } from './auth-token';
import { SecretRotation } from './auth-token-rotation';
import { AccessString, CacheAuthentication } from './cache-authentication';
import { CacheEndpoint } from './cache-endpoint';
import { CacheEngineVersion } from './cache-engine-version';
import { ICacheUserGroup } from './cache-user-group';
import { acknowledge } from './private/acknowledgements';
import { defaultAlarmTopic } from './private/alarm-topic';
import { AUTH_TOKEN_EXCLUDED_CHARACTERS } from './private/auth-token-chars';
import { RotationTarget } from './private/auth-token-rotation';
import { defaultCacheId, replacementAwareName, validateCacheId } from './private/ids';
import {
  ArnResourceType, grantConnectOn, ImportedGroupFacts, missingAttribute, resourceNameOfArn, validateElastiCacheArn, validateIamUserNames,
  validateImportedGroup,
} from './private/imports';
import { createKey } from './private/keys';
import { createEncryptedLogGroup } from './private/log-key';
import { createNodeAlarms, metricEnvironment, nodeMetric, NodeAlarmSpec, nodesMath } from './private/metrics';
import { checkZoneSpread, createCacheSecurity, createSubnetGroup, refuseWorldOpenIngress, selectCacheSubnets, validateAllowedConnections } from './private/network';
import { everyNodeId, nodeIdFragments, nodeIdsOf, Topology } from './private/node-ids';
import { NodeTypeInfo } from './private/node-types';
import { createParameterGroup } from './private/parameter-group';
import {
  bindUserGroup, BoundCacheUser, boundUserSecret, describeUserGroup, iamUsersToConnect, KnownCacheUser, SHARED_GROUP_IAM_FIX, userArn,
  userGroupIdFor, validateSharedUserGroup, validateUsers,
} from './private/rbac';
import { validateSnapshotArns } from './private/restore';
import { grantReadSecret } from './private/secret-grant';
import { rotateSecrets } from './private/secret-rotation';
import {
  validateBackups, validateLogging, validateNodeType, validateOwnLogGroups, validateTopology, warnAboutCluster,
} from './private/validate-cluster-props';
import {
  isLiteral, PropsValidator, quote, validateDescription, validateEngineVersionText, validateEventTopic, validateLogRetention, validateSecretName,
} from './private/validation';

const WARNING_PREFIX = 'cdk-secure-elasticache';

/**
 * The default port of replication groups.
 *
 * 6379 is the well-known Valkey/Redis port that scanners try first, and AwsSolutions-AEC5 flags it
 * for the `redis` engine. One non-default port for every engine means switching engines does not
 * also change the port (a create-only property).
 */
const DEFAULT_REDIS_PORT = 6380;

/** The import that takes every attribute, named in the errors of imports. */
const REDIS_ATTRIBUTES_IMPORT = 'SecureRedisCluster.fromSecureRedisClusterAttributes';

/** Marks the groups that the library creates, for `isSecureRedisCluster()` (as aws-cdk-lib does for its constructs). */
const SECURE_REDIS_CLUSTER_SYMBOL = Symbol.for('cdk-secure-elasticache.SecureRedisCluster');

/** ReplicationGroupId: 1 to 40 characters (CreateReplicationGroup API reference). */
const MAX_GROUP_ID_LENGTH = 40;

/**
 * How strictly the replication group asks for TLS.
 */
export enum TransitEncryptionMode {
  /** Clients must use TLS. */
  REQUIRED = 'required',
  /** Clients may use TLS or plain TCP: only for migrating running clients to TLS, then switch to REQUIRED. */
  PREFERRED = 'preferred',
}

/**
 * Log delivery of a replication group to CloudWatch Logs.
 */
export interface CacheLogging {
  /**
   * Deliver the slow log (commands over `slowlog-log-slower-than`).
   *
   * @default true where the engine supports it (Valkey 7+, Redis OSS 6.0+)
   */
  readonly slowLog?: boolean;

  /**
   * Deliver the engine log.
   *
   * @default true where the engine supports it (Valkey 7+, Redis OSS 6.2+)
   */
  readonly engineLog?: boolean;

  /**
   * How long the log groups that the construct creates keep their events.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;

  /**
   * Your own log group for the slow log, instead of one the construct creates. Name it under
   * `/aws/vendedlogs/`: log delivery to other groups adds to an account-wide resource policy of
   * at most 5,120 characters, and fails once it is full. It must not be the engine log's group.
   *
   * @default - a log group named `/aws/vendedlogs/elasticache/<stack>/<construct>-<stack uuid>/slow-log`
   */
  readonly slowLogGroup?: logs.ILogGroup;

  /**
   * Your own log group for the engine log, instead of one the construct creates (the same
   * advice as `slowLogGroup`).
   *
   * @default - a log group named `/aws/vendedlogs/elasticache/<stack>/<construct>-<stack uuid>/engine-log`
   */
  readonly engineLogGroup?: logs.ILogGroup;
}

/**
 * Properties of a `SecureRedisCluster`.
 */
export interface SecureRedisClusterProps {
  /** The VPC to place the cache in. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cache's subnet group. Public subnets are rejected.
   *
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The engine and its version.
   *
   * @default CacheEngineVersion.VALKEY_9_0: Valkey costs less than Redis OSS on ElastiCache, is
   * maintained by AWS, and 9.0 is the newest version that CloudFormation and cfn-lint accept
   */
  readonly engineVersion?: CacheEngineVersion;

  /**
   * The node type of every node.
   *
   * @default 'cache.m7g.large'
   */
  readonly nodeType?: string;

  /**
   * Whether data is partitioned over shards (Valkey/Redis OSS cluster mode).
   *
   * With cluster mode on, write capacity grows by raising `shards`, online: the construct sets
   * the `UseOnlineResharding` update policy. Turn it off for clients that are not cluster-aware:
   * you then get one shard with a primary and a reader endpoint.
   *
   * @default true
   */
  readonly clusterMode?: boolean;

  /**
   * The number of shards (node groups). More than one needs cluster mode.
   *
   * @default 1
   */
  readonly shards?: number;

  /**
   * Read replicas in each shard, 0 to 5.
   *
   * With cluster mode on, a change replaces the group (`ReplicasPerNodeGroup` is create-only in
   * CloudFormation): a new, empty group, and a final snapshot of the old one. With cluster mode
   * off it changes in place.
   *
   * @default 1
   */
  readonly replicasPerShard?: number;

  /**
   * Multi-AZ with automatic failover: a replica in another Availability Zone takes over when the
   * primary fails. Needs at least one replica and subnets in two Availability Zones.
   *
   * @default true
   */
  readonly multiAz?: boolean;

  /**
   * The port clients connect to. A change replaces the group (`Port` is create-only).
   *
   * @default 6380: not the well-known 6379, so AwsSolutions-AEC5 passes for every engine
   */
  readonly port?: number;

  /**
   * The sources admitted to the cache, on the cache port only.
   *
   * @default - nobody: admit clients later with `cache.connections.allowDefaultPortFrom(client)`
   */
  readonly allowedConnections?: ec2.IConnectable[];

  /**
   * Admit the address ranges (CIDR peers, prefix lists) listed in `allowedConnections`.
   * World-open ranges (`0.0.0.0/0`, `::/0`) are refused even then.
   *
   * @default false: only security groups may be listed in `allowedConnections`
   */
  readonly allowCidrIngress?: boolean;

  /**
   * Security groups to attach besides the construct's own one, which is always attached: the
   * own group is the one `allowedConnections` fills and the construct checks for world-open rules.
   * Rules added through `connections` go into every group, as elsewhere in aws-cdk-lib. (Not
   * `securityGroups`: in aws-cdk-lib and the alpha module that name replaces the construct's group.)
   *
   * @default - only the security group the construct creates
   */
  readonly additionalSecurityGroups?: ec2.ISecurityGroup[];

  /**
   * The KMS key for encryption at rest, of the AUTH token secret and of the log groups.
   * A key you bring must let CloudWatch Logs use it when logging is on. A change replaces the
   * group (`KmsKeyId` is create-only).
   *
   * @default - a new key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How strictly TLS is required. TLS itself is always on.
   *
   * @default TransitEncryptionMode.REQUIRED
   */
  readonly transitEncryptionMode?: TransitEncryptionMode;

  /**
   * The AUTH token that clients must present. A shorthand for
   * `authentication: CacheAuthentication.authToken(token)`; give one or the other.
   *
   * @default AuthToken.generated()
   */
  readonly authToken?: AuthToken;

  /**
   * How clients authenticate: one AUTH token, RBAC users with passwords, or IAM.
   *
   * Moving an existing group from an AUTH token to users replaces it in CloudFormation
   * (`AuthToken` to `UserGroupIds` is not an in-place update there): the derived
   * `replicationGroupId` changes with it, so the replacement succeeds, and the old group leaves a
   * final snapshot.
   *
   * @default CacheAuthentication.authToken(): a generated AUTH token
   */
  readonly authentication?: CacheAuthentication;

  /**
   * How long automatic daily backups are kept, in whole days from 0 (no backups) to 35.
   *
   * @default Duration.days(15): the HIPAA Security and NIST 800-53 packs want at least 15 days
   */
  readonly backupRetention?: Duration;

  /**
   * The daily backup window, `hh24:mi-hh24:mi` in UTC, at least 60 minutes.
   *
   * @default '03:00-04:00'
   */
  readonly snapshotWindow?: string;

  /**
   * The weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` in UTC, at least 60 minutes,
   * not overlapping the backup window.
   *
   * @default 'sun:05:00-sun:06:00'
   */
  readonly maintenanceWindow?: string;

  /**
   * What happens to the replication group when it leaves the stack or is replaced.
   *
   * @default RemovalPolicy.SNAPSHOT: a final backup is taken
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The name of a backup to restore the new replication group from (create-only).
   *
   * @default - an empty cache
   */
  readonly snapshotName?: string;

  /**
   * `.rdb` files in Amazon S3 to seed the new replication group with, as ARNs:
   * `arn:<partition>:s3:::<bucket>/<key>.rdb` (create-only: `SnapshotArns`). The bucket must be
   * in the group's Region and let ElastiCache read the files (docs/secure-redis-cluster.md,
   * "Seeding from .rdb files in Amazon S3"). Keep the list as long as the group lives: removing
   * or changing it replaces the group with a new one, seeded again or empty.
   *
   * @default - an empty cache (or the backup of `snapshotName`)
   */
  readonly snapshotArnsToRestore?: string[];

  /**
   * Engine parameters. A parameter group of the engine's family is created for them
   * (with `cluster-enabled` set from `clusterMode`).
   *
   * @default - none; a parameter group is still created in cluster mode
   */
  readonly parameters?: Record<string, string>;

  /**
   * The name of an existing parameter group, instead of `parameters`. In cluster mode it must
   * have `cluster-enabled yes`.
   *
   * @default - a parameter group is created when `parameters` are given or cluster mode is on
   */
  readonly parameterGroupName?: string;

  /**
   * Log delivery to CloudWatch Logs, as JSON, into one log group per log type.
   *
   * @default - slow log and engine log where the engine supports them, kept for one year
   */
  readonly logging?: CacheLogging;

  /**
   * Apply minor engine upgrades in the maintenance window.
   *
   * @default true
   */
  readonly autoMinorVersionUpgrade?: boolean;

  /**
   * An SNS topic for ElastiCache events (failovers, maintenance). ElastiCache cannot publish to
   * a KMS-encrypted topic (an encrypted `sns.Topic` is rejected), and the topic's access policy
   * must use `aws:SourceOwner`.
   *
   * @default - no event notifications
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * The topic that the construct's alarms notify: the rotation-failure alarms and those of
   * `addRecommendedAlarms()`. If it is encrypted with KMS, its key must let CloudWatch use it.
   *
   * @default - `notificationTopic` if given, else a new topic encrypted with the cache's key
   * (or a key of its own when the cache's key is imported); see `alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether and how the secrets that the construct generates rotate: the AUTH token of
   * `AuthToken.generated()` and the passwords of RBAC password users. An AUTH token secret of
   * your own (`AuthToken.fromSecret()`) rotates only when this is set.
   *
   * Each rotation makes the group accept the new token (or the user the new password) next to
   * the current one, checks it with `AUTH` and `PING` over TLS, and only then moves
   * `AWSCURRENT`: the replaced secret keeps working for one more `schedule` period, in which
   * clients must read the secret again. A rotation that fails raises an alarm on `alarmTopic`.
   *
   * @default SecretRotation.enabled(): every 30 days
   */
  readonly secretRotation?: SecretRotation;

  /**
   * The replication group id: 1 to 40 letters, digits and hyphens, starting with a letter,
   * without two hyphens in a row or a trailing hyphen. ElastiCache stores it in lowercase.
   *
   * A name you give is fixed: CloudFormation cannot replace a resource with a fixed name, so a
   * change that replaces the group (`port`, `encryptionKey`, `replicasPerShard` in cluster mode,
   * `clusterMode`, `snapshotName`, `snapshotArnsToRestore`, subnets, AUTH token to users) fails unless the same change
   * gives a new `replicationGroupId` (docs/updates-and-replacements.md).
   *
   * @default - `<construct path>-<hash>-<stack uuid>`, where the hash covers the properties that
   * cannot change in place, so that a change of any of them gets a new id and replaces the group
   */
  readonly replicationGroupId?: string;

  /**
   * A description of the replication group.
   *
   * @default - the construct path
   */
  readonly description?: string;
}

/**
 * Attributes to import an existing replication group with
 * `SecureRedisCluster.fromSecureRedisClusterAttributes()`. The imported group exposes what it
 * is given, and no more: asking for an endpoint, secret or user that was not given fails at synth,
 * naming the attribute to add.
 */
export interface SecureRedisClusterAttributes {
  /** The replication group id. ElastiCache stores it in lowercase, and so does the import. */
  readonly replicationGroupId: string;

  /** The port clients connect to. */
  readonly port: number;

  /** The security groups of the replication group: `connections` admits clients into them. */
  readonly securityGroups: ec2.ISecurityGroup[];

  /**
   * The secret that holds the AUTH token, for `grantReadAuthToken()`.
   *
   * @default - no AUTH token secret is known
   */
  readonly authTokenSecret?: secretsmanager.ISecret;

  /**
   * Whether the group runs in cluster mode: it decides the node ids of the metrics
   * and which endpoints the group has.
   *
   * @default false
   */
  readonly clusterMode?: boolean;

  /**
   * The number of shards, for per-node metrics and alarms. More than one needs `clusterMode`.
   *
   * @default 1
   */
  readonly shards?: number;

  /**
   * Replicas per shard, for per-node metrics and alarms.
   *
   * @default 1
   */
  readonly replicasPerShard?: number;

  /**
   * The DNS name of the primary endpoint (cluster mode off), for `primaryEndpoint` and `endpoint`.
   *
   * @default - not known: `primaryEndpoint` fails at synth
   */
  readonly primaryEndpointAddress?: string;

  /**
   * The DNS name of the reader endpoint (cluster mode off), for `readerEndpoint`.
   *
   * @default - not known: `readerEndpoint` fails at synth
   */
  readonly readerEndpointAddress?: string;

  /**
   * The DNS name of the configuration endpoint (cluster mode on), for `configurationEndpoint`
   * and `endpoint`.
   *
   * @default - not known: `configurationEndpoint` fails at synth
   */
  readonly configurationEndpointAddress?: string;

  /**
   * The IAM users of the group's user group, by name (an IAM user's id is its name), for
   * `grantConnect(grantee)`. `grantConnect(grantee, userName)` works without it, for the one
   * user named.
   *
   * @default - not known: `grantConnect()` needs a user name
   */
  readonly iamUserNames?: string[];
}

/**
 * Options of one node metric.
 */
export interface CacheMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The node (`CacheClusterId`) to read: ElastiCache publishes metrics per node.
   * `nodeIds` lists the nodes.
   *
   * @default - the first node of the first shard
   */
  readonly cacheClusterId?: string;
}

/**
 * How the values of the nodes combine into one value of the whole group: a metric math function
 * over the series of every node.
 */
export enum NodeAggregation {
  /** The sum over the nodes: for counts (evictions, connections, hits, bytes). */
  SUM = 'SUM',
  /** The highest node: for percentages and lags, where the worst node matters. */
  MAX = 'MAX',
  /** The lowest node. */
  MIN = 'MIN',
  /** The mean over the nodes. */
  AVG = 'AVG',
}

/**
 * Options of a metric of the whole group: metric math over the metric of every node.
 */
export interface GroupMetricOptions {
  /**
   * The statistic of each node's metric, before the nodes are combined.
   *
   * @default - that of the node metric: Sum for counts, Maximum for connections and lag, Average for percentages
   */
  readonly statistic?: string;

  /**
   * The period of each node's metric and of the expression.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * The label of the expression in graphs.
   *
   * @default - the function, the metric and the number of nodes, e.g. `SUM of Evictions (2 nodes)`
   */
  readonly label?: string;

  /**
   * The color of the expression in graphs, as a hex string (`#1f77b4`).
   *
   * @default - chosen by CloudWatch
   */
  readonly color?: string;
}

/**
 * Thresholds and action of the recommended alarms.
 */
export interface RecommendedAlarmsOptions {
  /**
   * The topic that alarm and OK notifications go to.
   *
   * @default - the construct's `alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * CPU threshold in percent. Nodes with 2 vCPUs or fewer are watched by `CPUUtilization`
   * with this value divided by the vCPU count (the engine is single-threaded); larger nodes by
   * `EngineCPUUtilization` with this value.
   *
   * @default 90
   */
  readonly cpuUtilizationPercent?: number;

  /**
   * `DatabaseMemoryUsagePercentage` threshold.
   *
   * @default 80
   */
  readonly memoryUsagePercent?: number;

  /**
   * Evictions in five minutes above which to alarm. Set it from your baseline.
   *
   * @default 1000
   */
  readonly evictionsPerFiveMinutes?: number;

  /**
   * `CurrConnections` threshold.
   *
   * @default 52000: 80% of the 65,000 connections a node accepts
   */
  readonly currConnections?: number;

  /**
   * `ReplicationLag` threshold (replicas only).
   *
   * @default Duration.seconds(30)
   */
  readonly replicationLag?: Duration;
}

/**
 * A Valkey or Redis OSS replication group: one that the stack creates (`SecureRedisCluster`) or
 * one that it imports (`SecureRedisCluster.fromSecureRedisClusterAttributes()`).
 */
export interface ISecureRedisCluster extends IResource, ec2.IConnectable {
  /** The replication group id. @attribute */
  readonly replicationGroupId: string;
  /** The replication group ARN. @attribute */
  readonly replicationGroupArn: string;
  /** The port clients connect to. */
  readonly port: number;
  /** The secret that holds the AUTH token, when known. */
  readonly authTokenSecret?: secretsmanager.ISecret;
  /** The `CacheClusterId` of every node, shard by shard. */
  readonly nodeIds: string[];

  /**
   * The endpoint an application connects to: the configuration endpoint in cluster mode, else
   * the primary endpoint.
   */
  readonly endpoint: CacheEndpoint;
  /** The endpoint for writes (cluster mode off); fails at synth in cluster mode. */
  readonly primaryEndpoint: CacheEndpoint;
  /** The endpoint that spreads reads over the replicas (cluster mode off); fails at synth in cluster mode. */
  readonly readerEndpoint: CacheEndpoint;
  /** The endpoint that cluster-aware clients discover the shards from (cluster mode on); fails at synth with cluster mode off. */
  readonly configurationEndpoint: CacheEndpoint;

  /** Grants reading the AUTH token. */
  grantReadAuthToken(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grants `elasticache:Connect` for IAM authentication, on this replication group and on the
   * IAM user `userName` (or on every IAM user of the group when omitted).
   */
  grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant;

  /** A metric of one node. */
  metric(metricName: string, props?: CacheMetricOptions): cloudwatch.Metric;
  /** Percentage of CPU used by the engine thread. */
  metricEngineCpuUtilization(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Percentage of CPU used by the host. */
  metricCpuUtilization(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Percentage of the memory available to data that is in use. */
  metricDatabaseMemoryUsagePercentage(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Keys evicted because of the `maxmemory` limit. */
  metricEvictions(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Client connections, excluding replicas. */
  metricCurrConnections(props?: CacheMetricOptions): cloudwatch.Metric;
  /** How far a replica is behind its primary, in seconds (replica nodes only). */
  metricReplicationLag(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Read hits. */
  metricCacheHits(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Read misses. */
  metricCacheMisses(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Failed AUTH attempts. */
  metricAuthenticationFailures(props?: CacheMetricOptions): cloudwatch.Metric;
  /** Swap used by the host, in bytes. */
  metricSwapUsage(props?: CacheMetricOptions): cloudwatch.Metric;

  /** A metric of the whole group: `aggregation` over the metric of every node (metric math). */
  metricGroup(metricName: string, aggregation: NodeAggregation, props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The busiest engine thread of the group: MAX of `EngineCPUUtilization` over the nodes. */
  metricGroupEngineCpuUtilization(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The busiest host of the group: MAX of `CPUUtilization` over the nodes. */
  metricGroupCpuUtilization(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The fullest node of the group: MAX of `DatabaseMemoryUsagePercentage` over the nodes. */
  metricGroupDatabaseMemoryUsagePercentage(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The replica furthest behind: MAX of `ReplicationLag` over the nodes. */
  metricGroupReplicationLag(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Evictions of the group: SUM of `Evictions` over the nodes. */
  metricGroupEvictions(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Client connections of the group: SUM of `CurrConnections` over the nodes. */
  metricGroupCurrConnections(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Read hits of the group: SUM of `CacheHits` over the nodes. */
  metricGroupCacheHits(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Read misses of the group: SUM of `CacheMisses` over the nodes. */
  metricGroupCacheMisses(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The alpha module's name of `metricGroupCacheHits()`. */
  metricCacheHitCount(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The alpha module's name of `metricGroupCacheMisses()`. */
  metricCacheMissCount(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The percentage of reads of the group that hit: 100 * hits / (hits + misses), summed over the nodes. */
  metricCacheHitRate(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** The alpha module's name of `metricGroupCurrConnections()`. */
  metricActiveConnections(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Bytes the group read from the network: SUM of `NetworkBytesIn` over the nodes. */
  metricNetworkBytesIn(props?: GroupMetricOptions): cloudwatch.IMetric;
  /** Bytes the group wrote to the network: SUM of `NetworkBytesOut` over the nodes. */
  metricNetworkBytesOut(props?: GroupMetricOptions): cloudwatch.IMetric;
}

/**
 * What imported and created replication groups share.
 */
export abstract class SecureRedisClusterBase extends Resource implements ISecureRedisCluster {
  public abstract readonly replicationGroupId: string;
  public abstract readonly replicationGroupArn: string;
  public abstract readonly port: number;
  public abstract readonly authTokenSecret?: secretsmanager.ISecret;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly nodeIds: string[];
  public abstract readonly endpoint: CacheEndpoint;
  public abstract readonly primaryEndpoint: CacheEndpoint;
  public abstract readonly readerEndpoint: CacheEndpoint;
  public abstract readonly configurationEndpoint: CacheEndpoint;

  /**
   * Grants `elasticache:Connect` for IAM authentication, on this replication group and on the
   * IAM user `userName` (or on every IAM user of the group when omitted).
   */
  public abstract grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant;

  /**
   * Grants reading the AUTH token (and decrypting it with its key), in the grantee's identity
   * policy: `kms:Decrypt` is limited to this secret by its encryption context, so the grantee
   * cannot decrypt other secrets under the same key.
   */
  public grantReadAuthToken(grantee: iam.IGrantable): iam.Grant {
    if (!this.authTokenSecret) {
      throw new Error(`[${this.node.path}] has no AUTH token secret to grant access to. With RBAC users, use grantReadUserSecret(grantee, userName); for an imported group, give authTokenSecret.`);
    }
    return grantReadSecret(grantee, this.authTokenSecret);
  }

  /**
   * A metric of one node in the `AWS/ElastiCache` namespace.
   *
   * @default - average over 5 minutes, of the first node unless `cacheClusterId` is given
   */
  public metric(metricName: string, props: CacheMetricOptions = {}): cloudwatch.Metric {
    const { cacheClusterId, ...metricProps } = props;
    // A group imported from another account or Region: its metrics are read there.
    return nodeMetric(cacheClusterId ?? this.nodeIds[0], metricName, { ...metricEnvironment(this), ...metricProps });
  }

  /**
   * Percentage of CPU used by the engine thread.
   *
   * @default - average over 5 minutes
   */
  public metricEngineCpuUtilization(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('EngineCPUUtilization', props);
  }

  /**
   * Percentage of CPU used by the host.
   *
   * @default - average over 5 minutes
   */
  public metricCpuUtilization(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', props);
  }

  /**
   * Percentage of the memory available to data that is in use.
   *
   * @default - average over 5 minutes
   */
  public metricDatabaseMemoryUsagePercentage(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('DatabaseMemoryUsagePercentage', props);
  }

  /**
   * Keys evicted because of the `maxmemory` limit.
   *
   * @default - sum over 5 minutes
   */
  public metricEvictions(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('Evictions', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Client connections, excluding replicas.
   *
   * @default - maximum over 5 minutes
   */
  public metricCurrConnections(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('CurrConnections', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * How far a replica is behind its primary, in seconds (replica nodes only).
   *
   * @default - maximum over 5 minutes
   */
  public metricReplicationLag(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('ReplicationLag', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Read hits.
   *
   * @default - sum over 5 minutes
   */
  public metricCacheHits(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('CacheHits', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Read misses.
   *
   * @default - sum over 5 minutes
   */
  public metricCacheMisses(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('CacheMisses', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Failed AUTH attempts.
   *
   * @default - sum over 5 minutes
   */
  public metricAuthenticationFailures(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('AuthenticationFailures', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Swap used by the host, in bytes.
   *
   * @default - maximum over 5 minutes
   */
  public metricSwapUsage(props?: CacheMetricOptions): cloudwatch.Metric {
    return this.metric('SwapUsage', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * A metric of the whole group: `aggregation` over the metric of every node, with metric math
   * (ElastiCache publishes these metrics per node only). Works in graphs and dashboards; an
   * alarm on metric math reads at most 10 metrics (CloudWatch "Limits that apply to alarms based
   * on metric math expressions"), so alarm on groups of up to 10 nodes, or use
   * `addRecommendedAlarms()`, which alarms on every node.
   *
   * @default - of each node: average over 5 minutes
   */
  public metricGroup(metricName: string, aggregation: NodeAggregation, props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes(metricName, aggregation, (o) => this.metric(metricName, o), props);
  }

  /**
   * The busiest engine thread of the group: MAX of `EngineCPUUtilization` over the nodes.
   *
   * @default - of each node: average over 5 minutes
   */
  public metricGroupEngineCpuUtilization(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('EngineCPUUtilization', NodeAggregation.MAX, (o) => this.metricEngineCpuUtilization(o), props);
  }

  /**
   * The busiest host of the group: MAX of `CPUUtilization` over the nodes.
   *
   * @default - of each node: average over 5 minutes
   */
  public metricGroupCpuUtilization(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('CPUUtilization', NodeAggregation.MAX, (o) => this.metricCpuUtilization(o), props);
  }

  /**
   * The fullest node of the group: MAX of `DatabaseMemoryUsagePercentage` over the nodes.
   *
   * @default - of each node: average over 5 minutes
   */
  public metricGroupDatabaseMemoryUsagePercentage(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('DatabaseMemoryUsagePercentage', NodeAggregation.MAX, (o) => this.metricDatabaseMemoryUsagePercentage(o), props);
  }

  /**
   * The replica furthest behind its primary: MAX of `ReplicationLag` over the nodes (primaries
   * publish no lag).
   *
   * @default - of each node: maximum over 5 minutes
   */
  public metricGroupReplicationLag(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('ReplicationLag', NodeAggregation.MAX, (o) => this.metricReplicationLag(o), props);
  }

  /**
   * Evictions of the group: SUM of `Evictions` over the nodes.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricGroupEvictions(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('Evictions', NodeAggregation.SUM, (o) => this.metricEvictions(o), props);
  }

  /**
   * Client connections of the group: SUM of `CurrConnections` over the nodes.
   *
   * @default - of each node: maximum over 5 minutes
   */
  public metricGroupCurrConnections(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('CurrConnections', NodeAggregation.SUM, (o) => this.metricCurrConnections(o), props);
  }

  /**
   * Read hits of the group: SUM of `CacheHits` over the nodes.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricGroupCacheHits(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('CacheHits', NodeAggregation.SUM, (o) => this.metricCacheHits(o), props);
  }

  /**
   * Read misses of the group: SUM of `CacheMisses` over the nodes.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricGroupCacheMisses(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('CacheMisses', NodeAggregation.SUM, (o) => this.metricCacheMisses(o), props);
  }

  /**
   * The alpha module's name of `metricGroupCacheHits()`.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricCacheHitCount(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.metricGroupCacheHits(props);
  }

  /**
   * The alpha module's name of `metricGroupCacheMisses()`.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricCacheMissCount(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.metricGroupCacheMisses(props);
  }

  /**
   * The percentage of the group's reads that hit: 100 * hits / (hits + misses), each summed
   * over the nodes. No data in periods without reads.
   *
   * @default - of each node: sums over 5 minutes
   */
  public metricCacheHitRate(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    const nodeIds = this._everyNodeId();
    const options = (id: string) => nodeOptions(id, props);
    return nodesMath(this, 'Cache hit rate %', nodeIds, [
      { prefix: 'hits', metricOf: (id) => this.metricCacheHits(options(id)) },
      { prefix: 'misses', metricOf: (id) => this.metricCacheMisses(options(id)) },
    ], (ids) => {
      const hits = `SUM([${ids.hits.join(', ')}])`;
      return `100 * ${hits} / (${hits} + SUM([${ids.misses.join(', ')}]))`;
    }, props);
  }

  /**
   * The alpha module's name of `metricGroupCurrConnections()`.
   *
   * @default - of each node: maximum over 5 minutes
   */
  public metricActiveConnections(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.metricGroupCurrConnections(props);
  }

  /**
   * Bytes the group read from the network: SUM of `NetworkBytesIn` over the nodes.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricNetworkBytesIn(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('NetworkBytesIn', NodeAggregation.SUM, (o) => this.metric('NetworkBytesIn', { statistic: cloudwatch.Stats.SUM, ...o }), props);
  }

  /**
   * Bytes the group wrote to the network: SUM of `NetworkBytesOut` over the nodes.
   *
   * @default - of each node: sum over 5 minutes
   */
  public metricNetworkBytesOut(props: GroupMetricOptions = {}): cloudwatch.IMetric {
    return this.overNodes('NetworkBytesOut', NodeAggregation.SUM, (o) => this.metric('NetworkBytesOut', { statistic: cloudwatch.Stats.SUM, ...o }), props);
  }

  /**
   * The id of every node, for the metrics of the whole group; fails when they are not known at
   * synth.
   *
   * @internal
   */
  protected abstract _everyNodeId(): string[];

  private overNodes(
    metricName: string, aggregation: NodeAggregation, perNode: (o: CacheMetricOptions) => cloudwatch.Metric, props: GroupMetricOptions,
  ): cloudwatch.IMetric {
    return nodesMath(this, `${aggregation} of ${metricName}`, this._everyNodeId(),
      [{ prefix: 'node', metricOf: (id) => perNode(nodeOptions(id, props)) }],
      (ids) => `${aggregation}([${ids.node.join(', ')}])`, props);
  }
}

/** The options of one node's metric in a whole-group metric: only what was given, so that the node metric's defaults apply. */
function nodeOptions(cacheClusterId: string, props: GroupMetricOptions): CacheMetricOptions {
  return {
    cacheClusterId,
    ...(props.statistic !== undefined ? { statistic: props.statistic } : {}),
    ...(props.period !== undefined ? { period: props.period } : {}),
  };
}

/**
 * The values of the replication group that CloudFormation cannot change in place: the
 * create-only properties of the resource schema (cfn-lint's copy of the CloudFormation
 * registry schema, `createOnlyProperties`), plus `ClusterMode` (ElastiCache turns cluster mode
 * on only through `compatible`, and never off: ElastiCache user guide, "Modifying cluster
 * mode") and whether an AUTH token or a user group authenticates (CloudFormation replaces the
 * group for that change: cloudformation-coverage-roadmap issue 2356). The update-safety test
 * checks this list against the schema.
 */
export const REPLICATION_GROUP_REPLACING_PROPERTIES = [
  'AtRestEncryptionEnabled', 'CacheSubnetGroupName', 'DataTieringEnabled', 'GlobalReplicationGroupId', 'KmsKeyId', 'NetworkType',
  'Port', 'PreferredCacheClusterAZs', 'ReplicasPerNodeGroup', 'SnapshotArns', 'SnapshotName', 'ClusterMode',
];

function replacementKey(group: elasticache.CfnReplicationGroup, vpc: ec2.IVpc): unknown {
  return {
    // The subnet group's name follows the VPC: a new VPC replaces it, and the group with it.
    Vpc: vpc.vpcId,
    AtRestEncryptionEnabled: group.atRestEncryptionEnabled,
    CacheSubnetGroupName: group.cacheSubnetGroupName,
    DataTieringEnabled: group.dataTieringEnabled,
    GlobalReplicationGroupId: group.globalReplicationGroupId,
    KmsKeyId: group.kmsKeyId,
    NetworkType: group.networkType,
    Port: group.port,
    PreferredCacheClusterAZs: group.preferredCacheClusterAZs,
    ReplicasPerNodeGroup: group.replicasPerNodeGroup,
    SnapshotArns: group.snapshotArns,
    SnapshotName: group.snapshotName,
    ClusterMode: group.clusterMode,
    Authentication: group.userGroupIds ? 'user group' : 'AUTH token',
  };
}

/** What an import knows; `fromReplicationGroupId()` knows only the id. */
type ImportedGroupOptions = ImportedGroupFacts & Pick<SecureRedisClusterAttributes, 'authTokenSecret'> & {
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** The group's ARN, for `fromReplicationGroupArn()`: its account and Region may be others than the stack's. */
  readonly replicationGroupArn?: string;
  /** How the group was imported, for messages. */
  readonly importedWith: string;
  /** Whether the nodes are known (from the topology attributes or their defaults). */
  readonly topologyKnown: boolean;
};

class ImportedSecureRedisCluster extends SecureRedisClusterBase {
  public readonly replicationGroupId: string;
  public readonly replicationGroupArn: string;
  public readonly authTokenSecret?: secretsmanager.ISecret;

  private readonly options: ImportedGroupOptions;
  private readonly _connections?: ec2.Connections;
  private readonly _nodeIds?: string[];

  constructor(scope: Construct, id: string, options: ImportedGroupOptions) {
    super(scope, id, { environmentFromArn: options.replicationGroupArn });
    const v = new PropsValidator(this);
    validateImportedGroup(v, options);
    validateElastiCacheArn(v, REPLICATION_GROUP_ARN, options.replicationGroupArn);
    v.throwIfInvalid();
    // ElastiCache stores the id in lowercase: the ARN and the metric dimensions use that form.
    const groupId = isLiteral(options.replicationGroupId) ? options.replicationGroupId.toLowerCase() : options.replicationGroupId;
    this.options = options;
    this.replicationGroupId = groupId;
    this.replicationGroupArn = options.replicationGroupArn ?? groupArn(this, groupId);
    this.authTokenSecret = options.authTokenSecret;
    if (options.securityGroups !== undefined && options.port !== undefined) {
      this._connections = new ec2.Connections({
        securityGroups: options.securityGroups,
        defaultPort: ec2.Port.tcp(options.port),
      });
    }
    if (options.topologyKnown) {
      this._nodeIds = nodeIdsOf(groupId, {
        clusterMode: options.clusterMode ?? false,
        shards: options.shards ?? 1,
        replicasPerShard: options.replicasPerShard ?? 1,
      });
    }
  }

  public get port(): number {
    if (this.options.port === undefined) throw missingAttribute(this, REDIS_ATTRIBUTES_IMPORT, 'port', 'port');
    return this.options.port;
  }

  public get connections(): ec2.Connections {
    if (!this._connections) throw missingAttribute(this, REDIS_ATTRIBUTES_IMPORT, 'port and securityGroups', 'security groups to admit clients into');
    return this._connections;
  }

  public get nodeIds(): string[] {
    if (!this._nodeIds) {
      throw new Error(`[${this.node.path}] was imported with ${this.options.importedWith}, which does not tell its nodes. `
        + 'Name the node with the cacheClusterId metric option, or import the group with SecureRedisCluster.fromSecureRedisClusterAttributes() and give clusterMode, shards and replicasPerShard.');
    }
    return this._nodeIds;
  }

  /** @internal */
  protected _everyNodeId(): string[] {
    return everyNodeId(this, this.nodeIds, {
      clusterMode: this.options.clusterMode ?? false,
      shards: this.options.shards ?? 1,
      replicasPerShard: this.options.replicasPerShard ?? 1,
    });
  }

  public get primaryEndpoint(): CacheEndpoint {
    if (this.options.clusterMode) throw new Error(`[${this.node.path}] runs in cluster mode and has no primary endpoint. Use configurationEndpoint with a cluster-aware client.`);
    return this.endpointOf('primaryEndpointAddress', 'primary endpoint', this.options.primaryEndpointAddress);
  }

  public get readerEndpoint(): CacheEndpoint {
    if (this.options.clusterMode) throw new Error(`[${this.node.path}] runs in cluster mode and has no reader endpoint. Use configurationEndpoint with a cluster-aware client.`);
    return this.endpointOf('readerEndpointAddress', 'reader endpoint', this.options.readerEndpointAddress);
  }

  public get configurationEndpoint(): CacheEndpoint {
    if (!this.options.clusterMode) {
      throw new Error(`[${this.node.path}] runs with cluster mode off and has no configuration endpoint. Use primaryEndpoint and readerEndpoint, or import the group with clusterMode: true.`);
    }
    return this.endpointOf('configurationEndpointAddress', 'configuration endpoint', this.options.configurationEndpointAddress);
  }

  public get endpoint(): CacheEndpoint {
    return this.options.clusterMode ? this.configurationEndpoint : this.primaryEndpoint;
  }

  public grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant {
    const known = this.options.iamUserNames;
    if (userName === undefined) {
      if (known === undefined || known.length === 0) {
        throw missingAttribute(this, REDIS_ATTRIBUTES_IMPORT, 'iamUserNames', 'IAM users to grant elasticache:Connect on', 'name the user: grantConnect(grantee, userName)');
      }
      return grantConnectOn(grantee, this.replicationGroupArn, known.map((name) => userArn(this, name, this.env)));
    }
    const v = new PropsValidator(this);
    validateIamUserNames(v, 'grantConnect userName', [userName]);
    v.check(known !== undefined && !known.includes(userName),
      `grantConnect userName ${quote(userName)} is not among the iamUserNames of the import (${(known ?? []).map(quote).join(', ')}). Name one of them, or add it to iamUserNames.`);
    v.throwIfInvalid();
    return grantConnectOn(grantee, this.replicationGroupArn, [userArn(this, userName, this.env)]);
  }

  private endpointOf(attribute: string, what: string, address: string | undefined): CacheEndpoint {
    if (address === undefined) throw missingAttribute(this, REDIS_ATTRIBUTES_IMPORT, attribute, what);
    return new CacheEndpoint(address, this.port);
  }
}

const REPLICATION_GROUP_ARN: ArnResourceType = { prop: 'replicationGroupArn', type: 'replicationgroup', what: 'a replication group', placeholder: '<id>' };

function groupArn(scope: Construct, groupId: string): string {
  return Stack.of(scope).formatArn({
    service: 'elasticache',
    resource: 'replicationgroup',
    resourceName: groupId,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * A Valkey or Redis OSS replication group that is secure and highly available by default:
 * TLS required, encrypted at rest with KMS, an AUTH token generated into Secrets Manager and
 * rotated every 30 days (`secretRotation`),
 * Multi-AZ with automatic failover, a dedicated subnet group, a security group that admits only
 * the sources you name, daily backups kept 15 days, slow and engine logs in CloudWatch Logs.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * declare const appService: ec2.IConnectable;
 * const cache = new SecureRedisCluster(this, 'Cache', { vpc, allowedConnections: [appService] });
 */
export class SecureRedisCluster extends SecureRedisClusterBase {
  /**
   * Imports an existing replication group with what you know of it: endpoints, port, security
   * groups, AUTH token secret, IAM users and topology. The import exposes exactly what it is given;
   * asking for anything else fails at synth, naming the attribute to add.
   */
  public static fromSecureRedisClusterAttributes(scope: Construct, id: string, attrs: SecureRedisClusterAttributes): ISecureRedisCluster {
    return new ImportedSecureRedisCluster(scope, id, { ...attrs, importedWith: 'fromSecureRedisClusterAttributes()', topologyKnown: true });
  }

  /**
   * Imports an existing replication group by its id, in the stack's account and Region: enough
   * for its ARN, `grantConnect(grantee, userName)` and metrics of a node named with
   * `cacheClusterId`. For endpoints, port, `connections` and the AUTH token, use
   * `fromSecureRedisClusterAttributes()`.
   */
  public static fromReplicationGroupId(scope: Construct, id: string, replicationGroupId: string): ISecureRedisCluster {
    return new ImportedSecureRedisCluster(scope, id, { replicationGroupId, importedWith: 'fromReplicationGroupId()', topologyKnown: false });
  }

  /**
   * Imports an existing replication group by its ARN, which may name another account or Region
   * than the stack's: its metrics then read that account and Region (a cross-account dashboard,
   * CloudWatch user guide, "Cross-account cross-Region CloudWatch console"), and
   * `grantConnect(grantee, userName)` names its users there. Like `fromReplicationGroupId()`, it
   * knows no endpoints, port or topology.
   */
  public static fromReplicationGroupArn(scope: Construct, id: string, replicationGroupArn: string): ISecureRedisCluster {
    return new ImportedSecureRedisCluster(scope, id, { replicationGroupId: resourceNameOfArn(replicationGroupArn), replicationGroupArn, importedWith: 'fromReplicationGroupArn()', topologyKnown: false });
  }

  /**
   * Whether `x` is a `SecureRedisCluster` that a stack creates (imports are not), also across
   * copies of this library in one app.
   */
  public static isSecureRedisCluster(x: any): x is SecureRedisCluster {
    return x !== null && typeof x === 'object' && SECURE_REDIS_CLUSTER_SYMBOL in x;
  }

  public readonly replicationGroupId: string;
  public readonly replicationGroupArn: string;
  public readonly port: number;
  public readonly authTokenSecret?: secretsmanager.ISecret;
  public readonly connections: ec2.Connections;
  public readonly nodeIds: string[];

  /** The engine and version. */
  public readonly engineVersion: CacheEngineVersion;
  /** Whether cluster mode is on. */
  public readonly clusterMode: boolean;
  /** The KMS key of the data at rest, the token secret and the logs. */
  public readonly encryptionKey: kms.IKey;
  /** The security group the construct created for the cache. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The dedicated subnet group. */
  public readonly subnetGroup: elasticache.CfnSubnetGroup;
  /** The parameter group the construct created, if any. */
  public readonly parameterGroup?: elasticache.CfnParameterGroup;
  /** The slow-log group, when slow-log delivery is on. */
  public readonly slowLogGroup?: logs.ILogGroup;
  /** The engine-log group, when engine-log delivery is on. */
  public readonly engineLogGroup?: logs.ILogGroup;
  /** The underlying CloudFormation resource, for properties the construct does not expose. */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /**
   * The RBAC user group, when the group authenticates with users: the one it created, which other
   * caches can share with `CacheAuthentication.userGroup()`, or the one it was given.
   */
  public readonly userGroup?: ICacheUserGroup;
  /** The user group's CloudFormation resource, when the group created it from `CacheAuthentication.users()` or `iam()`. */
  public readonly cfnUserGroup?: elasticache.CfnUserGroup;
  /** The JSON field of the AUTH token in its secret, when the secret is JSON. */
  public readonly authTokenJsonField?: string;

  /** The users the grants know: those the group created, or those of the user group it was given. */
  private readonly boundUsers: KnownCacheUser[] = [];
  /** The users whose passwords this group generated and rotates. */
  private readonly ownUsers: BoundCacheUser[] = [];

  private readonly props: SecureRedisClusterProps;
  private readonly replicasPerShard: number;
  private readonly topology: Topology;
  private readonly nodeTypeInfo?: NodeTypeInfo;
  private readonly _primaryEndpoint?: CacheEndpoint;
  private readonly _readerEndpoint?: CacheEndpoint;
  private readonly _configurationEndpoint?: CacheEndpoint;

  constructor(scope: Construct, id: string, props: SecureRedisClusterProps) {
    super(scope, id);
    Object.defineProperty(this, SECURE_REDIS_CLUSTER_SYMBOL, { value: true });
    this.props = props;

    const engineVersion = props.engineVersion ?? CacheEngineVersion.VALKEY_9_0;
    const clusterMode = props.clusterMode ?? true;
    const shards = props.shards ?? 1;
    const replicasPerShard = props.replicasPerShard ?? 1;
    const multiAz = props.multiAz ?? true;
    const port = props.port ?? DEFAULT_REDIS_PORT;
    const nodeType = props.nodeType ?? 'cache.m7g.large';
    const transitMode = props.transitEncryptionMode ?? TransitEncryptionMode.REQUIRED;
    const backupRetention = props.backupRetention ?? Duration.days(15);
    const snapshotWindow = props.snapshotWindow ?? '03:00-04:00';
    const maintenanceWindow = props.maintenanceWindow ?? 'sun:05:00-sun:06:00';
    // Lowercasing a token's placeholder would break the token: only lowercase literals.
    const givenGroupId = isLiteral(props.replicationGroupId) ? props.replicationGroupId.toLowerCase() : props.replicationGroupId;
    // User and user group ids are required and must be literal at synth; they come from the
    // given id or the construct path, never from the replication group's own (token) id.
    const userIdBase = givenGroupId ?? defaultCacheId(this, MAX_GROUP_ID_LENGTH);

    this.engineVersion = engineVersion;
    this.clusterMode = clusterMode;
    this.replicasPerShard = replicasPerShard;
    this.port = port;

    // Every rule below is listed with its source in docs/validation.md.
    const v = new PropsValidator(this);
    this.nodeTypeInfo = validateNodeType(v, nodeType, engineVersion, props.nodeType === undefined);
    this.validateEngine(v, engineVersion, transitMode);
    validateTopology(v, { clusterMode, shards, replicasPerShard }, multiAz);
    v.check(!Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535),
      `port must be an integer from 1 to 65535, got ${port}. Leave it unset for ${DEFAULT_REDIS_PORT}.`);
    // CreateReplicationGroup API reference, ReplicationGroupId constraints.
    validateCacheId(v, 'replicationGroupId', props.replicationGroupId, MAX_GROUP_ID_LENGTH);
    const retentionDays = validateBackups(v, backupRetention, snapshotWindow, maintenanceWindow);
    validateSnapshotArns(v, props.snapshotArnsToRestore, props.snapshotName);
    v.check(props.parameters !== undefined && props.parameterGroupName !== undefined,
      `parameters and parameterGroupName ${quote(props.parameterGroupName)} are both set. Give parameters (a group is created) or the name of an existing group, not both.`);
    const clusterEnabledParam = props.parameters?.['cluster-enabled'];
    v.check(clusterEnabledParam !== undefined && clusterEnabledParam !== (clusterMode ? 'yes' : 'no'),
      `parameters sets cluster-enabled to ${quote(clusterEnabledParam)} but clusterMode is ${clusterMode}. Remove cluster-enabled: the construct sets it from clusterMode.`);
    v.check(props.authToken !== undefined && props.authentication !== undefined,
      'authToken and authentication are both set. Give authentication: CacheAuthentication.authToken(token) alone, or authToken alone.');
    const authentication = props.authentication ?? CacheAuthentication.authToken(props.authToken);
    v.integerInRange('authToken length', authentication.token?.generateOptions?.length, 16, 128,
      'ElastiCache AUTH tokens are 16 to 128 characters; leave length unset for 64.');
    if (authentication.sharedUserGroup) {
      validateSharedUserGroup(v, engineVersion, authentication.sharedUserGroup, props.secretRotation);
    }
    if (authentication.cacheUsers) {
      validateUsers(v, engineVersion, userIdBase, authentication.cacheUsers);
    }
    if (authentication.cacheUsers || authentication.sharedUserGroup) {
      // ElastiCache: "Transit encryption preferred is not supported with redis access control".
      v.check(transitMode === TransitEncryptionMode.PREFERRED,
        'transitEncryptionMode \'preferred\' cannot be used with RBAC users: ElastiCache refuses user groups unless TLS is required. '
        + 'Keep TransitEncryptionMode.REQUIRED (the default), or migrate clients to TLS with an AUTH token first.');
    }
    const logging = validateLogging(v, engineVersion, props.logging);
    validateOwnLogGroups(v, props.logging);
    validateEventTopic(v, props.notificationTopic);
    validateDescription(v, 'description', props.description);
    validateLogRetention(v, 'logging.retention', props.logging?.retention);
    validateSecretName(v, 'authToken secretName', authentication.token?.generateOptions?.secretName);
    const jsonField = authentication.token?.jsonField;
    v.check(isLiteral(jsonField) && jsonField.trim().length === 0,
      `authToken jsonField ${quote(jsonField)} is empty: the dynamic reference would name no field. Give the JSON field that holds the token, or leave it out for a plain-text secret.`);
    validateAllowedConnections(v, props.allowedConnections, props.allowCidrIngress ?? false);
    const subnets = selectCacheSubnets(v, props.vpc, props.vpcSubnets);
    if (multiAz) {
      checkZoneSpread(v, subnets, 'multiAz', ', or set multiAz: false');
    }
    v.throwIfInvalid();
    warnAboutCluster(this, props, this.nodeTypeInfo, engineVersion, { clusterMode, shards, replicasPerShard }, multiAz, retentionDays);

    const what = `${engineVersion.engine} replication group`;
    const network = createCacheSecurity(this, {
      vpc: props.vpc,
      securityGroups: props.additionalSecurityGroups,
      allowedConnections: props.allowedConnections,
      ports: [port],
      what,
    });
    this.securityGroup = network.securityGroup;
    refuseWorldOpenIngress(this, network.securityGroup);
    this.subnetGroup = createSubnetGroup(this, props.vpc, subnets!, what);
    this.connections = network.connections;

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    this.encryptionKey = props.encryptionKey ?? createKey(this, 'Key', {
      description: `Encrypts the data, AUTH token and logs of ${this.node.path}`,
      // The key must outlive the final snapshot it encrypts.
      removalPolicy: removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    let tokenReference: string | undefined;
    if (authentication.token) {
      const authToken = authentication.token;
      const tokenSecret = authToken.secret ?? new secretsmanager.Secret(this, 'AuthToken', {
        // Not the group id: the group refers to the secret, and the id is resolved by CloudFormation.
        description: `AUTH token of the replication group ${this.node.path}`,
        encryptionKey: this.encryptionKey,
        secretName: authToken.generateOptions?.secretName,
        removalPolicy: authToken.generateOptions?.removalPolicy,
        generateSecretString: {
          passwordLength: authToken.generateOptions?.length ?? 64,
          excludeCharacters: AUTH_TOKEN_EXCLUDED_CHARACTERS,
          includeSpace: false,
        },
      });
      this.authTokenSecret = tokenSecret;
      this.authTokenJsonField = authToken.jsonField;
      // A dynamic reference: the token never appears in the template (cfn-lint W1011).
      tokenReference = (authToken.jsonField ? tokenSecret.secretValueFromJson(authToken.jsonField) : tokenSecret.secretValue).unsafeUnwrap();
    } else {
      const group = bindUserGroup(this, authentication, userIdBase, this.encryptionKey);
      this.userGroup = group.userGroup;
      this.cfnUserGroup = group.cfnUserGroup;
      this.boundUsers = group.knownUsers;
      this.ownUsers = group.ownUsers;
    }

    this.parameterGroup = this.createParameterGroup(engineVersion, clusterMode);

    const logDeliveryConfigurations: elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty[] = [];
    if (logging.slowLog) {
      this.slowLogGroup = props.logging?.slowLogGroup ?? this.createLogGroup('SlowLog', 'slow-log', logging.retention, removalPolicy);
      logDeliveryConfigurations.push(logDelivery('slow-log', this.slowLogGroup));
    }
    if (logging.engineLog) {
      this.engineLogGroup = props.logging?.engineLogGroup ?? this.createLogGroup('EngineLog', 'engine-log', logging.retention, removalPolicy);
      logDeliveryConfigurations.push(logDelivery('engine-log', this.engineLogGroup));
    }

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'Resource', {
      // Derived from the values that cannot change in place (below), so that a change of any of
      // them comes with a new id and CloudFormation can replace the group.
      replicationGroupId: givenGroupId ?? replacementAwareName(this, MAX_GROUP_ID_LENGTH, () => replacementKey(this.replicationGroup, props.vpc)),
      replicationGroupDescription: props.description ?? `Managed by cdk-secure-elasticache: ${this.node.path}`,
      engine: engineVersion.engine,
      engineVersion: engineVersion.version,
      cacheNodeType: nodeType,
      port,
      // Cluster mode: shards and replicas per shard. The node AZs are left to ElastiCache, which
      // spreads replicas away from their primary under Multi-AZ; PreferredCacheClusterAZs and
      // ReplicasPerNodeGroup lists are create-only, so pinning them would turn a replica count
      // change into a replacement (cfn-lint schema, createOnlyProperties).
      clusterMode: clusterMode ? 'enabled' : 'disabled',
      numNodeGroups: clusterMode ? shards : undefined,
      replicasPerNodeGroup: clusterMode ? replicasPerShard : undefined,
      numCacheClusters: clusterMode ? undefined : replicasPerShard + 1,
      // Cluster mode needs automatic failover; Multi-AZ needs it too (user guide, "Multi-AZ").
      automaticFailoverEnabled: clusterMode || replicasPerShard > 0,
      multiAzEnabled: multiAz,
      cacheSubnetGroupName: this.subnetGroup.ref,
      securityGroupIds: network.connections.securityGroups.map((sg) => sg.securityGroupId),
      atRestEncryptionEnabled: true,
      kmsKeyId: this.encryptionKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: engineVersion.supportsTransitEncryptionMode ? transitMode : undefined,
      authToken: tokenReference,
      userGroupIds: this.userGroup ? [userGroupIdFor(this, this.userGroup)] : undefined,
      snapshotRetentionLimit: retentionDays,
      snapshotWindow: retentionDays > 0 ? snapshotWindow : undefined,
      preferredMaintenanceWindow: maintenanceWindow,
      autoMinorVersionUpgrade: props.autoMinorVersionUpgrade ?? true,
      notificationTopicArn: props.notificationTopic?.topicArn,
      cacheParameterGroupName: props.parameterGroupName ?? this.parameterGroup?.ref,
      logDeliveryConfigurations: logDeliveryConfigurations.length > 0 ? logDeliveryConfigurations : undefined,
      snapshotName: props.snapshotName,
      snapshotArns: props.snapshotArnsToRestore,
      dataTieringEnabled: this.nodeTypeInfo?.dataTiering ? true : undefined,
    });
    this.replicationGroup.applyRemovalPolicy(removalPolicy);
    if (this.userGroup) {
      acknowledge(this.replicationGroup, 'userGroupAuthentication',
        `Here: ${this.describeUsers()}, of ${this.cfnUserGroup ? `the user group ${this.cfnUserGroup.userGroupId}` : describeUserGroup(this.userGroup)}.`);
      Annotations.of(this).addWarningV2(`${WARNING_PREFIX}:userGroupReplacesAuthToken`,
        'This group authenticates with RBAC users. If it ran with an AUTH token before, CloudFormation replaces it (AuthToken to UserGroupIds is not an in-place update): '
        + 'the new group starts empty, the old one leaves a final snapshot, and a replicationGroupId of your own must change in the same deploy. '
        + 'Plan a migration window, or migrate with the ElastiCache API first.');
    }
    if (clusterMode) {
      // Without it, a change of NumNodeGroups replaces the group (CloudFormation UpdatePolicy docs).
      this.replicationGroup.cfnOptions.updatePolicy = { useOnlineResharding: true };
    }
    this.node.defaultChild = this.replicationGroup;

    // The resolved reference: the id CloudFormation created, whether given or derived.
    this.replicationGroupId = this.replicationGroup.ref;
    this.replicationGroupArn = groupArn(this, this.replicationGroupId);
    this.nodeIds = nodeIdsOf(this.replicationGroupId, { clusterMode, shards, replicasPerShard });
    this.topology = { clusterMode, shards, replicasPerShard };

    if (clusterMode) {
      this._configurationEndpoint = new CacheEndpoint(this.replicationGroup.attrConfigurationEndPointAddress, port);
    } else {
      this._primaryEndpoint = new CacheEndpoint(this.replicationGroup.attrPrimaryEndPointAddress, port);
      this._readerEndpoint = new CacheEndpoint(this.replicationGroup.attrReaderEndPointAddress, port);
    }

    rotateSecrets(this, this.rotationTarget(), {
      authToken: this.authTokenSecret ? { secret: this.authTokenSecret, generated: !authentication.token?.secret } : undefined,
      users: this.ownUsers.filter((u) => u.secret).map((u) => ({
        userId: u.userId,
        userName: u.userName,
        userArn: u.userArn,
        constructId: u.resource.node.id,
        secret: u.secret!,
      })),
    }, props.secretRotation);
  }

  /** @internal */
  protected _everyNodeId(): string[] {
    return everyNodeId(this, this.nodeIds, this.topology);
  }

  /**
   * The topic that the construct's alarms notify: the `alarmTopic` prop, else
   * `notificationTopic`, else a topic that the construct creates on first use, encrypted with
   * KMS. Subscribe to it (e.g. `alarmTopic.addSubscription(...)`) to receive the alarms.
   */
  public get alarmTopic(): sns.ITopic {
    return this.props.alarmTopic ?? this.props.notificationTopic ?? defaultAlarmTopic(this, this.encryptionKey);
  }

  /**
   * The endpoint for writes (cluster mode off).
   */
  public get primaryEndpoint(): CacheEndpoint {
    if (!this._primaryEndpoint) {
      throw new Error(`[${this.node.path}] runs in cluster mode and has no primary endpoint. Use configurationEndpoint with a cluster-aware client.`);
    }
    return this._primaryEndpoint;
  }

  /**
   * The endpoint that spreads reads over the replicas (cluster mode off).
   */
  public get readerEndpoint(): CacheEndpoint {
    if (!this._readerEndpoint) {
      throw new Error(`[${this.node.path}] runs in cluster mode and has no reader endpoint. Use configurationEndpoint with a cluster-aware client.`);
    }
    return this._readerEndpoint;
  }

  /**
   * The configuration endpoint that cluster-aware clients discover the shards from (cluster mode on).
   */
  public get configurationEndpoint(): CacheEndpoint {
    if (!this._configurationEndpoint) {
      throw new Error(`[${this.node.path}] runs with cluster mode off and has no configuration endpoint. Use primaryEndpoint and readerEndpoint.`);
    }
    return this._configurationEndpoint;
  }

  /**
   * The endpoint an application connects to: the configuration endpoint in cluster mode, else
   * the primary endpoint.
   */
  public get endpoint(): CacheEndpoint {
    return this._configurationEndpoint ?? this._primaryEndpoint!;
  }

  /**
   * The secret of a password user: JSON `{"username", "password", "user_arn"}`.
   */
  public userSecret(userName: string): secretsmanager.ISecret {
    return boundUserSecret(this, this.boundUsers, userName, 'none: the group uses an AUTH token');
  }

  /**
   * Grants reading the secret of a password user (and decrypting it with its key), in the
   * grantee's identity policy: `kms:Decrypt` is limited to this secret by its encryption context,
   * so the grantee cannot decrypt the other users' secrets under the same key.
   */
  public grantReadUserSecret(grantee: iam.IGrantable, userName: string): iam.Grant {
    return grantReadSecret(grantee, this.userSecret(userName));
  }

  /**
   * Grants `elasticache:Connect` for IAM authentication, on this replication group and on the
   * user `userName` (or on every IAM user of the group when omitted).
   */
  public grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant {
    const iamUsers = iamUsersToConnect(this, this.boundUsers, userName, 'none: the group uses an AUTH token',
      this.userGroup && !this.cfnUserGroup ? SHARED_GROUP_IAM_FIX : undefined);
    return grantConnectOn(grantee, this.replicationGroupArn, iamUsers.map((u) => u.userArn));
  }

  private rotationTarget(): RotationTarget {
    return {
      secret: this.authTokenSecret,
      jsonField: this.authTokenJsonField,
      replicationGroupId: this.replicationGroupId,
      replicationGroupArn: this.replicationGroupArn,
      replicationGroup: this.replicationGroup,
      endpoint: this.endpoint,
      vpc: this.props.vpc,
      cacheSubnets: this.props.vpcSubnets,
      cacheSecurityGroup: this.securityGroup,
      encryptionKey: this.encryptionKey,
      logRetention: this.props.logging?.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: this.props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      alarmTopic: () => this.alarmTopic,
    };
  }

  /**
   * Creates, for every node, the alarms that the ElastiCache user guide recommends ("Which
   * metrics should I monitor?"): CPU, memory, evictions, connections and replication lag.
   *
   * @returns the alarms created
   */
  public addRecommendedAlarms(options: RecommendedAlarmsOptions = {}): cloudwatch.Alarm[] {
    const v = new PropsValidator(this);
    const cpuPercent = options.cpuUtilizationPercent ?? 90;
    const memoryPercent = options.memoryUsagePercent ?? 80;
    v.check(cpuPercent < 1 || cpuPercent > 100, `cpuUtilizationPercent must be from 1 to 100, got ${cpuPercent}.`);
    v.check(memoryPercent < 1 || memoryPercent > 100, `memoryUsagePercent must be from 1 to 100, got ${memoryPercent}.`);

    v.check(this.node.tryFindChild('Alarms') !== undefined,
      'addRecommendedAlarms() was already called. Call it once, with all options.');
    v.throwIfInvalid();
    const scope = new Construct(this, 'Alarms');
    const vcpus = this.nodeTypeInfo?.vcpus;
    const lagSeconds = (options.replicationLag ?? Duration.seconds(30)).toSeconds();
    const specs: NodeAlarmSpec[] = [];
    const fragments = nodeIdFragments(this.topology);
    for (const [index, nodeId] of this.nodeIds.entries()) {
      // From the node's position in its shard, never from the group id (a token).
      const prefix = fragments[index];
      const at = { cacheClusterId: nodeId };
      if (vcpus !== undefined && vcpus <= 2) {
        specs.push({
          id: `${prefix}Cpu`,
          metric: this.metricCpuUtilization(at),
          threshold: cpuPercent / vcpus,
          description: `${nodeId}: host CPU above ${cpuPercent}% / ${vcpus} vCPUs (single-threaded engine on a small node)`,
        });
      } else {
        specs.push({
          id: `${prefix}EngineCpu`,
          metric: this.metricEngineCpuUtilization(at),
          threshold: cpuPercent,
          description: `${nodeId}: engine CPU above ${cpuPercent}%`,
        });
      }
      specs.push({
        id: `${prefix}Memory`,
        metric: this.metricDatabaseMemoryUsagePercentage(at),
        threshold: memoryPercent,
        description: `${nodeId}: memory used by data above ${memoryPercent}%`,
      });
      specs.push({
        id: `${prefix}Evictions`,
        metric: this.metricEvictions(at),
        threshold: options.evictionsPerFiveMinutes ?? 1000,
        description: `${nodeId}: more than ${options.evictionsPerFiveMinutes ?? 1000} evictions in 5 minutes`,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      specs.push({
        id: `${prefix}Connections`,
        metric: this.metricCurrConnections(at),
        threshold: options.currConnections ?? 52000,
        description: `${nodeId}: more than ${options.currConnections ?? 52000} client connections`,
      });
      // Any node may be a replica after a failover; a primary publishes no lag.
      if (this.replicasPerShard > 0) {
        specs.push({
          id: `${prefix}ReplicationLag`,
          metric: this.metricReplicationLag(at),
          threshold: lagSeconds,
          description: `${nodeId}: replica more than ${lagSeconds} seconds behind its primary (no data while the node is a primary)`,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
    }
    return createNodeAlarms(scope, specs, options.alarmTopic ?? this.alarmTopic);
  }

  private describeUsers(): string {
    if (this.ownUsers.length === 0) {
      const known = this.boundUsers.map((u) => `${u.userName} by ${u.authenticationType}`).join(', ');
      return known ? `the users ${known}` : 'the users of a user group this group was given';
    }
    return this.ownUsers
      .filter((u) => u.user.accessString.value !== AccessString.disabled().value)
      .map((u) => `${u.user.userName} by ${u.user.authenticationType}`)
      .join(', ');
  }

  private validateEngine(v: PropsValidator, engine: CacheEngineVersion, transitMode: TransitEncryptionMode): void {
    v.check(!engine.isKnown,
      `engineVersion ${quote(engine.toString())} does not exist. Known ${engine.engine} versions: ${engine.knownVersions.join(', ')}. For a newer one, give its parameterGroupFamily in CacheEngineVersion.of().`);
    validateEngineVersionText(v, engine.engine, engine.version, engine.parameterGroupFamily);
    v.check(transitMode === TransitEncryptionMode.PREFERRED && !engine.supportsTransitEncryptionMode,
      `transitEncryptionMode "preferred" needs Valkey or Redis OSS 7.0.5+, not ${engine}. Upgrade the engine, or keep TLS required.`);
  }

  private createParameterGroup(engine: CacheEngineVersion, clusterMode: boolean): elasticache.CfnParameterGroup | undefined {
    if (this.props.parameterGroupName !== undefined || (this.props.parameters === undefined && !clusterMode)) {
      return undefined;
    }
    return createParameterGroup(this, engine.parameterGroupFamily, {
      ...this.props.parameters,
      'cluster-enabled': clusterMode ? 'yes' : 'no',
    });
  }

  /** Named by `logGroupName`; the key policy lets CloudWatch Logs use the key for this group only. */
  private createLogGroup(id: string, logType: string, retention: logs.RetentionDays, removalPolicy: RemovalPolicy): logs.ILogGroup {
    return createEncryptedLogGroup(this, id, logType, this.encryptionKey, { retention, removalPolicy });
  }
}

function logDelivery(logType: string, group: logs.ILogGroup): elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty {
  return {
    logType,
    logFormat: 'json',
    destinationType: 'cloudwatch-logs',
    destinationDetails: { cloudWatchLogsDetails: { logGroup: group.logGroupName } },
  };
}
