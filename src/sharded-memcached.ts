import { Annotations, IResource, RemovalPolicy, Resource, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CacheEndpoint } from './cache-endpoint';
import { MemcachedEngineVersion } from './memcached-engine-version';
import { defaultAlarmTopic } from './private/alarm-topic';
import { validateCacheId } from './private/ids';
import { missingAttribute } from './private/imports';
import { cacheMetric, createNodeAlarms, NodeAlarmSpec } from './private/metrics';
import { checkZoneSpread, createCacheSecurity, createSubnetGroup, refuseWorldOpenIngress, selectCacheSubnets, validateAllowedConnections } from './private/network';
import { describeNodeType, nodeFamilyProblem, suggestedNodeType } from './private/node-types';
import { createParameterGroup } from './private/parameter-group';
import { isLiteral, PropsValidator, quote, validateEngineVersionText, validateEventTopic, validateMaintenanceWindow } from './private/validation';

/**
 * The default Memcached port: not the well-known 11211, which AwsSolutions-AEC5 flags and
 * which amplification attacks have abused.
 */
const DEFAULT_MEMCACHED_PORT = 11212;
const MAX_CLUSTER_NAME_LENGTH = 50;
/** Marks the clusters that the library creates, for `isShardedMemcached()` (as aws-cdk-lib does for its constructs). */
const SHARDED_MEMCACHED_SYMBOL = Symbol.for('cdk-secure-elasticache.ShardedMemcached');
/** Nodes per Memcached cluster, by default (ElastiCache user guide, "Managing clusters"). */
const MEMCACHED_NODE_QUOTA = 60;

/**
 * Properties of a `ShardedMemcached`.
 */
export interface ShardedMemcachedProps {
  /** The VPC to place the cache in. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cache's subnet group. Public subnets are rejected.
   *
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The number of nodes, at least 1; above the default quota of 60 nodes per cluster, ask AWS
   * to raise it first. The client spreads keys over them.
   *
   * @default 3
   */
  readonly nodes?: number;

  /**
   * The node type of every node.
   *
   * @default 'cache.m7g.large'
   */
  readonly nodeType?: string;

  /**
   * The Memcached version.
   *
   * @default MemcachedEngineVersion.VER_1_6_22 (the newest)
   */
  readonly engineVersion?: MemcachedEngineVersion;

  /**
   * Spread the nodes over the Availability Zones of the subnets (`AZMode cross-az`), so that a
   * zone outage loses only part of the cache. Needs more than one node.
   *
   * @default true when there is more than one node
   */
  readonly crossAz?: boolean;

  /**
   * TLS between clients and nodes (Memcached 1.6.12+).
   *
   * @default true
   */
  readonly transitEncryption?: boolean;

  /**
   * The port clients connect to.
   *
   * @default 11212: not the well-known 11211, so AwsSolutions-AEC5 passes
   */
  readonly port?: number;

  /**
   * The sources admitted to the cache, on the cache port only. Memcached on ElastiCache has no
   * authentication: this list is the whole access control.
   *
   * @default - nobody: admit clients later with `cache.connections.allowDefaultPortFrom(client)`
   */
  readonly allowedConnections?: ec2.IConnectable[];

  /**
   * Admit the address ranges (CIDR peers, prefix lists) listed in `allowedConnections`: every
   * address in them reaches a cache without authentication. World-open ranges (`0.0.0.0/0`,
   * `::/0`) are refused even then.
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
   * Engine parameters; a parameter group of the version's family is created for them.
   *
   * @default - the default parameter group
   */
  readonly parameters?: Record<string, string>;

  /**
   * The weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` in UTC, at least 60 minutes.
   *
   * @default 'sun:05:00-sun:06:00'
   */
  readonly maintenanceWindow?: string;

  /**
   * Apply minor engine upgrades in the maintenance window.
   *
   * @default true
   */
  readonly autoMinorVersionUpgrade?: boolean;

