import { ArnFormat, Duration, IResource, RemovalPolicy, Resource, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SecretRotation } from './auth-token-rotation';
import { CacheAuthentication, CacheUser } from './cache-authentication';
import { CacheEndpoint } from './cache-endpoint';
import { CacheEngineVersion } from './cache-engine-version';
import { ICacheUserGroup } from './cache-user-group';
import { defaultAlarmTopic } from './private/alarm-topic';
import { defaultCacheId, finalSnapshotName, replacementAwareName, validateCacheId } from './private/ids';
import { ArnResourceType, grantConnectOn, missingAttribute, resourceNameOfArn, validateElastiCacheArn, validateIamUserNames } from './private/imports';
import { createKey } from './private/keys';
import { cacheMetric, createNodeAlarms, metricEnvironment, NodeAlarmSpec } from './private/metrics';
import { checkZoneSpread, createCacheSecurity, refuseWorldOpenIngress, selectCacheSubnets, validateAllowedConnections } from './private/network';
import {
  bindUserGroup, BoundCacheUser, boundUserSecret, iamUsersToConnect, KnownCacheUser, SHARED_GROUP_IAM_FIX, userArn,
  userGroupIdFor, validateSharedUserGroup, validateUsers,
} from './private/rbac';
import { grantReadSecret } from './private/secret-grant';
import { rotateSecrets } from './private/secret-rotation';
import { renderUsageLimits, UsageLimitNumbers, validateServerlessRetention, validateUsageLimits } from './private/validate-serverless-props';
import { isLiteral, PropsValidator, quote, validateDescription, validateEngineVersionText } from './private/validation';

/** Serverless caches take reads and writes on 6379 and reads from replicas on 6380 (ElastiCache user guide, "Serverless"). */
const SERVERLESS_PORT = 6379;
const SERVERLESS_READER_PORT = 6380;
/** ServerlessCacheName: 1 to 40 characters (CreateServerlessCache API reference). */
const MAX_SERVERLESS_NAME_LENGTH = 40;
const SECURE_SERVERLESS_CACHE_SYMBOL = Symbol.for('cdk-secure-elasticache.SecureServerlessCache');
const SERVERLESS_CACHE_ARN: ArnResourceType = { prop: 'serverlessCacheArn', type: 'serverlesscache', what: 'a serverless cache', placeholder: '<name>' };
/** The import method named in the errors of an import. */
const SERVERLESS_ATTRIBUTES_IMPORT = 'SecureServerlessCache.fromSecureServerlessCacheAttributes';

/**
 * The usage limits of a serverless cache (ElastiCache user guide, "Setting scaling limits to manage
 * costs"), with the field names of the alpha module's `CacheUsageLimitsProperty`.
 */
export interface CacheUsageLimits {
  /**
   * The least data storage the cache keeps ready: whole gibibytes from 1 to 5,000, which
   * ElastiCache takes as GB.
   *
   * @default - no minimum
   */
  readonly dataStorageMinimumSize?: Size;

  /**
   * The most data the cache may hold: whole gibibytes from 1 to 5,000, which ElastiCache takes
   * as GB. Past it, ElastiCache evicts; an alarm fires at 75%.
   *
   * @default - no limit and no alarm
   */
  readonly dataStorageMaximumSize?: Size;

  /**
   * The least ElastiCache Processing Units per second the cache keeps ready (1,000 to 15,000,000).
   *
   * @default - no minimum
   */
  readonly requestRateLimitMinimum?: number;

  /**
   * The most ElastiCache Processing Units per second (1,000 to 15,000,000). Past it, ElastiCache
   * throttles; an alarm fires at 75%.
   *
   * @default - no limit and no alarm
   */
  readonly requestRateLimitMaximum?: number;
}

/**
 * Properties of a `SecureServerlessCache`.
 */
