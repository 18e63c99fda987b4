/**
 * A service team's cache, as it would be deployed: one stack with the service's own VPC, the
 * application's security group, the cache, alarms to an encrypted SNS topic, and the outputs that
 * the application is configured from.
 *
 *   npx tsx app.ts          (or `npx cdk synth` in this folder)
 *
 * The account and region are fixed dummies, and nothing in this app looks anything up, so it
 * synthesizes without AWS credentials. Change ENV to deploy it.
 *
 * The zones, the VPC with its flow logs, and the alarm topic come from `ServiceStack`
 * (`../shared/service-stack.ts`), which the examples share.
 * To use this app in your own, copy this folder and the files that README.md lists under "Copy
 * it into your app", beside it as here: it imports the library as `cdk-secure-elasticache`.
 */
import { App, AppProps, CfnOutput, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ServiceStack } from '../shared/service-stack';
import { SecretRotation, SecureRedisCluster } from 'cdk-secure-elasticache';

/** A fixed dummy environment; the stack names its zones itself, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the application, one for data stores. */
const APP_SUBNETS = 'App';
const CACHE_SUBNETS = 'Cache';

/**
 * The orders service's stack: its own VPC, and a Valkey cache in cluster mode with the library's
 * defaults (TLS required, KMS, a generated AUTH token, Multi-AZ, backups, logs) that only the
 * application can reach.
 */
class OrdersCacheStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    // Isolated subnets only, in three zones, with flow logs. The application reaches AWS APIs
    // through VPC endpoints, so no subnet has a route to the internet.
    const vpc = this.createVpc({
      cidr: '10.40.0.0/16',
      subnetGroups: [
        { name: APP_SUBNETS, cidrMask: 20 },
        { name: CACHE_SUBNETS, cidrMask: 24 },
      ],
    });

    // The application's tasks (ECS, EC2 or Lambda) run in the App subnets with this security group.
    const appSecurityGroup = new ec2.SecurityGroup(this, 'AppSecurityGroup', {
      vpc,
      description: 'Orders service tasks',
    });
    // The application reads the cache's AUTH token from Secrets Manager through this endpoint.
    vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: { subnetGroupName: APP_SUBNETS },
      // Not open to the whole VPC: the application only.
      open: false,
    }).connections.allowDefaultPortFrom(appSecurityGroup, 'Orders service tasks');

    // The token rotates every 30 days (the default); the replaced one keeps working for another
    // 30, so running tasks pick up the new one when they next read the secret. The function's
    // role gets the stack's reviewed network-interface policy, so the library's own policy has no
    // wildcard. The rotation-failure alarm and the recommended alarms notify the stack's topic.
    const cache = new SecureRedisCluster(this, 'Cache', {
      vpc,
      vpcSubnets: { subnetGroupName: CACHE_SUBNETS },
      allowedConnections: [appSecurityGroup],
      alarmTopic: this.createAlarmTopic(),
      secretRotation: SecretRotation.enabled({ networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy() }),
    });
    // Where the application's task role is defined: cache.grantReadAuthToken(taskRole).

    cache.addRecommendedAlarms();

    new CfnOutput(this, 'CacheEndpoint', {
      description: 'host:port of the configuration endpoint: connect with TLS and a cluster-aware client',
      value: cache.endpoint.socketAddress,
    });
    new CfnOutput(this, 'CacheAuthTokenSecretArn', {
      description: 'The Secrets Manager secret whose secret string is the AUTH token',
      value: cache.authTokenSecret!.secretArn,
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
  new OrdersCacheStack(app, 'OrdersCache', { env: ENV });
  return app;
}

if (require.main === module) {
  createApp().synth();
}
