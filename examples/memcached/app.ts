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
 */
import { App, AppProps, CfnOutput, CfnResource, Fn, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ShardedMemcached } from '../../src';

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
class CatalogCacheStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const vpc = this.createVpc();

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

  /**
   * The region's first three zones, chosen at deploy time. The default would look the account's
   * zones up at synth (a stack with an explicit environment), and literal zone names would make
   * the template region-specific (cfn-lint W3010).
   */
  public override get availabilityZones(): string[] {
    return [0, 1, 2].map((index) => Fn.select(index, Fn.getAzs()));
  }

  /**
   * Isolated subnets only, in three zones, with flow logs. Memcached needs no AWS API from the
   * application, so no subnet has a route to the internet and no VPC endpoint is needed.
   */
  private createVpc(): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.41.0.0/16'),
      maxAzs: 3,
      // No internet gateway and no NAT, so no route for HIPAA, NIST 800-53 R5 and PCI DSS
      // `VPCNoUnrestrictedRouteToIGW` to flag. If the application must call the internet, add
      // public subnets with NAT gateways and acknowledge that rule on their default routes.
      subnetConfiguration: [
        { name: APP_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
        { name: CACHE_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Removes the default security group's rules (`VPCDefaultSecurityGroupClosed`).
      restrictDefaultSecurityGroup: true,
    });
    // The custom resource provider behind restrictDefaultSecurityGroup states its role dependency
    // twice, as DependsOn and as GetAtt: cfn-lint W3005, harmless. Known, on that resource only.
    const provider = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler') as CfnResource | undefined;
    handler?.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });

    // Flow logs of all traffic into a KMS-encrypted log group kept one year (`VPCFlowLogsEnabled`,
    // `CloudWatchLogGroupEncrypted`, `CloudWatchLogGroupRetentionPeriod`). With no authentication
    // on Memcached, they are also the record of who connected to the cache port.
    const key = new kms.Key(this, 'FlowLogKey', {
      description: `Encrypts the VPC flow logs of ${this.stackName}`,
      enableKeyRotation: true,
    });
    // CloudWatch Logs encrypts a log group only if the key policy lets the service use the key.
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` },
      },
    }));
    const logGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The delivery role gets a customer managed policy: the inline policy that CDK would add
    // otherwise is flagged by HIPAA, NIST 800-53 and PCI DSS `IAMNoInlinePolicy`.
    const role = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Delivers the VPC flow logs of ${this.stackName}`,
    });
    const delivery = new iam.ManagedPolicy(this, 'FlowLogDelivery', {
      description: `Lets VPC Flow Logs write to the flow log group of ${this.stackName}`,
      roles: [role],
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroup.logGroupArn],
      })],
    });
    const flowLog = vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup, role.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    flowLog.node.addDependency(delivery);
    return vpc;
  }

  /**
   * The topic the alarms notify, encrypted with its own KMS key and refusing publishers without
   * TLS (`SNSEncryptedKMS`, AwsSolutions-SNS3).
   *
   * It is not the cluster's `notificationTopic`: ElastiCache cannot publish its events to an
   * encrypted topic (ElastiCache user guide, "Event Notifications and Amazon SNS").
   */
  private createAlarmTopic(): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the alarm topic of ${this.stackName}`,
      enableKeyRotation: true,
    });
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': this.account },
      ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
    };
    // Without this statement CloudWatch cannot publish to the encrypted topic, and alarm
    // notifications are dropped silently (SNS developer guide, "Key management").
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromThisAccountsAlarms,
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Alarms of ${this.stackName}`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own, which replaces the default one.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromThisAccountsAlarms,
    }));
    return topic;
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
