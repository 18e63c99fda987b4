import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { SecretRotation } from './auth-token-rotation';
import { AccessString, CacheAuthentication, CacheUser, CacheUserAuthenticationType } from './cache-authentication';
import { CacheEndpoint } from './cache-endpoint';
import { CacheEngineVersion } from './cache-engine-version';
import { ICacheUserGroup } from './cache-user-group';
import { defaultCacheId, derivedId, validateCacheId } from './private/ids';
import { checkZoneSpread, selectCacheSubnets, validateAllowedConnections } from './private/network';
import { userConstructId } from './private/rbac';
import { grantReadSecret } from './private/secret-grant';
import { validateServerlessRetention, validateUsageLimits } from './private/validate-serverless-props';
import { validateSessionSettings } from './private/validate-session-props';
import { isLiteral, PropsValidator, quote, validateEngineVersionText } from './private/validation';
import { RecommendedAlarmsOptions, SecureRedisCluster } from './secure-redis-cluster';
import { CacheUsageLimits, SecureServerlessCache } from './secure-serverless-cache';

const SESSION_STORE_CACHE_SYMBOL = Symbol.for('cdk-secure-elasticache.SessionStoreCache');

/**
 * The eviction policy of node-based session stores.
 *
 * `volatile-lru` evicts only keys that carry a TTL, least recently used first. Sessions always
 * carry a TTL, so under memory pressure the sessions idle the longest go first, while keys the
 * application keeps without a TTL (configuration, counters) are never evicted. `volatile-ttl`
 * would pick by remaining TTL instead, which with sliding expiry is nearly the same order but
 * ignores reads that do not refresh the TTL.
 */
const SESSION_MAXMEMORY_POLICY = 'volatile-lru';

/** Serverless caches take reads from replicas on 6380 (ElastiCache user guide, "Serverless"). */
const SERVERLESS_READER_PORT = 6380;
const MAX_SERVERLESS_NAME_LENGTH = 40;

/**
 * Options of a node-based session store.
 */
export interface NodeBasedSessionStoreOptions {
  /**
   * The node type.
   *
   * @default 'cache.m7g.large'
   */
  readonly nodeType?: string;

  /**
   * Replicas of the primary, 1 to 5 (Multi-AZ needs one).
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Cluster mode. Off by default, so that common session libraries (connect-redis,
   * express-session, Spring Session, Flask-Session) connect with a plain, non-cluster client
   * through the primary endpoint.
   *
   * @default false
   */
  readonly clusterMode?: boolean;

  /**
   * Shards, with cluster mode on.
   *
   * @default 1
   */
  readonly shards?: number;

  /**
   * Additional engine parameters. `maxmemory-policy` is `volatile-lru` unless you set it.
   *
   * @default - only the session defaults
   */
  readonly parameters?: Record<string, string>;

  /**
   * How the application authenticates: one AUTH token, an RBAC user with a password, or an
   * IAM-enabled user (the rules and trade-offs of `SecureRedisCluster`'s `authentication`).
   *
   * With users, the session store's user is the first one listed that is not named `default`:
   * `grantSessionAccess` connects the application as that user unless it names another.
   *
   * @default CacheAuthentication.authToken(): a generated AUTH token
   */
  readonly authentication?: CacheAuthentication;
}

/**
 * Options of a serverless session store.
 */
export interface ServerlessSessionStoreOptions {
  /**
   * The usage limits, as `SecureServerlessCache` takes them; an alarm fires at 75% of each maximum.
   *
   * @default - no limits and no usage alarms
   */
  readonly cacheUsageLimits?: CacheUsageLimits;

  /**
   * The cache name: 1 to 40 letters, digits and hyphens, starting with a letter.
   *
   * A name you give is fixed: CloudFormation cannot replace a resource with a fixed name, so a
   * change that replaces the cache (`vpcSubnets`, `encryptionKey`) fails unless the same change
   * gives a new `serverlessCacheName` (docs/updates-and-replacements.md).
   *
   * @default - `<construct path>-<hash>-<stack uuid>`, where the hash covers the properties that
   * cannot change in place (subnets, key), so that a change of any of them gets a new name and
   * replaces the cache
   */
  readonly serverlessCacheName?: string;

