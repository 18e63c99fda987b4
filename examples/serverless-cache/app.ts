/**
 * A catalog service's product reads through an ElastiCache Serverless cache: one stack with the
 * service's own VPC, a `SecureServerlessCache` (Valkey, cluster mode, TLS, one password user) in
 * the Data subnets, and the product reads as a Lambda function (`handler.ts`: the read path of
 * the "DB cache" pattern, cache-aside with single flight) that connects as that user, with alarms
 * to an encrypted SNS topic and the outputs that the application is configured from.
 *
 *   npx tsx app.ts          (or `npx cdk synth` in this folder)
 *
 * The account and region are fixed dummies, and nothing in this app looks anything up, so it
 * synthesizes without AWS credentials. Change ENV to deploy it.
 *
 * The zones, the VPC with its flow logs, the log key and the alarm topic come from `ServiceStack`
 * (`../shared/service-stack.ts`), the function from `AppFunction` (`../shared/app-function.ts`),
 * which the examples share.
 * To use this app in your own, copy this folder and the files that README.md lists under "Copy
 * it into your app", beside it as here: it imports the library as `cdk-secure-elasticache`.
 */
import * as path from 'path';
import { App, AppProps, CfnOutput, Duration, Size, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { AppFunction } from '../shared/app-function';
import { ServiceStack } from '../shared/service-stack';
import { AccessString, CacheAuthentication, CacheUser, RotationVpcEndpoints, SecretRotation, SecureServerlessCache } from 'cdk-secure-elasticache';

/** A fixed dummy environment; the stack names its zones itself, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the function, one for the cache. */
const APP_SUBNETS = 'App';
const DATA_SUBNETS = 'Data';

/** The cache user the function connects as; its password is in the user's secret. */
export const CACHE_USER = 'catalog-reader';

/** The product reads function's code: bundled with its imports (iovalkey, the AWS SDK) at synth. */
const HANDLER_ENTRY = path.join(__dirname, 'handler.ts');

/**
 * How many instances (Lambda execution environments) of the product reads may run at once. Each
 * keeps one cluster-mode client, so this also bounds the connections the cache sees from it.
 */
const READER_INSTANCES = 10;

/** How long a product stays in the cache after it was read. */
const CACHE_TTL = Duration.minutes(5);

/**
 * The catalog service's stack: its own VPC, an ElastiCache Serverless cache with usage limits
 * and one application user whose password rotates, and the function that reads products
 * through it.
 */
class ServerlessCatalogStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // One key for the stack's log groups: the VPC flow logs and the function's logs.
    const logKey = this.createLogKey('LogKey', `Encrypts the log groups of ${this.stackName}`);
    // Isolated subnets only, in three zones, with flow logs: nothing here needs the internet, and
    // the AWS APIs are reached through the interface endpoints below.
    const vpc = this.createVpc({
      cidr: '10.45.0.0/16',
      subnetGroups: [
        { name: APP_SUBNETS, cidrMask: 20 },
        { name: DATA_SUBNETS, cidrMask: 24 },
      ],
      flowLogKey: logKey,
    });

    // No allowAllOutbound: every path out of the function is opened by name, to the cache (by
    // allowedConnections below) and to the Secrets Manager endpoint (443).
    const readerSecurityGroup = new ec2.SecurityGroup(this, 'ReaderSecurityGroup', {
      vpc,
      description: 'Product reads function',
      allowAllOutbound: false,
    });
    // With private DNS (the default), the function and the password's rotation function call
    // Secrets Manager through this endpoint; the rotation function also calls the ElastiCache API
    // through the second one. Neither admits anything else in the VPC (`open: false`).
    const { secretsManager, elastiCacheApi } = this.createApiEndpoints(vpc, { subnetGroupName: APP_SUBNETS });
    secretsManager.connections.allowDefaultPortFrom(readerSecurityGroup, 'Product reads function');

    // Serverless is cluster mode only: the function connects with a cluster-aware client. The
    // default user is off; the function's user may read and write the `product:` keys only.
    const cache = new SecureServerlessCache(this, 'Cache', {
      vpc,
      vpcSubnets: { subnetGroupName: DATA_SUBNETS },
      authentication: CacheAuthentication.users([
        CacheUser.password(CACHE_USER, { accessString: AccessString.readWrite('product:*') }),
      ]),
      allowedConnections: [readerSecurityGroup],
      // Alarms at 75% of each; past them ElastiCache evicts (storage) or throttles (ECPUs).
      cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10), requestRateLimitMaximum: 5000 },
      alarmTopic: this.createAlarmTopic(),
      // The password rotates every 30 days; an instance that is refused reads the secret again.
      // The rotation function reuses the two endpoints above instead of creating its own pair,
      // and keeps its network-interface permissions in the stack's one shared policy. A failed
      // rotation raises an alarm on alarmTopic.
      secretRotation: SecretRotation.enabled({
        vpcEndpoints: RotationVpcEndpoints.fromEndpoints({ secretsManager, elastiCache: elastiCacheApi }),
        networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      }),
    });
    cache.addRecommendedAlarms();

    const reader = new AppFunction(this, 'ProductReader', {
      entry: HANDLER_ENTRY,
      description: `Product reads of ${this.stackName}: cache-aside over ElastiCache Serverless`,
      vpc,
      vpcSubnets: { subnetGroupName: APP_SUBNETS },
      securityGroup: readerSecurityGroup,
      networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      logKey,
      reservedConcurrentExecutions: READER_INSTANCES,
      environment: {
        CACHE_HOST: cache.endpoint.hostname,
        CACHE_PORT: String(cache.endpoint.port),
        CACHE_SECRET_ARN: cache.userSecret(CACHE_USER).secretArn,
        CACHE_TTL_SECONDS: String(CACHE_TTL.toSeconds()),
      },
    });
    // That one secret, and its key for that secret only.
    cache.grantReadUserSecret(reader, CACHE_USER);

    new CfnOutput(this, 'CacheEndpoint', {
      description: 'host:port of the serverless cache: TLS, cluster-aware client, RBAC user and password',
      value: cache.endpoint.socketAddress,
    });
    new CfnOutput(this, 'CacheUserSecretArn', {
      description: `The secret of the cache user ${CACHE_USER}: JSON with username and password, rotated every 30 days`,
      value: cache.userSecret(CACHE_USER).secretArn,
    });
    new CfnOutput(this, 'ProductReaderFunctionName', {
      description: 'The product reads function: invoke it with {"productId": "p-1"}',
      value: reader.function.functionName,
    });
  }
}

/**
 * Builds the example's stacks without synthesizing them.
 *
 * @param props of the app, e.g. `outdir`
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  new ServerlessCatalogStack(app, 'ServerlessCatalog', { env: ENV });
  return app;
}

if (require.main === module) {
  createApp().synth();
}
