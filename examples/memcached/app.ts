/**
 * A service team's Memcached, as it would be deployed: one stack with the service's own VPC, the
 * application's security group, Memcached nodes in three zones that only the application can
 * reach, the application's product reads as a Lambda function (`handler.ts`: cache-aside over
 * Memcached, with auto discovery and TLS), alarms to an encrypted SNS topic, and the outputs that
 * the application is configured from.
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
import { App, AppProps, CfnOutput, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { AppFunction } from '../shared/app-function';
import { ServiceStack } from '../shared/service-stack';
import { ShardedMemcached } from 'cdk-secure-elasticache';

/** A fixed dummy environment; the stack names its zones itself, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the application, one for data stores. */
const APP_SUBNETS = 'App';
const CACHE_SUBNETS = 'Cache';

/** The product reads function's code: bundled with its imports (the Memcached client) at synth. */
const HANDLER_ENTRY = path.join(__dirname, 'handler.ts');

/**
 * How many instances (Lambda execution environments) of the product reads may run at once. Each
 * keeps one TLS connection per node, so this also bounds the connections each node sees from it.
 */
const READER_INSTANCES = 10;

/**
 * The catalog service's stack: its own VPC, six Memcached nodes, two in each of three zones, with
 * the library's defaults (TLS, port 11212, a security group that admits nobody else) in front of
 * the service's product database, and the function that reads products through them.
 */
class CatalogCacheStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // One key for the stack's log groups: the VPC flow logs and the function's logs.
    const logKey = this.createLogKey('LogKey', `Encrypts the log groups of ${this.stackName}`);
    // Isolated subnets only, in three zones, with flow logs. Memcached needs no AWS API from the
    // application, so no subnet has a route to the internet and no VPC endpoint is needed. With
    // no authentication on Memcached, the flow logs are also the record of who connected to the
    // cache port.
    const vpc = this.createVpc({
      cidr: '10.41.0.0/16',
      subnetGroups: [
        { name: APP_SUBNETS, cidrMask: 20 },
        { name: CACHE_SUBNETS, cidrMask: 24 },
      ],
      flowLogKey: logKey,
    });

    // The application (the function below, and any ECS or EC2 tasks of the service) runs in the
    // App subnets with this security group. Memcached has no authentication: membership of this
    // group is what lets a client in. No allowAllOutbound: the one path out, to the cache port,
    // is opened by allowedConnections below.
    const appSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc,
      description: 'Catalog service tasks',
      allowAllOutbound: false,
    });

    const memcached = new ShardedMemcached(this, 'Memcached', {
      vpc,
      vpcSubnets: { subnetGroupName: CACHE_SUBNETS },
      // Round-robin over the three zones of the Cache subnets: losing a zone loses a third of the
      // keys (misses, not errors), and each node holds a sixth.
      nodes: 6,
      allowedConnections: [appSecurityGroup],
    });

    memcached.addRecommendedAlarms({ alarmTopic: this.createAlarmTopic() });

    // The product reads: cache-aside over Memcached. The function reads the node list from the
    // configuration endpoint and connects to every node with TLS; it needs no AWS API, so no VPC
    // endpoint either. Its security group is the application's, which the cluster admits.
    const reader = new AppFunction(this, 'ProductReader', {
      entry: HANDLER_ENTRY,
      description: `Product reads of ${this.stackName}: cache-aside over Memcached`,
      vpc,
      vpcSubnets: { subnetGroupName: APP_SUBNETS },
      securityGroup: appSecurityGroup,
      networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      logKey,
      reservedConcurrentExecutions: READER_INSTANCES,
      environment: {
        MEMCACHED_CONFIG_ENDPOINT: memcached.configurationEndpoint.socketAddress,
      },
    });

    new CfnOutput(this, 'MemcachedConfigurationEndpoint', {
      description: 'host:port of the configuration endpoint: give it to an auto-discovery client, and connect to the nodes with TLS',
      value: memcached.configurationEndpoint.socketAddress,
    });
    new CfnOutput(this, 'MemcachedConfigurationEndpointHost', {
      description: 'Host name of the configuration endpoint, for clients that take host and port apart',
      value: memcached.configurationEndpoint.hostname,
    });
    new CfnOutput(this, 'MemcachedPort', {
      description: 'Port of the configuration endpoint and of every node',
      value: memcached.port.toString(),
    });
    new CfnOutput(this, 'ProductReaderFunctionName', {
      description: 'The product reads function: invoke it with {"productId": "p-1"}',
      value: reader.function.functionName,
    });
    new CfnOutput(this, 'AppSecurityGroupId', {
      description: 'The security group that the catalog tasks must have to reach Memcached',
      value: appSecurityGroup.securityGroupId,
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
  new CatalogCacheStack(app, 'CatalogCache', { env: ENV });
  return app;
}

if (require.main === module) {
  createApp().synth();
}