  /**
   * The application user authenticates with IAM instead of a password: no secret exists;
   * `grantSessionAccess` grants `elasticache:Connect` on the cache and the user, and the
   * application signs a short-lived token with its IAM credentials (examples/iam-auth). Needs
   * Valkey 7.2+ or Redis OSS 7.0+, which serverless needs anyway.
   *
   * @default false: a password user whose password Secrets Manager generates
   */
  readonly iamAuthentication?: boolean;
}

/**
 * Where a session store runs: on nodes you size, or on ElastiCache Serverless.
 */
export class SessionStoreDeployment {
  /**
   * A node-based Valkey replication group (a `SecureRedisCluster`): primary and replica in two
   * Availability Zones, AUTH token, cluster mode off.
   */
  public static nodeBased(options: NodeBasedSessionStoreOptions = {}): SessionStoreDeployment {
    return new SessionStoreDeployment(options, undefined);
  }

  /**
   * ElastiCache Serverless for Valkey: always TLS, capacity that follows the load, RBAC users
   * instead of an AUTH token.
   */
  public static serverless(options: ServerlessSessionStoreOptions = {}): SessionStoreDeployment {
    return new SessionStoreDeployment(undefined, options);
  }

  /** The node-based options, for `nodeBased()`. */
  public readonly nodeBasedOptions?: NodeBasedSessionStoreOptions;
  /** The serverless options, for `serverless()`. */
  public readonly serverlessOptions?: ServerlessSessionStoreOptions;

  private constructor(nodeBased?: NodeBasedSessionStoreOptions, serverless?: ServerlessSessionStoreOptions) {
    this.nodeBasedOptions = nodeBased;
    this.serverlessOptions = serverless;
  }
}

/**
 * An application that keeps its sessions in a `SessionStoreCache`.
 */
export class SessionStoreConsumer {
  /**
   * A Lambda function in the cache's VPC.
   */
  public static lambdaFunction(fn: lambda.Function): SessionStoreConsumer {
    return new SessionStoreConsumer(fn, fn, (name, value) => fn.addEnvironment(name, value));
  }

  /**
   * An ECS service: its security groups are admitted, its task role reads the secret, and the
   * environment goes to `container` (by default the task definition's default container).
   */
  public static ecsService(service: ecs.BaseService, container?: ecs.ContainerDefinition): SessionStoreConsumer {
    const target = container ?? service.taskDefinition.defaultContainer;
    if (!target) {
      throw new Error(`[${service.node.path}] has no default container. Pass the container that uses the session store.`);
    }
    return new SessionStoreConsumer(service, service.taskDefinition.taskRole, (name, value) => target.addEnvironment(name, value));
  }

  /** Whose security groups are admitted. */
  public readonly connectable: ec2.IConnectable;
  /** Who is granted read of the secret. */
  public readonly grantable: iam.IGrantable;
  private readonly setEnvironment: (name: string, value: string) => void;

  private constructor(connectable: ec2.IConnectable, grantable: iam.IGrantable, setEnvironment: (name: string, value: string) => void) {
    this.connectable = connectable;
    this.grantable = grantable;
    this.setEnvironment = setEnvironment;
  }

  /** @internal */
  public _addEnvironment(name: string, value: string): void {
    this.setEnvironment(name, value);
  }
}

/**
 * Properties of a `SessionStoreCache`.
 */
export interface SessionStoreCacheProps {
  /** The VPC to place the cache in. */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the cache. Public subnets are rejected.
   *
   * @default - the VPC's isolated subnets if it has any, else its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Nodes or serverless.
   *
   * @default SessionStoreDeployment.nodeBased()
   */
  readonly deployment?: SessionStoreDeployment;

  /**
   * How long a session lives without activity. Applications read it from
   * `SESSION_STORE_TTL_SECONDS` and refresh it on every request (sliding expiry).
   *
   * @default Duration.hours(24)
   */
  readonly sessionTtl?: Duration;