export interface SecureServerlessCacheProps {
  /** The VPC to place the cache in. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cache, in at least two Availability Zones. Public subnets are rejected.
   *
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The engine. Serverless runs a major version (`MajorEngineVersion`): Valkey 7.2+ or Redis OSS
   * 7.0+. A change from Redis OSS to Valkey upgrades the cache in place.
   *
   * @default CacheEngineVersion.VALKEY_8_2 (Valkey 8)
   */
  readonly engineVersion?: CacheEngineVersion;

  /**
   * How clients authenticate: RBAC users with a password (`CacheAuthentication.users([...])`) or
   * IAM users (`CacheAuthentication.iam([...])`), in a user group whose `default` user is
   * switched off. An AUTH token is refused: serverless caches have none.
   *
   * @default CacheAuthentication.users([CacheUser.password('app')]): one password user `app`
   * with `AccessString.readWrite()`
   */
  readonly authentication?: CacheAuthentication;

  /**
   * The KMS key for the data at rest, the snapshots and the users' secrets.
   *
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The sources admitted on the endpoint port (6379) and the reader port (6380).
   *
   * @default - nobody until `connections.allowDefaultPortFrom` or `allowFrom`
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
   * When the daily backup starts, `hh:mm` in UTC.
   *
   * @default '03:00'
   */
  readonly dailySnapshotTime?: string;

  /**
   * How long daily backups are kept, whole days from 1 to 35.
   *
   * @default Duration.days(15): the minimum the HIPAA and NIST packs ask of node-based caches
   */
  readonly backupRetention?: Duration;

  /**
   * What happens to the cache when it leaves the stack or is replaced. With `DESTROY`, the cache
   * takes a final backup with a unique name first (`FinalSnapshotName`); `RETAIN` keeps the cache.
   * `SNAPSHOT` is refused: CloudFormation has no snapshot policy for serverless caches.
   *
   * @default RemovalPolicy.DESTROY, with a final backup
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The ARNs of backups to create the cache from. A change replaces the cache.
   *
   * @default - an empty cache
   */
  readonly snapshotArnsToRestore?: string[];

  /**
   * The usage limits, in the alpha module's shape. Past a maximum, ElastiCache evicts (data) or
   * throttles (ECPUs); an alarm fires at 75% of each maximum.
   *
   * @default - no limits and no usage alarms
   */
  readonly cacheUsageLimits?: CacheUsageLimits;

  /**
   * The topic that the alarms notify: the usage-limit alarms, the rotation-failure alarms and the
   * default of `addRecommendedAlarms()`. If it is encrypted with KMS, its key must let CloudWatch
   * use it.
   *
   * @default - a new topic encrypted with the cache's key (see `alarmTopic`)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether and how the password users' passwords rotate (`ModifyUser` with the current and the
   * new password, so that running clients keep working until they read the secret again). IAM
   * users have no secret.
   *
   * @default SecretRotation.enabled(): every 30 days, when there are password users
   */
  readonly secretRotation?: SecretRotation;

  /**
   * The cache name: 1 to 40 letters, digits and hyphens, starting with a letter.
   *
   * A name you give is fixed: CloudFormation cannot replace a resource with a fixed name, so a
   * change that replaces the cache (`vpcSubnets`, `encryptionKey`, `snapshotArnsToRestore`) fails
   * unless the same change gives a new `serverlessCacheName` (docs/updates-and-replacements.md).
   *
   * @default - `<construct path>-<hash>-<stack uuid>`, where the hash covers the properties that
   * cannot change in place, so that a change of any of them gets a new name and replaces the cache
   */
  readonly serverlessCacheName?: string;

  /**
   * The description of the cache.
   *
   * @default 'Serverless cache <construct path>'
   */
  readonly description?: string;
}

/**
 * What an import of a serverless cache knows.
 */
export interface SecureServerlessCacheAttributes {
  /** The cache name. */
  readonly serverlessCacheName: string;

  /**
   * The DNS name of the endpoint (port 6379).
   *
   * @default - no `endpoint`: reading it fails at synth
   */
  readonly endpointAddress?: string;

