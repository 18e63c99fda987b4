/**
 * A products API in front of a PostgreSQL database with a Valkey cache, as a service team would
 * deploy it: the "DB cache" pattern. Reads use lazy loading (cache-aside: the cache first, the
 * database on a miss, then the cache is filled); writes use write-through (the database, then the
 * cache), so that a read after a write returns what was written.
 *
 *   npx tsx app.ts          (or `npx cdk synth` in this folder)
 *
 * The account and region are fixed dummies, and nothing in this app looks anything up, so it
 * synthesizes without AWS credentials. Change ENV to deploy it.
 *
 * The zones, the VPC with its flow logs, the log key and the alarm topic come from `ServiceStack`
 * (`../shared/service-stack.ts`), the function from `AppFunction` (`../shared/app-function.ts`)
 * and the REST API from `ApiFront` (`../shared/api-front.ts`), which the examples share.
 * To use this app in your own, copy this folder and the files that README.md lists under "Copy
 * it into your app", beside it as here: it imports the library as `cdk-secure-elasticache`.
 */
import * as path from 'path';
import { App, AppProps, CfnOutput, CfnResource, Duration, RemovalPolicy, StackProps, Token, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { ApiFront } from '../shared/api-front';
import { AppFunction } from '../shared/app-function';
import { ServiceStack } from '../shared/service-stack';
import { RotationVpcEndpoints, SecretRotation, SecureRedisCluster } from 'cdk-secure-elasticache';

/** A fixed dummy environment; the stack names its zones itself, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the API function, one for the data stores. */
export const APP_SUBNETS = 'App';
export const DATA_SUBNETS = 'Data';

/**
 * The database's port. Not PostgreSQL's well-known 5432, which scanners try first
 * (AwsSolutions-RDS11); the function and the rotation function read it from the secret.
 */
export const DATABASE_PORT = 5433;

/** The database that the products table lives in, and its administrator. */
const DATABASE_NAME = 'products';
const DATABASE_USER = 'products_admin';

/**
 * Characters that neither the generated password nor the rotated ones contain: those that need
 * quoting in a connection string or a shell (the set CDK uses for RDS secrets).
 */
const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/**
 * How many instances of the API function may run at once. Each holds one database connection
 * and one cache connection, so this also caps the connections the API opens.
 */
const API_INSTANCES = 20;

/** How long a product stays in the cache after it was read or written. */
const CACHE_TTL = Duration.minutes(5);

/** The API function's entry: exports `handler` for API Gateway REST proxy events. */
const HANDLER_ENTRY = path.join(__dirname, 'handler.ts');

/**
 * The body of `PUT /products/{id}`, as the function reads it (`products.ts`): `name` and
 * `priceCents`, and `id` only if it repeats the path's. API Gateway answers 400 to anything else
 * before the function runs; the function checks the limits (name length, price range) itself.
 */
const PRODUCT_SCHEMA: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'Product',
  type: apigateway.JsonSchemaType.OBJECT,
  required: ['name', 'priceCents'],
  properties: {
    id: { type: apigateway.JsonSchemaType.STRING },
    name: { type: apigateway.JsonSchemaType.STRING },
    priceCents: { type: apigateway.JsonSchemaType.INTEGER },
  },
  additionalProperties: false,
};

/** Properties of a `DbCacheStack`. */
export interface DbCacheStackProps extends StackProps {
  /** The VPC's address range. */
  readonly cidr: string;
}

/**
 * The products service's stack: its own VPC, a PostgreSQL database and a Valkey cache in the
 * Data subnets, the API function in the App subnets, and a REST API with a web ACL in front.
 * Only the function reaches the database and the cache; only signed requests reach the function.
 */