  /**
   * The prefix of every session key. Serverless users may only touch keys with this prefix.
   *
   * @default 'sess:'
   */
  readonly keyPrefix?: string;

  /**
   * The engine. Serverless uses its major version.
   *
   * @default - CacheEngineVersion.VALKEY_9_0 on nodes; Valkey 8 on serverless
   */
  readonly engineVersion?: CacheEngineVersion;

  /**
   * The sources admitted to the cache. `grantSessionAccess` admits its consumer too.
   *
   * @default - nobody until `grantSessionAccess` or `connections.allowDefaultPortFrom`
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
   * The KMS key for the data at rest and the secret.
   *
   * @default - a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long daily backups are kept, whole days from 1 to 35.
   *
   * @default Duration.days(15)
   */
  readonly backupRetention?: Duration;

  /**
   * An SNS topic for ElastiCache events of node-based stores (failovers, maintenance). It must
   * not be encrypted with KMS (ElastiCache cannot publish to such a topic). Serverless caches
   * publish no events: give `alarmTopic` instead.
   *
   * @default - no event notifications
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * The topic that alarms notify: the serverless usage-limit alarms, the rotation-failure
   * alarms, and the default of `addRecommendedAlarms()`. If it is encrypted with KMS, its key
   * must let CloudWatch use it.
   *
   * @default - on nodes, `notificationTopic` if given; else a new topic encrypted with the
   * store's key (see `alarmTopic`)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Whether and how the secret that the application reads rotates: the AUTH token on nodes,
   * the session user's password with RBAC password users and on serverless (`ModifyUser` with
   * the current and the new password, so that running instances keep working until they read
   * the secret again). Applications should read the secret again when authentication fails:
   * the replaced secret stays valid for one `schedule` period. IAM users have no secret.
   *
   * @default SecretRotation.enabled(): every 30 days
   */
  readonly secretRotation?: SecretRotation;

  /**
   * What happens to the cache when it leaves the stack. Serverless caches take a final backup
   * whatever the policy, unless it is `RETAIN`.
   *
   * @default RemovalPolicy.SNAPSHOT on nodes, RemovalPolicy.DESTROY (with a final backup) on serverless
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A session store, as constructs that use one take it: where it is, what it keeps, and how an
 * application gets in.
 */
export interface ISessionStoreCache extends IConstruct, ec2.IConnectable {
  /** The endpoint applications write and read sessions through. */
  readonly endpoint: CacheEndpoint;
  /** The reader endpoint (replicas). */
  readonly readerEndpoint: CacheEndpoint;
  /** The session TTL. */
  readonly sessionTtl: Duration;
  /** The session key prefix. */
  readonly keyPrefix: string;
  /**
   * The secret the application reads, unless it authenticates with IAM.
   *
   * @default - none: the session user authenticates with IAM
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * The RBAC user the application logs in as.
   *
   * @default - none: the store uses an AUTH token
   */
  readonly username?: string;

  /**
   * Lets an application use the session store: admits it, lets it authenticate and sets its
   * `SESSION_STORE_*` environment.
   */
  grantSessionAccess(consumer: SessionStoreConsumer, userName?: string): void;

  /** A metric of the cache behind the store. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * A shared store for user sessions: any instance of a stateless application reads the session
 * that another instance wrote, and sessions expire by TTL.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * declare const fn: lambda.Function;
 * const sessions = new SessionStoreCache(this, 'Sessions', { vpc });
 * sessions.grantSessionAccess(SessionStoreConsumer.lambdaFunction(fn));
 */
export class SessionStoreCache extends Construct implements ISessionStoreCache {
  /**
   * Whether `x` is a `SessionStoreCache`, also across copies of this library in one app.
   */
  public static isSessionStoreCache(x: any): x is SessionStoreCache {
    return x !== null && typeof x === 'object' && SESSION_STORE_CACHE_SYMBOL in x;
  }