  /**
   * The DNS name of the reader endpoint (port 6380).
   *
   * @default - no `readerEndpoint`: reading it fails at synth
   */
  readonly readerEndpointAddress?: string;

  /**
   * The security groups of the cache, to admit clients into.
   *
   * @default - no `connections`: reading it fails at synth
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The names of the cache's IAM users, for `grantConnect(grantee)` without a user name.
   *
   * @default - `grantConnect` must name the user
   */
  readonly iamUserNames?: string[];
}

/**
 * Options of the recommended alarms of a serverless cache.
 */
export interface ServerlessAlarmsOptions {
  /**
   * The topic that alarm and OK notifications go to.
   *
   * @default - the cache's `alarmTopic`
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * An ElastiCache Serverless cache (Valkey or Redis OSS): one that the stack creates or imports.
 *
 * A serverless cache runs in cluster mode only (ElastiCache best practices, "Use cluster-mode
 * enabled configurations"): clients must be cluster-aware, `SELECT` of a database other than 0
 * is refused, and the keys of one multi-key command must share a hash slot.
 */
export interface ISecureServerlessCache extends IResource, ec2.IConnectable {
  /** The cache name. @attribute */
  readonly serverlessCacheName: string;
  /** The cache ARN. @attribute */
  readonly serverlessCacheArn: string;
  /** The endpoint for reads and writes (port 6379); clients connect in cluster mode. */
  readonly endpoint: CacheEndpoint;
  /** The endpoint for reads from replicas (port 6380); clients connect in cluster mode. */
  readonly readerEndpoint: CacheEndpoint;

  /**
   * Grants `elasticache:Connect` for IAM authentication, on this cache and on the IAM user
   * `userName` (or on every IAM user of the cache when omitted).
   */
  grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant;

