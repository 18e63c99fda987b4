/**
 * What the example apps' stacks have in common: the zones they run in, their isolated VPC with
 * flow logs, the KMS key of their log groups and the encrypted topic their alarms notify. Each
 * example's `app.ts` extends `ServiceStack` and tells its own story on top.
 *
 * This folder has no `app.ts`: it is not an example of its own, and `npm run synth` skips it.
 * An app made from an example copies the files of this folder that the example's README lists
 * (see examples/README.md, "Shared code: copy these files too").
 */
import { CfnResource, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';

/** One tier of isolated subnets, one subnet in each of the VPC's zones. */
export interface IsolatedSubnetGroup {
  /** The subnet group's name, which `{ subnetGroupName }` selects its subnets by. */
  readonly name: string;
  /** The prefix length of each subnet's address range. */
  readonly cidrMask: number;
}

/** Properties of `ServiceStack.createVpc()`. */
export interface ServiceVpcProps {
  /** The VPC's address range. */
  readonly cidr: string;
  /** The VPC's tiers of subnets, all isolated. */
  readonly subnetGroups: IsolatedSubnetGroup[];
  /**
   * The key that encrypts the flow log group.
   *
   * @default a key of its own, `FlowLogKey`
   */
  readonly flowLogKey?: kms.IKey;
}

/**
 * A service team's stack, in the region's first three zones, with the building blocks that every
 * example uses: `createVpc()`, `createLogKey()` and `createAlarmTopic()`.
 */
export abstract class ServiceStack extends Stack {
  private networkInterfacesPolicy?: iam.ManagedPolicy;

  /**
   * The region's first three zones, chosen at deploy time. The default would look the account's
   * zones up at synth (a stack with an explicit environment), and literal zone names would make
   * the template region-specific (cfn-lint W3010).
   */
  public override get availabilityZones(): string[] {
    return [0, 1, 2].map((index) => Fn.select(index, Fn.getAzs()));
  }

  /**
   * Isolated subnets only, in three zones, with flow logs. No subnet has a route to the internet:
   * an application that calls AWS APIs reaches them through VPC endpoints, which the caller adds.
   *
   * Creates `Vpc`, its flow log `FlowLog` into the log group `FlowLogs` (encrypted with
   * `props.flowLogKey`, or else with a new key `FlowLogKey`), the delivery role `FlowLogRole` and
   * its policy `FlowLogDelivery`.
   */
  protected createVpc(props: ServiceVpcProps): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      maxAzs: 3,
      // No internet gateway and no NAT, so no route for HIPAA, NIST 800-53 R5 and PCI DSS
      // `VPCNoUnrestrictedRouteToIGW` to flag. If the application must call the internet, add
      // public subnets with NAT gateways and acknowledge that rule on their default routes.
      subnetConfiguration: props.subnetGroups.map(({ name, cidrMask }) => (
        { name, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask }
      )),
      // Removes the default security group's rules (`VPCDefaultSecurityGroupClosed`).
      restrictDefaultSecurityGroup: true,
    });
    // The custom resource provider behind restrictDefaultSecurityGroup states its role dependency
    // twice, as DependsOn and as GetAtt: cfn-lint W3005, harmless. Known, on that resource only.
    const provider = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    const handler = provider?.node.tryFindChild('Handler') as CfnResource | undefined;
    handler?.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });

    // Flow logs of all traffic into a KMS-encrypted log group kept one year (`VPCFlowLogsEnabled`,
    // `CloudWatchLogGroupEncrypted`, `CloudWatchLogGroupRetentionPeriod`).
    const key = props.flowLogKey ?? this.createLogKey('FlowLogKey', `Encrypts the VPC flow logs of ${this.stackName}`);
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
   * The one policy of this stack that lets Lambda manage the VPC network interfaces of its
   * functions (the application's and the cache's rotation function), `LambdaNetworkInterfaces`:
   * created at the first call, attached by each caller to its function's role. One reviewed
   * policy holds the only wildcard that a VPC function needs, acknowledged here with the reason,
   * so that no other policy of the stack needs one.
   */
  public lambdaNetworkInterfacesPolicy(): iam.ManagedPolicy {
    if (this.networkInterfacesPolicy) return this.networkInterfacesPolicy;
    // Lambda attaches a function to the VPC through network interfaces that it creates,
    // describes and deletes with the function's role (Lambda developer guide, "Giving Lambda
    // functions access to resources in an Amazon VPC"): the EC2 actions of
    // AWSLambdaVPCAccessExecutionRole, without its logs:CreateLogGroup on every log group.
    const policy = new iam.ManagedPolicy(this, 'LambdaNetworkInterfaces', {
      description: `Lets Lambda manage the VPC network interfaces of the functions of ${this.stackName}`,
      statements: [new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      })],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Lambda manages the VPC network interfaces of this stack\'s functions with their roles. '
        + 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource-level permissions, and the other actions '
        + 'act on network interfaces that Lambda creates later, whose ids cannot be named here (Lambda developer guide, '
        + 'VPC permissions of the execution role). This policy holds only those actions: AWSLambdaVPCAccessExecutionRole '
        + 'without its logs permissions.',
    });
    this.networkInterfacesPolicy = policy;
    return policy;
  }

  /**
   * The Secrets Manager and ElastiCache API interface endpoints in `subnets`, with private DNS (the
   * default): the functions reach the APIs through them, and a rotation function of the library
   * can share them (`RotationVpcEndpoints.fromEndpoints`). They admit nothing in the VPC
   * (`open: false`) until a caller is allowed with `connections.allowDefaultPortFrom(...)`.
   */
  protected createApiEndpoints(vpc: ec2.Vpc, subnets: ec2.SubnetSelection):
  { secretsManager: ec2.InterfaceVpcEndpoint; elastiCacheApi: ec2.InterfaceVpcEndpoint } {
    return {
      secretsManager: vpc.addInterfaceEndpoint('SecretsManager', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, subnets, open: false }),
      elastiCacheApi: vpc.addInterfaceEndpoint('ElastiCacheApi', { service: ec2.InterfaceVpcEndpointAwsService.ELASTICACHE, subnets, open: false }),
    };
  }

  /**
   * A KMS key, rotated yearly, for log groups of this account and region. CloudWatch Logs
   * encrypts a log group only if the key policy lets the service use the key.
   *
   * @param id of the key in this stack
   * @param description of the key
   */
  protected createLogKey(id: string, description: string): kms.Key {
    const key = new kms.Key(this, id, {
      description,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*` },
      },
    }));
    return key;
  }

  /**
   * The topic the alarms notify, `AlarmTopic`, encrypted with its own KMS key, `AlarmTopicKey`,
   * and refusing publishers without TLS (`SNSEncryptedKMS`, AwsSolutions-SNS3). The key policy
   * and the topic policy let CloudWatch alarms of this account publish.
   *
   * It is not the cache's `notificationTopic`: ElastiCache cannot publish its events to an
   * encrypted topic (ElastiCache user guide, "Event Notifications and Amazon SNS").
   */
  protected createAlarmTopic(): sns.Topic {
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