  /** The node-based cache, for node-based deployments. */
  public readonly cluster?: SecureRedisCluster;
  /** The serverless cache, for serverless deployments. */
  public readonly serverless?: SecureServerlessCache;
  /** The serverless cache's CloudFormation resource, for serverless deployments. */
  public readonly serverlessCache?: elasticache.CfnServerlessCache;
  /** The application's RBAC user, for serverless deployments. */
  public readonly user?: elasticache.CfnUser;
  /** The RBAC user group: always on serverless, and on nodes with `authentication` users. */
  public readonly userGroup?: ICacheUserGroup;
  /**
   * The secret the application reads: the AUTH token (plain text) on nodes by default; the
   * session user's `{username, password, user_arn}` with RBAC password users and on serverless.
   * Undefined when the session user authenticates with IAM: there is no secret.
   */
  public readonly secret?: secretsmanager.ISecret;
  /** The endpoint applications write and read sessions through. */
  public readonly endpoint: CacheEndpoint;
  /** The reader endpoint (replicas). */
  public readonly readerEndpoint: CacheEndpoint;
  public readonly connections: ec2.Connections;
  /** The session TTL. */
  public readonly sessionTtl: Duration;
  /** The session key prefix. */
  public readonly keyPrefix: string;
  /**
   * The RBAC user the application logs in as: the serverless application user, or the session
   * user of a node-based store with `authentication` users. Undefined with an AUTH token.
   */
  public readonly username?: string;
  /** The serverless cache name, for serverless deployments. */
  public readonly serverlessCacheName?: string;

  /** The node-based store's RBAC users, by name, when it has some. */
  private readonly nodeUsers?: Map<string, CacheUser>;

  constructor(scope: Construct, id: string, props: SessionStoreCacheProps) {
    super(scope, id);
    Object.defineProperty(this, SESSION_STORE_CACHE_SYMBOL, { value: true });
    this.sessionTtl = props.sessionTtl ?? Duration.hours(24);
    this.keyPrefix = props.keyPrefix ?? 'sess:';
    const deployment = props.deployment ?? SessionStoreDeployment.nodeBased();

    const v = new PropsValidator(this);
    validateSessionSettings(v, this.sessionTtl, this.keyPrefix);
    const engine = props.engineVersion;
    if (engine !== undefined && deployment.serverlessOptions) {
      // Serverless versions are checked as node-based ones are: known, spelled right, and served.
      v.check(!engine.isKnown,
        `engineVersion ${quote(engine.toString())} does not exist. Known ${engine.engine} versions: ${engine.knownVersions.join(', ')}. Leave engineVersion unset for Valkey 8.`);
      validateEngineVersionText(v, engine.engine, engine.version, engine.parameterGroupFamily);
      v.check(engine.isKnown && !engine.supportsServerless,
        `serverless needs Valkey 7.2+ or Redis OSS 7.0+, not ${engine}. Leave engineVersion unset for Valkey 8.`);
    }
    validateAllowedConnections(v, props.allowedConnections, props.allowCidrIngress ?? false);

    if (deployment.serverlessOptions) {
      const { cache, username } = this.createServerless(v, props, deployment.serverlessOptions);
      this.serverless = cache;
      this.serverlessCache = cache.node.defaultChild as elasticache.CfnServerlessCache;
      this.user = cache.node.findChild(userConstructId(username)) as elasticache.CfnUser;
      this.userGroup = cache.userGroup;
      this.secret = deployment.serverlessOptions.iamAuthentication ? undefined : cache.userSecret(username);
      this.connections = cache.connections;
      this.username = username;
      this.serverlessCacheName = cache.serverlessCacheName;
      this.endpoint = cache.endpoint;
      this.readerEndpoint = cache.readerEndpoint;
    } else {
      v.throwIfInvalid();
      const options = deployment.nodeBasedOptions ?? {};
      const clusterMode = options.clusterMode ?? false;
      const users = options.authentication?.cacheUsers;
      const sessionUser = users?.find((u) => u.userName !== 'default');
      // The store is always Multi-AZ: check it here, in the store's own words, before the cluster does.
      v.integerInRange('replicas', options.replicas, 1, 5, 'The store keeps a replica in another zone to fail over to, and a shard has at most 5 replicas.');
      checkZoneSpread(v, selectCacheSubnets(v, props.vpc, props.vpcSubnets), 'the node-based session store (a primary and a replica in two zones)', '');
      v.check(users !== undefined && !sessionUser, 'authentication lists only the user "default". Add the application\'s user, e.g. '
        + 'CacheAuthentication.users([CacheUser.password("sessions-app")]); the default user is created switched off.');
      // The store wires its consumers to one user it knows (its secret, or elasticache:Connect).
      v.check(options.authentication?.sharedUserGroup !== undefined,
        'nodeBasedOptions.authentication is a user group that exists already, but the session store wires its applications to a user it creates itself. '
        + 'Give CacheAuthentication.users([CacheUser.password("sessions-app")]) or CacheAuthentication.iam(["sessions-app"]), or use a SecureRedisCluster to share a user group.');
      v.throwIfInvalid();
      this.cluster = new SecureRedisCluster(this, 'Cluster', {
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        engineVersion: props.engineVersion,
        nodeType: options.nodeType,
        clusterMode,
        shards: options.shards,
        replicasPerShard: options.replicas ?? 1,
        multiAz: true,
        allowedConnections: props.allowedConnections,
        allowCidrIngress: props.allowCidrIngress,
        encryptionKey: props.encryptionKey,
        backupRetention: props.backupRetention,
        notificationTopic: props.notificationTopic,
        alarmTopic: props.alarmTopic,
        secretRotation: props.secretRotation,
        removalPolicy: props.removalPolicy,
        parameters: { 'maxmemory-policy': SESSION_MAXMEMORY_POLICY, ...options.parameters },
        authentication: options.authentication,
      });
      if (users) {
        this.nodeUsers = new Map(users.map((u) => [u.userName, u]));
        this.username = sessionUser!.userName;
        this.secret = this.userSecret(sessionUser!);
      } else {
        this.secret = this.cluster.authTokenSecret!;
      }
      this.userGroup = this.cluster.userGroup;
      this.connections = this.cluster.connections;
      this.endpoint = this.cluster.endpoint;
      this.readerEndpoint = clusterMode ? this.cluster.configurationEndpoint : this.cluster.readerEndpoint;
    }
  }