  /** A metric of the cache (dimension `clusterId`). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** ElastiCache Processing Units consumed. */
  metricElastiCacheProcessingUnits(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Bytes of data held. */
  metricBytesUsedForCache(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Commands throttled because the cache reached its ECPU limit or scales too slowly. */
  metricThrottledCmds(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Client connections. */
  metricCurrConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Read hits. */
  metricCacheHits(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Read misses. */
  metricCacheMisses(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Latency of successful reads, in microseconds. */
  metricSuccessfulReadRequestLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Latency of successful writes, in microseconds. */
  metricSuccessfulWriteRequestLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * What imported and created serverless caches share.
 */
export abstract class SecureServerlessCacheBase extends Resource implements ISecureServerlessCache {
  public abstract readonly serverlessCacheName: string;
  public abstract readonly serverlessCacheArn: string;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly endpoint: CacheEndpoint;
  public abstract readonly readerEndpoint: CacheEndpoint;

  /**
   * Grants `elasticache:Connect` for IAM authentication, on this cache and on the IAM user
   * `userName` (or on every IAM user of the cache when omitted).
   */
  public abstract grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant;

  /**
   * A metric of the cache in the `AWS/ElastiCache` namespace, with the dimension `clusterId`
   * (ElastiCache user guide, "Metrics for Serverless caches").
   *
   * @default - average over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    // A cache imported from another account or Region: its metrics are read there.
    return cacheMetric({ clusterId: this.serverlessCacheName }, metricName, { ...metricEnvironment(this), ...props });
  }

  /**
   * ElastiCache Processing Units consumed: what the cache bills and what `cacheUsageLimits.requestRateLimitMaximum` limits.
   *
   * @default - sum over 1 minute
   */
  public metricElastiCacheProcessingUnits(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ElastiCacheProcessingUnits', { statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1), ...props });
  }

  /**
   * Bytes of data held: what `cacheUsageLimits.dataStorageMaximumSize` limits.
   *
   * @default - maximum over 1 minute
   */
  public metricBytesUsedForCache(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BytesUsedForCache', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1), ...props });
  }

  /**
   * Commands throttled because the cache reached its ECPU limit or scales too slowly.
   *
   * @default - sum over 5 minutes
   */
  public metricThrottledCmds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ThrottledCmds', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Client connections.
   *
   * @default - average over 5 minutes
   */
  public metricCurrConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CurrConnections', props);
  }

  /**
   * Read hits.
   *
   * @default - sum over 5 minutes
   */
  public metricCacheHits(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheHits', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Read misses.
   *
   * @default - sum over 5 minutes
   */
  public metricCacheMisses(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CacheMisses', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Latency of successful reads, in microseconds.
   *
   * @default - average over 5 minutes
   */
  public metricSuccessfulReadRequestLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('SuccessfulReadRequestLatency', props);
  }

  /**
   * Latency of successful writes, in microseconds.
   *
   * @default - average over 5 minutes
   */
  public metricSuccessfulWriteRequestLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('SuccessfulWriteRequestLatency', props);
  }
}

/** The ARN of a serverless cache, from its name. */
function serverlessCacheArnOf(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({ service: 'elasticache', resource: 'serverlesscache', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

class ImportedSecureServerlessCache extends SecureServerlessCacheBase {
  public readonly serverlessCacheName: string;
  public readonly serverlessCacheArn: string;
  private readonly attrs: SecureServerlessCacheAttributes;
  private readonly _connections?: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: SecureServerlessCacheAttributes, arn?: string) {
    super(scope, id, { environmentFromArn: arn });
    const v = new PropsValidator(this);
    validateElastiCacheArn(v, SERVERLESS_CACHE_ARN, arn);
    validateCacheId(v, 'serverlessCacheName', attrs.serverlessCacheName, MAX_SERVERLESS_NAME_LENGTH);
    validateIamUserNames(v, 'iamUserNames', attrs.iamUserNames ?? []);
    for (const [prop, address] of [['endpointAddress', attrs.endpointAddress], ['readerEndpointAddress', attrs.readerEndpointAddress]] as const) {
      v.check(isLiteral(address) && (address.trim() !== address || address.length === 0 || address.includes(':')),
        `${prop} ${quote(address)} is not a host name. Give the endpoint's DNS name without the port.`);
    }
    v.throwIfInvalid();
    // ElastiCache stores the name in lowercase: the ARN and the metric dimension use that form.
    this.serverlessCacheName = isLiteral(attrs.serverlessCacheName) ? attrs.serverlessCacheName.toLowerCase() : attrs.serverlessCacheName;
    this.serverlessCacheArn = arn ?? serverlessCacheArnOf(this, this.serverlessCacheName);
    this.attrs = attrs;
    if (attrs.securityGroups !== undefined) {
      this._connections = new ec2.Connections({ securityGroups: attrs.securityGroups, defaultPort: ec2.Port.tcp(SERVERLESS_PORT) });
    }
  }

  public get connections(): ec2.Connections {
    if (!this._connections) throw missingAttribute(this, SERVERLESS_ATTRIBUTES_IMPORT, 'securityGroups', 'security groups to admit clients into');
    return this._connections;
  }

  public get endpoint(): CacheEndpoint {
    if (this.attrs.endpointAddress === undefined) throw missingAttribute(this, SERVERLESS_ATTRIBUTES_IMPORT, 'endpointAddress', 'endpoint');
    return new CacheEndpoint(this.attrs.endpointAddress, SERVERLESS_PORT);
  }

  public get readerEndpoint(): CacheEndpoint {
    if (this.attrs.readerEndpointAddress === undefined) throw missingAttribute(this, SERVERLESS_ATTRIBUTES_IMPORT, 'readerEndpointAddress', 'reader endpoint');
    return new CacheEndpoint(this.attrs.readerEndpointAddress, SERVERLESS_READER_PORT);
  }

  public grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant {
    const names = userName !== undefined ? [userName] : this.attrs.iamUserNames ?? [];
    if (names.length === 0) {
      throw missingAttribute(this, SERVERLESS_ATTRIBUTES_IMPORT, 'iamUserNames', 'IAM users to grant elasticache:Connect on', 'name the user: grantConnect(grantee, userName)');
    }
    // An IAM user's id is its name (ElastiCache user guide, "Authenticating with IAM"). The users
    // are in the cache's account and Region, which an import by ARN may name.
    return grantConnectOn(grantee, this.serverlessCacheArn, names.map((n) => userArn(this, n, this.env)));
  }
}

/**
 * An ElastiCache Serverless cache for Valkey (or Redis OSS 7+) with the secure settings on:
 * a user group whose `default` user is switched off, password users (rotated) or IAM users, a
 * customer managed key, a security group that admits only the named sources, daily backups kept
 * 15 days, a final backup on deletion, and alarms on the usage limits.
 *
 * A serverless cache runs in cluster mode only (ElastiCache best practices, "Use cluster-mode
 * enabled configurations"): connect with a cluster-aware client (e.g. `Valkey GLIDE` in cluster
 * mode, `ioredis`' `Cluster`, `redis-py`'s `RedisCluster`); `SELECT` of a database other than 0
 * is refused, and the keys of one multi-key command must share a hash slot (use hash tags,
 * `{user:42}:cart`). TLS is always on.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * declare const appSecurityGroup: ec2.ISecurityGroup;
 * const cache = new SecureServerlessCache(this, 'Cache', { vpc, allowedConnections: [appSecurityGroup] });
 */
export class SecureServerlessCache extends SecureServerlessCacheBase {
  /**
   * Imports a serverless cache, for composition: grants, metrics and, with `securityGroups`,
   * `connections`.
   */
  public static fromSecureServerlessCacheAttributes(scope: Construct, id: string, attrs: SecureServerlessCacheAttributes): ISecureServerlessCache {
    return new ImportedSecureServerlessCache(scope, id, attrs);
  }

  /**
   * Imports a serverless cache by its name, in the stack's account and Region: enough for its
   * ARN, metrics and `grantConnect(grantee, userName)`. For endpoints and `connections`, use
   * `fromSecureServerlessCacheAttributes()`.
   */
  public static fromServerlessCacheName(scope: Construct, id: string, serverlessCacheName: string): ISecureServerlessCache {
    return new ImportedSecureServerlessCache(scope, id, { serverlessCacheName });
  }

  /**
   * Imports a serverless cache by its ARN, which may name another account or Region than the
   * stack's: its metrics then read that account and Region, and `grantConnect(grantee, userName)`
   * names its users there.
   */
  public static fromServerlessCacheArn(scope: Construct, id: string, serverlessCacheArn: string): ISecureServerlessCache {
    return new ImportedSecureServerlessCache(scope, id, { serverlessCacheName: resourceNameOfArn(serverlessCacheArn) }, serverlessCacheArn);
  }

  /**
   * Whether `x` is a `SecureServerlessCache` that a stack creates (imports are not), also across
   * copies of this library in one app.
   */
  public static isSecureServerlessCache(x: any): x is SecureServerlessCache {
    return x !== null && typeof x === 'object' && SECURE_SERVERLESS_CACHE_SYMBOL in x;
  }

  public readonly serverlessCacheName: string;
  public readonly serverlessCacheArn: string;
  public readonly connections: ec2.Connections;
  public readonly endpoint: CacheEndpoint;
  public readonly readerEndpoint: CacheEndpoint;
  /** The key that encrypts the data, the snapshots and the users' secrets. */
  public readonly encryptionKey: kms.IKey;
  /** The cache's own security group. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The user group: the one the cache created, which other caches can share with
   * `CacheAuthentication.userGroup()`, or the one it was given.
   */
  public readonly userGroup: ICacheUserGroup;
  /** The user group's CloudFormation resource, when the cache created it. */
  public readonly cfnUserGroup?: elasticache.CfnUserGroup;
  /** The engine. */
  public readonly engineVersion: CacheEngineVersion;

  private readonly cache: elasticache.CfnServerlessCache;
  /** The users the grants know: those the cache created, or those of the user group it was given. */
  private readonly boundUsers: KnownCacheUser[];
  /** The users whose passwords the cache generated and rotates. */
  private readonly ownUsers: BoundCacheUser[];
  private readonly props: SecureServerlessCacheProps;

  constructor(scope: Construct, id: string, props: SecureServerlessCacheProps) {
    super(scope, id);
    Object.defineProperty(this, SECURE_SERVERLESS_CACHE_SYMBOL, { value: true });
    this.props = props;
    const engine = props.engineVersion ?? CacheEngineVersion.VALKEY_8_2;
    this.engineVersion = engine;
    const authentication = props.authentication ?? CacheAuthentication.users([CacheUser.password('app')]);
    const users = authentication.cacheUsers ?? [];
    // ElastiCache stores the name in lowercase; a token cannot be lowercased without breaking it.
    const givenName = isLiteral(props.serverlessCacheName) ? props.serverlessCacheName.toLowerCase() : props.serverlessCacheName;
    // A cache with the id `Default` is named after its parent, as CDK leaves `Default` out of
    // logical ids: a construct that composes it this way keeps the names and logical ids of the
    // resources it created itself before.
    const namingScope = this.node.id === 'Default' && this.node.scope ? this.node.scope : this;
    // User and user group ids are required and literal: they come from the given name or the
    // construct path, not from the derived cache name, which is known only at synth.
    const groupId = isLiteral(givenName) ? givenName : defaultCacheId(namingScope, MAX_SERVERLESS_NAME_LENGTH);

    const v = new PropsValidator(this);
    v.check(!engine.isKnown,
      `engineVersion ${quote(engine.toString())} does not exist. Known ${engine.engine} versions: ${engine.knownVersions.join(', ')}. Leave engineVersion unset for Valkey 8.`);
    validateEngineVersionText(v, engine.engine, engine.version, engine.parameterGroupFamily);
    v.check(engine.isKnown && !engine.supportsServerless,
      `engineVersion ${quote(engine.toString())} is not offered by ElastiCache Serverless, which runs Valkey 7.2+ or Redis OSS 7.0+. Leave engineVersion unset for Valkey 8.`);
    // Serverless caches authenticate with RBAC users only (ElastiCache user guide, "Role-Based Access Control (RBAC)").
    v.check(authentication.token !== undefined,
      'authentication is an AUTH token, which ElastiCache Serverless does not offer. Use CacheAuthentication.users([CacheUser.password("app")]) '
      + 'or CacheAuthentication.iam(["app"]).');
    if (authentication.cacheUsers) validateUsers(v, engine, groupId, users);
    if (authentication.sharedUserGroup) validateSharedUserGroup(v, engine, authentication.sharedUserGroup, props.secretRotation);
    v.check(authentication.cacheUsers !== undefined && users.length > 0 && users.every((u) => u.userName === 'default'),
      'authentication lists only the user "default". Add the application\'s user, e.g. CacheAuthentication.users([CacheUser.password("app")]).');
    validateCacheId(v, 'serverlessCacheName', props.serverlessCacheName, MAX_SERVERLESS_NAME_LENGTH);
    validateDescription(v, 'description', props.description);
    validateAllowedConnections(v, props.allowedConnections, props.allowCidrIngress ?? false);
    const retentionDays = validateServerlessRetention(v, props.backupRetention ?? Duration.days(15));
    const dailySnapshotTime = props.dailySnapshotTime ?? '03:00';
    v.check(isLiteral(dailySnapshotTime) && !/^([01]\d|2[0-3]):[0-5]\d$/.test(dailySnapshotTime),
      `dailySnapshotTime ${quote(dailySnapshotTime)} is not of the form hh:mm (UTC, 24 hours), e.g. "03:00".`);
    const limits = validateUsageLimits(v, props.cacheUsageLimits);
    v.check(props.removalPolicy === RemovalPolicy.SNAPSHOT,
      'removalPolicy SNAPSHOT does not apply to serverless caches: they take a final backup on deletion (FinalSnapshotName). Use DESTROY (the default) or RETAIN.');
    const subnets = selectCacheSubnets(v, props.vpc, props.vpcSubnets);
    checkZoneSpread(v, subnets, 'a serverless cache', '');
    v.throwIfInvalid();

    // Serverless caches take their subnets directly, without a subnet group.
    const network = createCacheSecurity(this, {
      vpc: props.vpc,
      securityGroups: props.additionalSecurityGroups,
      allowedConnections: props.allowedConnections,
      ports: [SERVERLESS_PORT, SERVERLESS_READER_PORT],
      what: 'serverless cache',
    });
    refuseWorldOpenIngress(this, network.securityGroup);
    this.connections = network.connections;
    this.securityGroup = network.securityGroup;

    const key = props.encryptionKey ?? createKey(this, 'Key', {
      description: `Encrypts the data, the backups and the user secrets of ${this.node.path}`,
    });
    this.encryptionKey = key;

    const group = bindUserGroup(this, authentication, groupId, key);
    this.userGroup = group.userGroup;
    this.cfnUserGroup = group.cfnUserGroup;
    this.boundUsers = group.knownUsers;
    this.ownUsers = group.ownUsers;

    // ServerlessCacheName is required. Derived from the create-only properties of the schema, so
    // that a change of any of them comes with a new name and CloudFormation can replace the cache.
    const serverlessCacheName = givenName ?? replacementAwareName(namingScope, MAX_SERVERLESS_NAME_LENGTH, () => ({
      KmsKeyId: cache.kmsKeyId,
      SubnetIds: cache.subnetIds,
      SnapshotArnsToRestore: cache.snapshotArnsToRestore,
    }));
    const cache: elasticache.CfnServerlessCache = new elasticache.CfnServerlessCache(this, 'Resource', {
      serverlessCacheName,
      description: props.description ?? `Serverless cache ${namingScope.node.path}`,
      engine: engine.engine,
      majorEngineVersion: engine.version.split('.')[0],
      subnetIds: subnets!.subnetIds,
      securityGroupIds: network.connections.securityGroups.map((sg) => sg.securityGroupId),
      kmsKeyId: key.keyArn,
      userGroupId: userGroupIdFor(this, this.userGroup),
      cacheUsageLimits: renderUsageLimits(limits),
      snapshotRetentionLimit: retentionDays,
      dailySnapshotTime,
      snapshotArnsToRestore: props.snapshotArnsToRestore,
      finalSnapshotName: props.removalPolicy === RemovalPolicy.RETAIN ? undefined : finalSnapshotName(serverlessCacheName, givenName !== undefined),
    });
    cache.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.DESTROY);
    this.cache = cache;

    // The resolved reference: the name CloudFormation created, given or derived.
    this.serverlessCacheName = cache.ref;
    this.serverlessCacheArn = cache.attrArn;
    this.endpoint = new CacheEndpoint(cache.attrEndpointAddress, Token.asNumber(cache.attrEndpointPort));
    this.readerEndpoint = new CacheEndpoint(cache.attrReaderEndpointAddress, Token.asNumber(cache.attrReaderEndpointPort));

    this.createUsageAlarms(limits);
    this.rotatePasswords();
  }

  /**
   * The topic that the cache's alarms notify: the `alarmTopic` prop, else a topic that the cache
   * creates on first use, encrypted with KMS. Subscribe to it to receive the alarms.
   */
  public get alarmTopic(): sns.ITopic {
    return this.props.alarmTopic ?? defaultAlarmTopic(this, this.encryptionKey);
  }

  /** The users the cache created, the `default` user included; none when it was given a user group. */
  public get users(): CacheUser[] {
    return this.ownUsers.map((u) => u.user);
  }

  /** The secret of a password user: JSON `{"username", "password", "user_arn"}`. */
  public userSecret(userName: string): secretsmanager.ISecret {
    return boundUserSecret(this, this.boundUsers, userName);
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
   * Grants `elasticache:Connect` for IAM authentication, on this cache and on the IAM user
   * `userName` (or on every IAM user of the cache when omitted). Clients sign their token with
   * `ResourceType=ServerlessCache`.
   */
  public grantConnect(grantee: iam.IGrantable, userName?: string): iam.Grant {
    const iamUsers = iamUsersToConnect(this, this.boundUsers, userName, undefined, this.cfnUserGroup ? undefined : SHARED_GROUP_IAM_FIX);
    return grantConnectOn(grantee, this.serverlessCacheArn, iamUsers.map((u) => u.userArn));
  }

  /**
   * Creates the recommended alarm: commands throttled (`ThrottledCmds` above 0 in 5 minutes).
   * The usage-limit alarms come with the cache when limits are set.
   *
   * @returns the alarms created
   */
  public addRecommendedAlarms(options: ServerlessAlarmsOptions = {}): cloudwatch.Alarm[] {
    const v = new PropsValidator(this);
    v.check(this.node.tryFindChild('Alarms') !== undefined, 'addRecommendedAlarms() was already called. Call it once, with all options.');
    v.throwIfInvalid();
    return createNodeAlarms(new Construct(this, 'Alarms'), [{
      id: 'Throttled',
      metric: this.metricThrottledCmds(),
      threshold: 0,
      description: `${this.serverlessCacheName}: commands throttled by the usage limits`,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }], options.alarmTopic ?? this.alarmTopic);
  }


  /** Alarms at 75% of the maximums: past 100%, ElastiCache throttles (ECPUs) or evicts (data). */
  private createUsageAlarms({ maxDataStorageGb, maxEcpuPerSecond }: UsageLimitNumbers): void {
    const specs: NodeAlarmSpec[] = [];
    if (maxDataStorageGb !== undefined) {
      specs.push({
        id: 'DataStorage',
        // BytesUsedForCache, in bytes; the limit is in GB (10^9 bytes, as ElastiCache bills).
        metric: this.metricBytesUsedForCache(),
        threshold: maxDataStorageGb * 1e9 * 0.75,
        description: `${this.serverlessCacheName}: data above 75% of the ${maxDataStorageGb} GB limit`,
      });
    }
    if (maxEcpuPerSecond !== undefined) {
      specs.push({
        id: 'Ecpu',
        // ElastiCacheProcessingUnits summed over a minute: 60 times the per-second rate.
        metric: this.metricElastiCacheProcessingUnits(),
        threshold: maxEcpuPerSecond * 60 * 0.75,
        description: `${this.serverlessCacheName}: ECPUs above 75% of the ${maxEcpuPerSecond}/s limit`,
      });
    }
    if (specs.length > 0) {
      createNodeAlarms(new Construct(this, 'UsageAlarms'), specs, this.alarmTopic);
    }
  }

  /** The password users' passwords rotate with the library's function, in password mode. */
  private rotatePasswords(): void {
    const removalPolicy = this.props.removalPolicy ?? RemovalPolicy.DESTROY;
    rotateSecrets(this, {
      // In password mode the function names the cache in its logs only: it changes the user and
      // tests the new password on the endpoint, and never calls the replication group API.
      replicationGroupId: this.cache.ref,
      replicationGroupArn: this.cache.attrArn,
      replicationGroup: this.cache,
      endpoint: new CacheEndpoint(this.cache.attrEndpointAddress, SERVERLESS_PORT),
      vpc: this.props.vpc,
      cacheSubnets: this.props.vpcSubnets,
      cacheSecurityGroup: this.securityGroup,
      encryptionKey: this.encryptionKey,
      logRetention: logs.RetentionDays.ONE_YEAR,
      removalPolicy,
      alarmTopic: () => this.alarmTopic,
    }, {
      users: this.ownUsers
        .filter((u): u is BoundCacheUser & { secret: secretsmanager.ISecret } => u.secret !== undefined)
        .map((u) => ({ userId: u.userId, userName: u.user.userName, userArn: u.userArn, constructId: u.resource.node.id, secret: u.secret })),
    }, this.props.secretRotation);
  }
}


