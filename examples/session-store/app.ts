/**
 * A stateless web tier whose instances share logins through a `SessionStoreCache`, as a team
 * would deploy it. Two stacks, the same but for where the sessions live:
 *
 * - `WebSessions`: the default, node-based store (Valkey primary and replica, AUTH token).
 * - `WebSessionsServerless`: ElastiCache Serverless with usage limits (RBAC user and password).
 *
 *   npx tsx app.ts          (or `npx cdk synth` in this folder)
 *
 * The account and region are fixed dummies, and nothing in this app looks anything up, so it
 * synthesizes without AWS credentials. Change ENV to deploy it.
 *
 * The zones, the VPC with its flow logs, the log key and the alarm topic come from `ServiceStack`
 * (`../shared/service-stack.ts`), which the examples share.
 */
import { App, AppProps, CfnOutput, Duration, RemovalPolicy, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SessionStoreCache, SessionStoreConsumer, SessionStoreDeployment } from '../../src';
import { ServiceStack } from '../shared/service-stack';

/** A fixed dummy environment; the stacks name their zones themselves, so synth looks nothing up. */
const ENV = { account: '123456789012', region: 'us-east-1' };

/** The subnet group names of the VPC: one tier for the web tier, one for data stores. */
const APP_SUBNETS = 'App';
const CACHE_SUBNETS = 'Cache';

/**
 * How many instances (Lambda execution environments) of the web tier may run at once. Each one
 * is a separate process, and consecutive requests of one user can land on any of them: that is
 * why the sessions live in the shared store and not in memory.
 */
const WEB_TIER_INSTANCES = 10;

/**
 * The web tier's handler. It only reports the session store settings it was given; it does not
 * connect to the store yet (the session handling itself comes with the application code). It
 * never reads the secret, and returns its ARN, not its value.
 */
const HANDLER_CODE = `
exports.handler = async () => {
  const env = process.env;
  return {
    note: 'Settings check only: this handler does not connect to the session store.',
    sessionStore: {
      host: env.SESSION_STORE_HOST,
      port: Number(env.SESSION_STORE_PORT),
      tls: env.SESSION_STORE_TLS === 'true',
      clusterMode: env.SESSION_STORE_CLUSTER_MODE === 'true',
      username: env.SESSION_STORE_USERNAME ?? null,
      secretArn: env.SESSION_STORE_SECRET_ARN,
      keyPrefix: env.SESSION_STORE_KEY_PREFIX,
      ttlSeconds: Number(env.SESSION_STORE_TTL_SECONDS),
    },
  };
};
`;

/**
 * A role whose granted permissions go into a customer managed policy instead of the inline
 * policy that CDK creates by default (HIPAA, NIST 800-53 and PCI DSS `IAMNoInlinePolicy`).
 * Grants such as `grantSessionAccess` and the function's own (dead-letter queue) land here.
 */
class RoleWithManagedGrants extends iam.Role {
  private grantsPolicy?: iam.ManagedPolicy;

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.grantsPolicy) {
      this.grantsPolicy = new iam.ManagedPolicy(this, 'Grants', {
        description: `Permissions granted to ${this.node.path}`,
        roles: [this],
      });
    }
    this.grantsPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.grantsPolicy };
  }
}

/** Properties of a `WebSessionsStack`. */
interface WebSessionsStackProps extends StackProps {
  /** Where the sessions live. */
  readonly deployment: SessionStoreDeployment;
  /** The VPC's address range. */
  readonly cidr: string;
}

/**
 * The web tier's stack: its own VPC, the session store in the Cache subnets, and the web tier, a
 * Lambda function in the App subnets that `grantSessionAccess` connects to the store.
 */
class WebSessionsStack extends ServiceStack {
  constructor(scope: Construct, id: string, props: WebSessionsStackProps) {
    super(scope, id, props);

    // One key for the stack's log groups: the VPC flow logs and the function's logs.
    const logKey = this.createLogKey('LogKey', `Encrypts the log groups of ${this.stackName}`);
    // Isolated subnets only, in three zones, with flow logs. The web tier reaches AWS APIs through
    // VPC endpoints, so no subnet has a route to the internet.
    const vpc = this.createVpc({
      cidr: props.cidr,
      subnetGroups: [
        { name: APP_SUBNETS, cidrMask: 20 },
        { name: CACHE_SUBNETS, cidrMask: 24 },
      ],
      flowLogKey: logKey,
    });

    // No allowAllOutbound: every path out of the web tier is opened by name, by
    // grantSessionAccess (the cache ports) and by the Secrets Manager endpoint below (443).
    const webSecurityGroup = new ec2.SecurityGroup(this, 'WebSecurityGroup', {
      vpc,
      description: 'Web tier instances',
      allowAllOutbound: false,
    });
    // The web tier reads the session store's secret from Secrets Manager through this endpoint.
    vpc.addInterfaceEndpoint('SecretsManager', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: { subnetGroupName: APP_SUBNETS },
      // Not open to the whole VPC: the web tier only.
      open: false,
    }).connections.allowDefaultPortFrom(webSecurityGroup, 'Web tier instances');