  /**
   * Lets an application use the session store: admits it through the security group, lets it
   * authenticate (read of the secret, or `elasticache:Connect` for an IAM user), and sets its
   * environment:
   *
   * - `SESSION_STORE_HOST`, `SESSION_STORE_PORT`: the endpoint
   * - `SESSION_STORE_TLS`: `true`
   * - `SESSION_STORE_AUTH`: `token` (AUTH token), `password` (RBAC user and password) or `iam`
   * - `SESSION_STORE_SECRET_ARN`: the secret, unless `iam` (AUTH token as plain text;
   *   JSON `{username, password, user_arn}` for a password user)
   * - `SESSION_STORE_USERNAME`: the RBAC user, unless `token`
   * - `SESSION_STORE_CACHE_NAME`: with `iam`, the replication group id or serverless cache name
   *   that the application signs its IAM auth token for
   * - `SESSION_STORE_SERVERLESS`: `true` with `iam` on serverless (the token is signed for a
   *   serverless cache)
   * - `SESSION_STORE_TTL_SECONDS`, `SESSION_STORE_KEY_PREFIX`
   * - `SESSION_STORE_CLUSTER_MODE`: `true` when the client must be cluster-aware: with cluster
   *   mode on nodes, and always on serverless
   *
   * @param consumer the application
   * @param userName the RBAC user the application logs in as, on a node-based store with
   * `authentication` users; the session store's user (the first one listed) when omitted
   */
  public grantSessionAccess(consumer: SessionStoreConsumer, userName?: string): void {
    const user = this.resolveConsumerUser(userName);
    this.connections.allowDefaultPortFrom(consumer.connectable, 'Session store clients');
    if (this.serverlessCache) {
      this.connections.allowFrom(consumer.connectable, ec2.Port.tcp(SERVERLESS_READER_PORT), 'Session store clients (reader port)');
    }
    const env: Record<string, string> = {
      SESSION_STORE_HOST: this.endpoint.hostname,
      SESSION_STORE_PORT: Token.isUnresolved(this.endpoint.port) ? Token.asString(this.endpoint.port) : this.endpoint.port.toString(),
      SESSION_STORE_TLS: 'true',
      SESSION_STORE_TTL_SECONDS: this.sessionTtl.toSeconds().toString(),
      SESSION_STORE_KEY_PREFIX: this.keyPrefix,
      // ElastiCache Serverless runs in cluster mode only (ElastiCache best practices, "Use
      // cluster-mode enabled configurations"): its clients must be cluster-aware.
      SESSION_STORE_CLUSTER_MODE: String(this.cluster ? this.cluster.clusterMode : true),
    };
    if (user?.authenticationType === CacheUserAuthenticationType.IAM) {
      this.cluster!.grantConnect(consumer.grantable, user.userName);
      env.SESSION_STORE_AUTH = 'iam';
      env.SESSION_STORE_USERNAME = user.userName;
      env.SESSION_STORE_CACHE_NAME = this.cluster!.replicationGroupId;
    } else if (this.serverless && !this.secret) {
      // IAM on serverless: the cache's ARN and the user's (ElastiCache user guide, "Authenticating with IAM").
      this.serverless.grantConnect(consumer.grantable, this.username!);
      env.SESSION_STORE_AUTH = 'iam';
      env.SESSION_STORE_USERNAME = this.username!;
      env.SESSION_STORE_CACHE_NAME = this.serverlessCacheName!;
      // The token of a serverless cache is signed with ResourceType=ServerlessCache.
      env.SESSION_STORE_SERVERLESS = 'true';
    } else {
      const secret = (user ? this.userSecret(user) : this.secret)!;
      grantReadSecret(consumer.grantable, secret);
      env.SESSION_STORE_AUTH = user || this.serverlessCache ? 'password' : 'token';
      env.SESSION_STORE_SECRET_ARN = secret.secretArn;
      if (user) env.SESSION_STORE_USERNAME = user.userName;
      else if (this.username) env.SESSION_STORE_USERNAME = this.username;
    }
    for (const [name, value] of Object.entries(env)) {
      consumer._addEnvironment(name, value);
    }
  }