  /**
   * An SNS topic for ElastiCache events. ElastiCache cannot publish to a KMS-encrypted topic
   * (an encrypted `sns.Topic` is rejected), and the topic's access policy must use `aws:SourceOwner`.
   *
   * @default - no event notifications
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * The topic that the alarms of `addRecommendedAlarms()` notify. If it is encrypted with KMS,
   * its key must let CloudWatch use it.
   *
   * @default - `notificationTopic` if given, else a new topic encrypted with a KMS key of its
   * own, created with the first alarm; see `alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * What happens to the cluster when it leaves the stack. Memcached keeps nothing worth saving
   * and has no backups, so `SNAPSHOT` is rejected.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The cluster name: 1 to 50 letters, digits and hyphens, starting with a letter, without two
   * hyphens in a row or a trailing hyphen. ElastiCache stores it in lowercase.
   *
   * A name you give is fixed: CloudFormation cannot replace a resource with a fixed name, so a
   * change that replaces the cluster (`port`, `engineVersion` to another engine, subnets) fails
   * unless the same change gives a new `clusterName` (docs/updates-and-replacements.md).
   *
   * @default - a unique name that CloudFormation generates, and generates anew on replacement
   */
  readonly clusterName?: string;
}

/**
 * Attributes to import an existing Memcached cluster with
 * `ShardedMemcached.fromShardedMemcachedAttributes()`. The imported cluster exposes what it is
 * given: asking for the endpoint when it was not given fails at synth, naming the attribute.
 */
export interface ShardedMemcachedAttributes {
  /** The cluster name (`CacheClusterId`). ElastiCache stores it in lowercase, and so does the import. */
  readonly clusterName: string;
  /** The port clients connect to. */
  readonly port: number;
  /** The security groups of the cluster: `connections` admits clients into them. */
  readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * The number of nodes, for per-node metrics and alarms.
   *
   * @default 1
   */
  readonly nodes?: number;
  /**
   * The DNS name of the configuration endpoint, for `configurationEndpoint` and `endpoint`.
   *
   * @default - not known: `configurationEndpoint` fails at synth
   */
  readonly configurationEndpointAddress?: string;
}

/**
 * Options of one Memcached node metric.
 */
export interface MemcachedMetricOptions extends cloudwatch.MetricOptions {
  /**
   * The node (`CacheNodeId`, `0001`, `0002`, ...) to read: ElastiCache publishes metrics per node.
   *
   * @default '0001'
   */
  readonly cacheNodeId?: string;
}

/**
 * Thresholds and action of the recommended Memcached alarms.
 */
export interface MemcachedAlarmsOptions {
  /**
   * The topic that alarm and OK notifications go to.
   *
   * @default - the construct's `alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * `CPUUtilization` threshold. Memcached is multi-threaded, so the host metric is the right one.
   *
   * @default 90
   */
  readonly cpuUtilizationPercent?: number;

  /**
   * `SwapUsage` threshold in megabytes.
   *
   * @default 50: the user guide says swap above 50 MB hurts performance
   */
  readonly swapUsageMegabytes?: number;

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
}

/**
 * A Memcached cluster: one that the stack creates (`ShardedMemcached`) or one that it imports
 * (`ShardedMemcached.fromShardedMemcachedAttributes()`).
 */
export interface IShardedMemcached extends IResource, ec2.IConnectable {
  /** The cluster name. @attribute */
  readonly clusterName: string;
  /** The port clients connect to. */
  readonly port: number;
  /** The `CacheNodeId` of every node: `0001`, `0002`, ... */
  readonly cacheNodeIds: string[];
  /** The configuration endpoint that auto-discovery clients read the node list from. */
  readonly configurationEndpoint: CacheEndpoint;
  /** The endpoint an application connects to: the configuration endpoint. */
  readonly endpoint: CacheEndpoint;