    const sessions = new SessionStoreCache(this, 'Sessions', {
      vpc,
      vpcSubnets: { subnetGroupName: CACHE_SUBNETS },
      deployment: props.deployment,
      sessionTtl: Duration.hours(12),
      alarmTopic: this.createAlarmTopic(),
    });
    // Per node on the node-based store; on serverless, throttled commands (the usage-limit
    // alarms come with the cache itself). Both notify alarmTopic.
    sessions.addRecommendedAlarms();

    const web = this.createWebTier(vpc, webSecurityGroup, logKey);
    // Admits the function's security group on the cache port(s), lets its role read the secret,
    // and sets the SESSION_STORE_* environment variables.
    sessions.grantSessionAccess(SessionStoreConsumer.lambdaFunction(web));

    new CfnOutput(this, 'WebFunctionName', {
      description: 'The web tier function: `aws lambda invoke --function-name <it> out.json` shows its session store settings',
      value: web.functionName,
    });
    new CfnOutput(this, 'SessionStoreEndpoint', {
      description: 'host:port that the web tier reads and writes sessions through, with TLS',
      value: sessions.endpoint.socketAddress,
    });
    new CfnOutput(this, 'SessionStoreSecretArn', {
      description: 'The secret the web tier authenticates with: AUTH token as plain text on nodes, JSON {username, password} on serverless',
      value: sessions.secret!.secretArn,
    });
  }

  /**
   * The web tier: a Lambda function in the App subnets, with
   * - reserved concurrency, which caps the instances (`LambdaConcurrency`),
   * - a dead-letter queue for failed asynchronous invocations (`LambdaDLQ`),
   * - its own log group, encrypted and kept a year (`CloudWatchLogGroupEncrypted`,
   *   `CloudWatchLogGroupRetentionPeriod`),
   * - a role with customer managed policies only (`IAMNoInlinePolicy`, AwsSolutions-IAM4).
   */
  private createWebTier(vpc: ec2.IVpc, securityGroup: ec2.ISecurityGroup, logKey: kms.IKey): lambda.Function {
    const role = new RoleWithManagedGrants(this, 'WebRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the web tier of ${this.stackName}`,
    });
    // Lambda attaches the function to the VPC through network interfaces that it creates,
    // describes and deletes with the function's role (Lambda developer guide, "Giving Lambda
    // functions access to resources in an Amazon VPC"): the actions of AWSLambdaVPCAccessExecutionRole,
    // without its logs:CreateLogGroup on every log group.
    const networkInterfaces = new iam.ManagedPolicy(this, 'WebNetworkInterfaces', {
      description: `Lets Lambda manage the VPC network interfaces of the web tier of ${this.stackName}`,
      roles: [role],
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
    Validations.of(networkInterfaces).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Lambda manages the web tier\'s VPC network interfaces with this role. ec2:DescribeNetworkInterfaces and '
        + 'ec2:DescribeSubnets have no resource-level permissions, and the other actions act on network interfaces that '
        + 'Lambda creates later, whose ids cannot be named here (Lambda developer guide, VPC permissions of the execution '
        + 'role). This policy holds only those actions: AWSLambdaVPCAccessExecutionRole without its logs permissions.',
    });

    const logGroup = new logs.LogGroup(this, 'WebLogs', {
      encryptionKey: logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(role);

    // Failed asynchronous invocations end up here. SQS-managed encryption: a KMS key would need
    // kms:GenerateDataKey* and kms:ReEncrypt* grants (AwsSolutions-IAM5) for the same protection.
    const deadLetters = new sqs.Queue(this, 'WebDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const fn = new lambda.Function(this, 'Web', {
      description: `Web tier of ${this.stackName}: reports its session store settings`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline(HANDLER_CODE),
      memorySize: 256,
      timeout: Duration.seconds(10),
      role,
      vpc,
      vpcSubnets: { subnetGroupName: APP_SUBNETS },
      securityGroups: [securityGroup],
      reservedConcurrentExecutions: WEB_TIER_INSTANCES,
      deadLetterQueue: deadLetters,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    // Lambda checks at creation that the role may create network interfaces.
    fn.node.addDependency(networkInterfaces);
    // lambda.Function always makes itself depend on its role, which it also reads with GetAtt:
    // cfn-lint W3005, harmless. Known, on this function only.
    (fn.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
    return fn;
  }
}

/**
 * Builds the example's stacks without synthesizing them.
 *
 * @param props of the app, e.g. `outdir`
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  new WebSessionsStack(app, 'WebSessions', {
    env: ENV,
    cidr: '10.42.0.0/16',
    // The default, written out: Valkey primary and replica in two zones, cluster mode off.
    deployment: SessionStoreDeployment.nodeBased(),
  });
  new WebSessionsStack(app, 'WebSessionsServerless', {
    env: ENV,
    cidr: '10.43.0.0/16',
    // Capacity follows the load up to these limits; alarms fire at 75% of each.
    deployment: SessionStoreDeployment.serverless({ maxDataStorageGb: 10, maxEcpuPerSecond: 5000 }),
  });
  return app;
}

if (require.main === module) {
  createApp().synth();
}