  /**
   * The topic that the store's alarms notify: the `alarmTopic` prop, else (on nodes)
   * `notificationTopic`, else a topic that the store creates on first use, encrypted with KMS.
   * Subscribe to it to receive the alarms.
   */
  public get alarmTopic(): sns.ITopic {
    if (this.cluster) return this.cluster.alarmTopic;
    return this.serverless!.alarmTopic;
  }

  /**
   * A metric of the serverless cache (dimension `clusterId`), or of the first node on nodes.
   *
   * @default - average over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.cluster) return this.cluster.metric(metricName, props);
    return this.serverless!.metric(metricName, props);
  }

  /**
   * Creates the recommended alarms. On nodes: those of `SecureRedisCluster.addRecommendedAlarms`,
   * per node, with the same options. On serverless: an alarm on throttled commands (the
   * usage-limit alarms come with the cache when limits are set); only `alarmTopic` applies.
   *
   * @returns the alarms created
   */
  public addRecommendedAlarms(options: RecommendedAlarmsOptions = {}): cloudwatch.Alarm[] {
    if (this.cluster) return this.cluster.addRecommendedAlarms(options);
    const alarmTopic = options.alarmTopic ?? this.alarmTopic;
    const v = new PropsValidator(this);
    v.check(this.serverless!.node.tryFindChild('Alarms') !== undefined, 'addRecommendedAlarms() was already called. Call it once, with all options.');
    v.throwIfInvalid();
    return this.serverless!.addRecommendedAlarms({ alarmTopic });
  }

