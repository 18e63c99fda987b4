/**
 * A service team's Memcached, as it would be deployed: one stack with the service's own VPC, the
 * application's security group, Memcached nodes in three zones that only the application can
 * reach, alarms to an encrypted SNS topic, and the outputs that the application is configured
 * from.
 *
 *   npx tsx app.ts          (or `npx cdk synth` in this folder)
 *
 * The account and region are fixed dummies, and nothing in this app looks anything up, so it
 * synthesizes without AWS credentials. Change ENV to deploy it.
 *
 * The zones, the VPC with its flow logs, and the alarm topic come from `ServiceStack`
 * (`../shared/service-stack.ts`), which the examples share.
 */
import { App, AppProps, CfnOutput, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ShardedMemcached } from '../../src';
import { ServiceStack } from '../shared/service-stack';

/** A fixed dummy environment; the stack names its zones itself, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the application, one for data stores. */
const APP_SUBNETS = 'App';
const CACHE_SUBNETS = 'Cache';

/**
 * The catalog service's stack: its own VPC, and six Memcached nodes, two in each of three zones,
 * with the library's defaults (TLS, port 11212, a security group that admits nobody else) in
 * front of the service's product database.
 */
class CatalogCacheStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

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
    });

    // The application's tasks (ECS, EC2 or Lambda) run in the App subnets with this security
    // group. Memcached has no authentication: membership of this group is what lets a client in.
    const appSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc,
      description: 'Catalog service tasks',
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