  /** A metric of one node. */
  metric(metricName: string, props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Percentage of CPU used by the host. */
  metricCpuUtilization(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Swap used by the host, in bytes. */
  metricSwapUsage(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Items evicted to make room for new writes. */
  metricEvictions(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Client connections. */
  metricCurrConnections(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Get requests that found their key. */
  metricGetHits(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Get requests that did not find their key. */
  metricGetMisses(props?: MemcachedMetricOptions): cloudwatch.Metric;
  /** Memory available to the host, in bytes. */
  metricFreeableMemory(props?: MemcachedMetricOptions): cloudwatch.Metric;
}

/**
 * What imported and created Memcached clusters share.
 */
export abstract class ShardedMemcachedBase extends Resource implements IShardedMemcached {
  public abstract readonly clusterName: string;
  public abstract readonly port: number;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly cacheNodeIds: string[];
  public abstract readonly configurationEndpoint: CacheEndpoint;

  /** The endpoint an application connects to: the configuration endpoint. */
  public get endpoint(): CacheEndpoint {
    return this.configurationEndpoint;
  }

  /**
   * A metric of one node in the `AWS/ElastiCache` namespace.
   *
   * @default - average over 5 minutes, of node 0001 unless `cacheNodeId` is given
   */
  public metric(metricName: string, props: MemcachedMetricOptions = {}): cloudwatch.Metric {
    const { cacheNodeId, ...metricProps } = props;
    return cacheMetric({ CacheClusterId: this.clusterName, CacheNodeId: cacheNodeId ?? this.cacheNodeIds[0] }, metricName, metricProps);
  }

  /**
   * Percentage of CPU used by the host.
   *
   * @default - average over 5 minutes
   */
  public metricCpuUtilization(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('CPUUtilization', props);
  }

  /**
   * Swap used by the host, in bytes.
   *
   * @default - maximum over 5 minutes
   */
  public metricSwapUsage(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('SwapUsage', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Items evicted to make room for new writes.
   *
   * @default - sum over 5 minutes
   */
  public metricEvictions(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('Evictions', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Client connections.
   *
   * @default - maximum over 5 minutes
   */
  public metricCurrConnections(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('CurrConnections', { statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /**
   * Get requests that found their key.
   *
   * @default - sum over 5 minutes
   */
  public metricGetHits(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('GetHits', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Get requests that did not find their key.
   *
   * @default - sum over 5 minutes
   */
  public metricGetMisses(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('GetMisses', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Memory available to the host, in bytes.
   *
   * @default - minimum over 5 minutes
   */
  public metricFreeableMemory(props?: MemcachedMetricOptions): cloudwatch.Metric {
    return this.metric('FreeableMemory', { statistic: cloudwatch.Stats.MINIMUM, ...props });
  }
}

function nodeIdsOf(nodes: number): string[] {
  if (Token.isUnresolved(nodes)) return ['0001'];
  return Array.from({ length: nodes }, (_, i) => (i + 1).toString().padStart(4, '0'));
}

class ImportedShardedMemcached extends ShardedMemcachedBase {
  public readonly clusterName: string;
  public readonly port: number;
  public readonly connections: ec2.Connections;
  public readonly cacheNodeIds: string[];
  private readonly configurationEndpointAddress?: string;

  constructor(scope: Construct, id: string, attrs: ShardedMemcachedAttributes) {
    super(scope, id);
    const v = new PropsValidator(this);
    validateCacheId(v, 'clusterName', attrs.clusterName, MAX_CLUSTER_NAME_LENGTH);
    v.integerInRange('port', attrs.port, 1, 65535, 'Give the port the cluster listens on.');
    v.check(attrs.nodes !== undefined && !Token.isUnresolved(attrs.nodes) && (!Number.isInteger(attrs.nodes) || attrs.nodes < 1),
      `nodes must be a whole number, at least 1, got ${quote(attrs.nodes)}. Give the number of nodes the cluster has.`);
    const address = attrs.configurationEndpointAddress;
    v.check(isLiteral(address) && (address.trim() !== address || address.length === 0 || address.includes(':')),
      `configurationEndpointAddress ${quote(address)} is not a host name. Give the endpoint's DNS name without the port (the port is given on its own).`);
    v.throwIfInvalid();
    // ElastiCache stores the name in lowercase: the metric dimensions use that form.
    this.clusterName = isLiteral(attrs.clusterName) ? attrs.clusterName.toLowerCase() : attrs.clusterName;
    this.port = attrs.port;
    this.connections = new ec2.Connections({ securityGroups: attrs.securityGroups, defaultPort: ec2.Port.tcp(attrs.port) });
    this.cacheNodeIds = nodeIdsOf(attrs.nodes ?? 1);
    this.configurationEndpointAddress = address;
  }

  public get configurationEndpoint(): CacheEndpoint {
    if (this.configurationEndpointAddress === undefined) {
      throw missingAttribute(this, 'ShardedMemcached.fromShardedMemcachedAttributes', 'configurationEndpointAddress', 'configuration endpoint');
    }
    return new CacheEndpoint(this.configurationEndpointAddress, this.port);
  }
}

/**
 * Memcached nodes spread across Availability Zones: a pure, multi-threaded cache whose data the
 * client partitions over the nodes (usually by consistent hashing). No replication, no
 * persistence, no backups, by nature; TLS on by default, and a security group that admits only
 * the sources you name, since ElastiCache offers no authentication for Memcached.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * declare const appService: ec2.IConnectable;
 * const cache = new ShardedMemcached(this, 'Memcached', { vpc, allowedConnections: [appService] });
 */
export class ShardedMemcached extends ShardedMemcachedBase {
  /**
   * Imports an existing Memcached cluster with what you know of it: name, port, security groups,
   * node count and configuration endpoint. The import exposes exactly what it is given; asking
   * for the endpoint when it was not given fails at synth, naming the attribute to add.
   */
  public static fromShardedMemcachedAttributes(scope: Construct, id: string, attrs: ShardedMemcachedAttributes): IShardedMemcached {
    return new ImportedShardedMemcached(scope, id, attrs);
  }

  /**
   * Whether `x` is a `ShardedMemcached` that a stack creates (imports are not), also across
   * copies of this library in one app.
   */
  public static isShardedMemcached(x: any): x is ShardedMemcached {
    return x !== null && typeof x === 'object' && SHARDED_MEMCACHED_SYMBOL in x;
  }

  public readonly clusterName: string;
  public readonly port: number;
  public readonly connections: ec2.Connections;
  public readonly cacheNodeIds: string[];

  /** The configuration endpoint that auto-discovery clients read the node list from. */
  public readonly configurationEndpoint: CacheEndpoint;
  /** The engine version. */
  public readonly engineVersion: MemcachedEngineVersion;
  /** The security group the construct created for the cache. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The dedicated subnet group. */
  public readonly subnetGroup: elasticache.CfnSubnetGroup;
  /** The parameter group the construct created, if any. */
  public readonly parameterGroup?: elasticache.CfnParameterGroup;
  /** The underlying CloudFormation resource. */
  public readonly cacheCluster: elasticache.CfnCacheCluster;

  private readonly givenAlarmTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: ShardedMemcachedProps) {
    super(scope, id);
    Object.defineProperty(this, SHARDED_MEMCACHED_SYMBOL, { value: true });

    const nodes = props.nodes ?? 3;
    const engineVersion = props.engineVersion ?? MemcachedEngineVersion.VER_1_6_22;
    const nodeType = props.nodeType ?? 'cache.m7g.large';
    const port = props.port ?? DEFAULT_MEMCACHED_PORT;
    const tls = props.transitEncryption ?? true;
    const maintenanceWindow = props.maintenanceWindow ?? 'sun:05:00-sun:06:00';
    const crossAz = props.crossAz ?? (Token.isUnresolved(nodes) || nodes > 1);
    // ElastiCache stores the name in lowercase; a token cannot be lowercased without breaking it.
    // Without a name, CloudFormation generates one, and a new one whenever it replaces the
    // cluster: every create-only change (schema createOnlyProperties) then replaces cleanly.
    const givenName = props.clusterName;
    const clusterName = isLiteral(givenName) ? givenName.toLowerCase() : givenName;

    const v = new PropsValidator(this);
    // A Memcached cluster has 1 to 60 nodes by default, a quota AWS raises on request (ElastiCache
    // user guide, "Managing clusters"; the API reference's older "1 to 40" was the same quota).
    v.check(!Token.isUnresolved(nodes) && (!Number.isInteger(nodes) || nodes < 1),
      `nodes must be a whole number, at least 1, got ${quote(nodes)}. A Memcached cluster has 1 to 60 nodes (more with a raised quota).`);
    v.check(!Token.isUnresolved(nodes) && crossAz && nodes === 1,
      'crossAz needs more than one node: a single node lives in one Availability Zone. Raise nodes, or set crossAz: false.');
    v.check(!engineVersion.isKnown,
      `engineVersion ${quote(engineVersion.toString())} does not exist. Known versions: ${engineVersion.knownVersions.join(', ')}. For a newer one, give its parameterGroupFamily in MemcachedEngineVersion.of().`);
    v.check(engineVersion.isKnown && tls && !engineVersion.supportsTls,
      `${engineVersion} has no TLS; in-transit encryption needs Memcached 1.6.12 or later. Use MemcachedEngineVersion.VER_1_6_22.`);
    validateEngineVersionText(v, 'memcached', engineVersion.version, engineVersion.parameterGroupFamily);
    v.integerInRange('port', port, 1, 65535, `Leave it unset for ${DEFAULT_MEMCACHED_PORT}.`);
    if (isLiteral(nodeType)) {
      const info = describeNodeType(nodeType);
      const shown = `nodeType ${quote(nodeType)}${props.nodeType === undefined ? ' (the default)' : ''}`;
      v.check(typeof info === 'string', `${shown} cannot be used: ${info}.`);
      v.check(typeof info !== 'string' && info.dataTiering,
        `${shown} is a data-tiering node, which Memcached does not support. Use an r7g or m7g node.`);
      const problem = typeof info === 'string' || info.dataTiering ? undefined : nodeFamilyProblem(info, 'memcached', engineVersion.version);
      v.check(engineVersion.isKnown && problem !== undefined,
        `${shown} cannot run ${engineVersion}: ${problem}. Give nodeType: ${quote(suggestedNodeType('memcached', engineVersion.version))}, or upgrade the engine.`);
    }
    validateAllowedConnections(v, props.allowedConnections, props.allowCidrIngress ?? false);
    validateCacheId(v, 'clusterName', props.clusterName, MAX_CLUSTER_NAME_LENGTH);
    v.check(props.removalPolicy === RemovalPolicy.SNAPSHOT,
      'removalPolicy is SNAPSHOT, but Memcached has no backups. Use RemovalPolicy.DESTROY (the default) or RETAIN.');
    validateMaintenanceWindow(v, maintenanceWindow);
    validateEventTopic(v, props.notificationTopic);
    const subnets = selectCacheSubnets(v, props.vpc, props.vpcSubnets);
    const zones = crossAz ? checkZoneSpread(v, subnets, 'crossAz', ', or set crossAz: false') : [];
    v.throwIfInvalid();

    if (!Token.isUnresolved(nodes) && nodes > MEMCACHED_NODE_QUOTA) {
      Annotations.of(this).addWarningV2('cdk-secure-elasticache:nodeQuota',
        `${nodes} nodes exceed the default quota of ${MEMCACHED_NODE_QUOTA} nodes per Memcached cluster: ask AWS for a higher quota before deploying.`);
    }
    if (!tls) {
      Annotations.of(this).addWarningV2('cdk-secure-elasticache:memcachedWithoutTls',
        'transitEncryption is off: cache traffic, keys and values cross the network in clear text.');
    }

    const what = 'Memcached cluster';
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
    this.parameterGroup = props.parameters
      ? createParameterGroup(this, engineVersion.parameterGroupFamily, props.parameters)
      : undefined;

    this.cacheCluster = new elasticache.CfnCacheCluster(this, 'Resource', {
      clusterName,
      engine: 'memcached',
      engineVersion: engineVersion.version,
      cacheNodeType: nodeType,
      numCacheNodes: nodes,
      port,
      azMode: crossAz ? 'cross-az' : 'single-az',
      // Round-robin over the subnets' zones, so that losing one zone loses 1/n of the keys.
      preferredAvailabilityZones: crossAz && zones.length > 1 && !Token.isUnresolved(nodes)
        ? Array.from({ length: nodes }, (_, i) => zones[i % zones.length])
        : undefined,
      cacheSubnetGroupName: this.subnetGroup.ref,
      vpcSecurityGroupIds: network.connections.securityGroups.map((sg) => sg.securityGroupId),
      transitEncryptionEnabled: tls,
      cacheParameterGroupName: this.parameterGroup?.ref,
      preferredMaintenanceWindow: maintenanceWindow,
      autoMinorVersionUpgrade: props.autoMinorVersionUpgrade ?? true,
      notificationTopicArn: props.notificationTopic?.topicArn,
    });
    this.cacheCluster.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);
    this.node.defaultChild = this.cacheCluster;

    // The resolved reference: the name CloudFormation created, given or generated.
    this.clusterName = this.cacheCluster.ref;
    this.port = port;
    this.engineVersion = engineVersion;
    this.cacheNodeIds = nodeIdsOf(nodes);
    this.givenAlarmTopic = props.alarmTopic ?? props.notificationTopic;
    this.configurationEndpoint = new CacheEndpoint(this.cacheCluster.attrConfigurationEndpointAddress, port);
  }

  /**
   * The topic that the construct's alarms notify: the `alarmTopic` prop, else
   * `notificationTopic`, else a topic that the construct creates on first use, encrypted with a
   * KMS key of its own. Subscribe to it to receive the alarms.
   */
  public get alarmTopic(): sns.ITopic {
    return this.givenAlarmTopic ?? defaultAlarmTopic(this);
  }

  /**
   * Creates, for every node, the alarms that the ElastiCache user guide recommends for
   * Memcached ("Which metrics should I monitor?"): CPU, swap, evictions and connections.
   *
   * @returns the alarms created
   */
  public addRecommendedAlarms(options: MemcachedAlarmsOptions = {}): cloudwatch.Alarm[] {
    const v = new PropsValidator(this);
    const cpuPercent = options.cpuUtilizationPercent ?? 90;
    v.check(cpuPercent < 1 || cpuPercent > 100, `cpuUtilizationPercent must be from 1 to 100, got ${cpuPercent}.`);
    v.check(this.node.tryFindChild('Alarms') !== undefined, 'addRecommendedAlarms() was already called. Call it once, with all options.');
    v.throwIfInvalid();

    const swapMegabytes = options.swapUsageMegabytes ?? 50;
    const evictions = options.evictionsPerFiveMinutes ?? 1000;
    const connections = options.currConnections ?? 52000;
    const specs: NodeAlarmSpec[] = this.cacheNodeIds.flatMap((nodeId) => {
      const at = { cacheNodeId: nodeId };
      const name = `${this.clusterName} node ${nodeId}`;
      return [
        { id: `Node${nodeId}Cpu`, metric: this.metricCpuUtilization(at), threshold: cpuPercent, description: `${name}: CPU above ${cpuPercent}%` },
        {
          id: `Node${nodeId}Swap`,
          metric: this.metricSwapUsage(at),
          threshold: swapMegabytes * 1024 * 1024,
          description: `${name}: swap above ${swapMegabytes} MB`,
        },
        {
          id: `Node${nodeId}Evictions`,
          metric: this.metricEvictions(at),
          threshold: evictions,
          description: `${name}: more than ${evictions} evictions in 5 minutes`,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
        {
          id: `Node${nodeId}Connections`,
          metric: this.metricCurrConnections(at),
          threshold: connections,
          description: `${name}: more than ${connections} client connections`,
        },
      ];
    });
    return createNodeAlarms(new Construct(this, 'Alarms'), specs, options.alarmTopic ?? this.alarmTopic);
  }
}