  private createServerless(v: PropsValidator, props: SessionStoreCacheProps, options: ServerlessSessionStoreOptions) {
    const engine = props.engineVersion ?? CacheEngineVersion.VALKEY_8_2;
    // ElastiCache stores the name in lowercase; a token cannot be lowercased without breaking it.
    const givenName = isLiteral(options.serverlessCacheName) ? options.serverlessCacheName.toLowerCase() : options.serverlessCacheName;
    // User and user group ids are required and literal; they come from the given name or the
    // construct path, not from the cache's own name, which is derived at synth (below).
    // A name from a token cannot name users: their construct ids come from their names.
    const userIdBase = isLiteral(givenName) ? givenName : defaultCacheId(this, MAX_SERVERLESS_NAME_LENGTH);
    const retention = props.backupRetention ?? Duration.days(15);
    validateCacheId(v, 'serverlessCacheName', options.serverlessCacheName, MAX_SERVERLESS_NAME_LENGTH);
    validateUsageLimits(v, options.cacheUsageLimits);
    validateServerlessRetention(v, retention);
    v.check(props.notificationTopic !== undefined,
      'notificationTopic is set, but serverless caches publish no ElastiCache events to SNS. Give the topic as alarmTopic for the usage alarms.');
    v.check(props.removalPolicy === RemovalPolicy.SNAPSHOT,
      'removalPolicy SNAPSHOT does not apply to serverless caches: they take a final backup on deletion. Use DESTROY (the default) or RETAIN.');
    const subnets = selectCacheSubnets(v, props.vpc, props.vpcSubnets);
    checkZoneSpread(v, subnets, 'serverless', '');
    v.throwIfInvalid();

    // The serverless wiring is SecureServerlessCache's. With the id `Default`, it is named after
    // the store, and its resources keep the logical ids and names they had when the store
    // created them itself.
    // The application's user, limited to the session keys and without administrative commands
    // (INFO stays allowed: clients such as ioredis send it on connect). An IAM user's id is its
    // name (ElastiCache user guide, "Authenticating with IAM").
    const username = derivedId(userIdBase, 'app', MAX_SERVERLESS_NAME_LENGTH);
    const accessString = AccessString.readWrite(`${this.keyPrefix}*`);
    const appUser = options.iamAuthentication
      ? CacheUser.iam(username, { accessString })
      : CacheUser.password(username, { userId: username, accessString });
    const cache = new SecureServerlessCache(this, 'Default', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      engineVersion: engine,
      authentication: CacheAuthentication.users([appUser]),
      encryptionKey: props.encryptionKey,
      allowedConnections: props.allowedConnections,
      allowCidrIngress: props.allowCidrIngress,
      backupRetention: retention,
      removalPolicy: props.removalPolicy,
      cacheUsageLimits: options.cacheUsageLimits,
      alarmTopic: props.alarmTopic,
      secretRotation: props.secretRotation,
      serverlessCacheName: options.serverlessCacheName,
      description: `Session store ${this.node.path}`,
    });
    // The security group keeps the description it had: GroupDescription cannot change in place.
    (cache.securityGroup.node.defaultChild as ec2.CfnSecurityGroup).groupDescription = `Clients of the serverless session store ${this.node.path}`;
    return { cache, username };
  }

  /** The RBAC user a consumer logs in as on a node-based store with users; undefined otherwise. */
  private resolveConsumerUser(userName?: string): CacheUser | undefined {
    if (!this.nodeUsers) {
      if (userName !== undefined) {
        throw new Error(`[${this.node.path}] grantSessionAccess was given the user ${quote(userName)}, but this session store `
          + (this.serverlessCache ? 'is serverless and has one application user of its own. Leave userName out.'
            : 'authenticates with an AUTH token. Leave userName out, or use deployment: SessionStoreDeployment.nodeBased({ authentication: CacheAuthentication.users([...]) }).'));
      }
      return undefined;
    }
    const name = userName ?? this.username!;
    const user = this.nodeUsers.get(name);
    if (!user || name === 'default') {
      const names = [...this.nodeUsers.keys()].filter((n) => n !== 'default');
      throw new Error(`[${this.node.path}] grantSessionAccess was given the user ${quote(name)}, which is not an application user of this `
        + `session store. Use one of: ${names.join(', ')}.`);
    }
    return user;
  }

  /** The secret of a password user of the node-based store; undefined for an IAM user. */
  private userSecret(user: CacheUser): secretsmanager.ISecret | undefined {
    return user.authenticationType === CacheUserAuthenticationType.IAM ? undefined : this.cluster!.userSecret(user.userName);
  }
}