export class DbCacheStack extends ServiceStack {
  /** The API function. */
  public readonly api: AppFunction;
  /** The REST API in front of it. */
  public readonly front: ApiFront;
  /** The cache. */
  public readonly cache: SecureRedisCluster;
  /** The database. */
  public readonly database: rds.DatabaseInstance;
  /**
   * The database's security group with its port as a number. The instance's own `connections`
   * take the port from the instance's Endpoint.Port attribute, a token that the packs'
   * security group rules cannot read.
   */
  private readonly databaseConnections: ec2.Connections;

  constructor(scope: Construct, id: string, props: DbCacheStackProps) {
    super(scope, id, props);

    // One key for the stack's log groups: flow logs, function, database, API and WAF logs.
    const logKey = this.createLogKey('LogKey', `Encrypts the log groups of ${this.stackName}`);
    // Isolated subnets only, in three zones, with flow logs: nothing here needs the internet, and
    // the AWS APIs are reached through the interface endpoints below.
    const vpc = this.createVpc({
      cidr: props.cidr,
      subnetGroups: [
        { name: APP_SUBNETS, cidrMask: 20 },
        { name: DATA_SUBNETS, cidrMask: 24 },
      ],
      flowLogKey: logKey,
    });
    const alarmTopic = this.createAlarmTopic();

    // With private DNS (the default), the function, the database's rotation function and the
    // cache's rotation function all call Secrets Manager through this endpoint; the cache's
    // rotation function also calls the ElastiCache API through the second one. Neither admits
    // anything else in the VPC.
    const { secretsManager, elastiCacheApi } = this.createApiEndpoints(vpc, { subnetGroupName: APP_SUBNETS });

    // No allowAllOutbound: every path out of the function is opened by name below, to the
    // cache, the database and the Secrets Manager endpoint.
    const apiSecurityGroup = new ec2.SecurityGroup(this, 'ApiSecurityGroup', {
      vpc,
      description: 'Products API function',
      allowAllOutbound: false,
    });

    // The AUTH token rotates every 30 days (the default). Its function reuses the two endpoints
    // above instead of creating its own pair, and keeps its network-interface permissions in the
    // stack's one shared policy; a failed rotation raises an alarm on the stack's topic.
    this.cache = new SecureRedisCluster(this, 'Cache', {
      vpc,
      vpcSubnets: { subnetGroupName: DATA_SUBNETS },
      alarmTopic,
      secretRotation: SecretRotation.enabled({
        vpcEndpoints: RotationVpcEndpoints.fromEndpoints({ secretsManager, elastiCache: elastiCacheApi }),
        networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      }),
    });
    this.database = this.createDatabase(vpc, logKey);
    this.databaseConnections = new ec2.Connections({
      securityGroups: this.database.connections.securityGroups,
      defaultPort: ec2.Port.tcp(DATABASE_PORT),
    });

    this.api = new AppFunction(this, 'Api', {
      entry: HANDLER_ENTRY,
      description: `Products API of ${this.stackName}: cache-aside reads, write-through writes`,
      vpc,
      vpcSubnets: { subnetGroupName: APP_SUBNETS },
      securityGroup: apiSecurityGroup,
      networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      logKey,
      reservedConcurrentExecutions: API_INSTANCES,
      environment: {
        CACHE_HOST: this.cache.endpoint.hostname,
        CACHE_PORT: String(this.cache.endpoint.port),
        CACHE_CLUSTER_MODE: String(this.cache.clusterMode),
        CACHE_SECRET_ARN: this.cache.authTokenSecret!.secretArn,
        DB_SECRET_ARN: this.database.secret!.secretArn,
        CACHE_TTL_SECONDS: String(CACHE_TTL.toSeconds()),
        // The Lambda Node.js runtimes keep the Amazon RDS CA certificates here but, from Node.js 20
        // on, no longer load them by default (Lambda developer guide, "Building Lambda functions
        // with Node.js"); with them the function verifies the database's certificate. The
        // instance uses rds-ca-rsa2048-g1, below.
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
    });
    // Security group rules in both directions, on the cache port and the database port only.
    this.cache.connections.allowDefaultPortFrom(this.api, 'Products API function');
    this.databaseConnections.allowDefaultPortFrom(this.api, 'Products API function');
    secretsManager.connections.allowDefaultPortFrom(this.api, 'Products API function');
    this.cache.grantReadAuthToken(this.api);
    this.database.secret!.grantRead(this.api);

    this.addDatabaseRotation(vpc, secretsManager);

    this.front = new ApiFront(this, 'Front', {
      handler: this.api.function,
      description: `Products API of ${this.stackName}`,
      routes: [{ path: '/products/{id}', methods: { GET: {}, PUT: { body: PRODUCT_SCHEMA }, DELETE: {} } }],
      logKey,
      stageCache: {
        omittedBecause: 'Reads are cached in ElastiCache, and every PUT and DELETE updates or invalidates that cache '
          + '(write-through), so a read after a write returns what was written. A stage cache in front would return a '
          + 'product for up to its TTL after a write changed it, and API Gateway cannot invalidate one entry when the '
          + 'function writes. The database is protected from read load by the ElastiCache cache instead.',
      },
      // Keeps the request rate within what API_INSTANCES instances serve, so that excess requests
      // get a 429 from the stage rather than errors from a throttled function.
      throttling: { rateLimit: 200, burstLimit: 100 },
    });

    this.addAlarms(alarmTopic);

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the stage: GET, PUT and DELETE <it>products/<id>, signed with SigV4 (service execute-api)',
      value: this.front.url,
    });
    new CfnOutput(this, 'ApiId', {
      description: 'The REST API id, for aws apigateway test-invoke-method --rest-api-id',
      value: this.front.api.restApiId,
    });
    new CfnOutput(this, 'ApiInvokeArn', {
      description: 'The resource to allow execute-api:Invoke on, in the IAM policies of the calling services',
      value: this.front.invokeArn('*', '/products/{id}'),
    });
    new CfnOutput(this, 'ApiFunctionName', {
      description: 'The API function',
      value: this.api.function.functionName,
    });
    new CfnOutput(this, 'ApiFunctionLogGroup', {
      description: 'The API function\'s log group (JSON lines)',
      value: this.api.function.logGroup.logGroupName,
    });
    new CfnOutput(this, 'CacheEndpoint', {
      description: 'host:port of the cache configuration endpoint: TLS, AUTH token, cluster-aware client',
      value: this.cache.endpoint.socketAddress,
    });
    new CfnOutput(this, 'CacheAuthTokenSecretArn', {
      description: 'The secret whose secret string is the cache AUTH token, rotated every 30 days',
      value: this.cache.authTokenSecret!.secretArn,
    });
    new CfnOutput(this, 'DatabaseEndpoint', {
      description: 'host:port of the database: TLS only',
      value: `${this.database.dbInstanceEndpointAddress}:${this.database.dbInstanceEndpointPort}`,
    });
    new CfnOutput(this, 'DatabaseSecretArn', {
      description: 'The database credentials: JSON with username, password, host, port and dbname, rotated every 30 days',
      value: this.database.secret!.secretArn,
    });
  }

  /**
   * PostgreSQL on Graviton, Multi-AZ, in the Data subnets: storage, credentials and logs
   * encrypted with KMS, TLS required, IAM authentication on, enhanced monitoring, automated
   * backups for 15 days, deletion protection. Its security group admits nothing until a client is
   * allowed.
   */
  private createDatabase(vpc: ec2.IVpc, logKey: kms.IKey): rds.DatabaseInstance {
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_18 });
    const key = new kms.Key(this, 'DatabaseKey', {
      description: `Encrypts the database storage, snapshots and credentials of ${this.stackName}`,
      enableKeyRotation: true,
    });
    const parameters = new rds.ParameterGroup(this, 'DatabaseParameters', {
      engine,
      description: `PostgreSQL settings of ${this.stackName}`,
      parameters: {
        // Refuses connections without TLS (RDS user guide, "Using SSL with a PostgreSQL DB instance").
        'rds.force_ssl': '1',
      },
    });
    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'Products database',
      allowAllOutbound: false,
    });

    // The instance identifier is fixed so that its log groups can exist, encrypted and with a
    // retention, before RDS exports to them; RDS would otherwise create them unencrypted and
    // never expiring.
    const instanceIdentifier = `${this.stackName}-products`.toLowerCase();
    const monitoring = this.createMonitoringRole();
    const logTypes = ['postgresql', 'upgrade'];
    const logGroups = logTypes.map((type) => new logs.LogGroup(this, `DatabaseLogs${type[0].toUpperCase()}${type.slice(1)}`, {
      logGroupName: `/aws/rds/instance/${instanceIdentifier}/${type}`,
      encryptionKey: logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    }));

    const database = new rds.DatabaseInstance(this, 'Database', {
      engine,
      instanceIdentifier,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MEDIUM),
      vpc,
      vpcSubnets: { subnetGroupName: DATA_SUBNETS },
      securityGroups: [securityGroup],
      port: DATABASE_PORT,
      databaseName: DATABASE_NAME,
      // A secret generated by Secrets Manager, with host, port and dbname added once the
      // instance exists, encrypted with the database's key (`SecretsManagerUsingKMSKey`).
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, { encryptionKey: key, excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS }),
      parameterGroup: parameters,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      iamAuthentication: true,
      multiAz: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageEncrypted: true,
      storageEncryptionKey: key,
      backupRetention: Duration.days(15),
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:04:00-sun:05:00',
      copyTagsToSnapshot: true,
      autoMinorVersionUpgrade: true,
      // Past the end of standard support RDS upgrades the major version instead of charging for
      // Extended Support.
      engineLifecycleSupport: rds.EngineLifecycleSupport.OPEN_SOURCE_RDS_EXTENDED_SUPPORT_DISABLED,
      cloudwatchLogsExports: logTypes,
      monitoringInterval: Duration.seconds(60),
      monitoringRole: monitoring.role,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      publiclyAccessible: false,
    });
    // The instance itself, not the secret and its attachment, waits for these.
    (database.node.defaultChild as CfnResource).node.addDependency(...logGroups, monitoring.policy);
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5']) {
      Validations.of(database).acknowledge({
        id: `${pack}-RDSInBackupPlan`,
        reason: 'The instance is backed up by RDS itself: a daily snapshot and its transaction logs, kept 15 days, for '
          + 'a restore to any second of that window, plus Multi-AZ, deletion protection and a final snapshot when the '
          + 'stack removes it. An AWS Backup plan would need a backup service role with the AWS managed '
          + 'AWSBackupServiceRolePolicyForBackup, and this stack attaches no AWS managed policy (AwsSolutions-IAM4); a '
          + 'hand-made copy of that policy would not follow the changes AWS makes to it. Where the organization runs '
          + 'AWS Backup centrally (AWS Organizations backup policies), add the instance to that plan.',
      });
    }
    return database;
  }

  /**
   * The role that RDS Enhanced Monitoring publishes the instance's OS metrics with, into the
   * `RDSOSMetrics` log group of this account and region: the permissions of the AWS managed
   * AmazonRDSEnhancedMonitoringRole (which covers every `RDS*` group of every region) in a
   * customer managed policy (AwsSolutions-IAM4, `IAMNoInlinePolicy`). The instance waits for the
   * policy, so that its first metrics are not refused.
   */
  private createMonitoringRole(): { role: iam.Role; policy: iam.ManagedPolicy } {
    const role = new iam.Role(this, 'DatabaseMonitoringRole', {
      // Only for instances of this account (RDS user guide, "Protecting against the confused
      // deputy problem" for Enhanced Monitoring).
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Publishes the Enhanced Monitoring metrics of the database of ${this.stackName}`,
    });
    // Literal, not `arn:${AWS::Partition}:...`: the id of the AwsSolutions-IAM5 finding below
    // contains this ARN, and an acknowledgement id cannot contain the `::` of a pseudo parameter.
    const partition = Token.isUnresolved(this.region) ? undefined : RegionInfo.get(this.region).partition;
    if (!partition || Token.isUnresolved(this.account)) {
      throw new Error(`${this.node.path}: the database's monitoring policy needs an explicit account and region (env).`);
    }
    const logGroupArn = `arn:${partition}:logs:${this.region}:${this.account}:log-group:RDSOSMetrics`;
    const streams = `${logGroupArn}:log-stream:*`;
    const policy = new iam.ManagedPolicy(this, 'DatabaseMonitoring', {
      description: `Lets RDS Enhanced Monitoring write the OS metrics of the database of ${this.stackName}`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy'],
          resources: [logGroupArn],
        }),
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
          resources: [streams],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${streams}]`,
      reason: 'Enhanced Monitoring writes one log stream per instance into RDSOSMetrics, named by the instance\'s resource '
        + 'id (DbiResourceId), which exists only once the instance does, and the instance needs this role when it is '
        + 'created. The wildcard covers the streams of that one log group, of this account and region only.',
    });
    return { role, policy };
  }

  /**
   * Rotates the database password every 30 days with the single-user rotation function that
   * AWS publishes (deployed from the Serverless Application Repository as a nested stack). It
   * runs in the Data subnets and calls Secrets Manager by the endpoint's own DNS name.
   */
  private addDatabaseRotation(vpc: ec2.IVpc, secretsManager: ec2.InterfaceVpcEndpoint): void {
    // Its only paths: to the database port and to the Secrets Manager endpoint.
    const securityGroup = new ec2.SecurityGroup(this, 'DatabaseRotationSecurityGroup', {
      vpc,
      description: 'Products database password rotation function',
      allowAllOutbound: false,
    });
    // DatabaseInstance.addRotationSingleUser() would admit the function on the instance's
    // token port; this is the same rotation, admitted on the port as a number.
    new secretsmanager.SecretRotation(this, 'DatabaseRotation', {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret: this.database.secret!,
      target: { connections: this.databaseConnections },
      vpc,
      vpcSubnets: { subnetGroupName: DATA_SUBNETS },
      securityGroup,
      endpoint: secretsManager,
      automaticallyAfter: Duration.days(30),
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
    });
    secretsManager.connections.allowDefaultPortFrom(securityGroup, 'Products database password rotation function');
  }

  /** Database load and storage, and server errors of the API, to the alarm topic. */
  private addAlarms(topic: sns.ITopic): void {
    const action = new cloudwatchActions.SnsAction(topic);
    const alarms = [
      new cloudwatch.Alarm(this, 'DatabaseCpuAlarm', {
        alarmDescription: 'Database CPU above 80% for 15 minutes',
        metric: this.database.metricCPUUtilization({ period: Duration.minutes(5) }),
        threshold: 80,
        evaluationPeriods: 3,
      }),
      new cloudwatch.Alarm(this, 'DatabaseStorageAlarm', {
        alarmDescription: 'Less than 2 GiB of database storage left (storage autoscaling stops at 100 GiB)',
        metric: this.database.metricFreeStorageSpace({ period: Duration.minutes(5) }),
        threshold: 2 * 1024 ** 3,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }),
      new cloudwatch.Alarm(this, 'ApiServerErrorsAlarm', {
        alarmDescription: 'More than 10 server errors (5XX) of the products API in 5 minutes',
        metric: this.front.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 10,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.cache.addRecommendedAlarms({ alarmTopic: topic });
  }
}

/**
 * Builds the example's stacks without synthesizing them.
 *
 * @param props of the app, e.g. `outdir`
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  new DbCacheStack(app, 'DbCache', { env: ENV, cidr: '10.44.0.0/16' });
  return app;
}

if (require.main === module) {
  createApp().synth();
}
