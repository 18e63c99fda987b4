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
 * To use this app in your own, copy this folder and the files that README.md lists under "Copy
 * it into your app", beside it as here: it imports the library as `cdk-secure-elasticache`.
 */
import * as path from 'path';
import { App, AppProps, CfnOutput, Duration, Size, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ApiFront } from '../shared/api-front';
import { AppFunction } from '../shared/app-function';
import { ServiceStack } from '../shared/service-stack';
import { SecretRotation, SessionStoreCache, SessionStoreConsumer, SessionStoreDeployment } from 'cdk-secure-elasticache';

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

/** Properties of a `WebSessionsStack`. */
interface WebSessionsStackProps extends StackProps {
  /** Where the sessions live. */
  readonly deployment: SessionStoreDeployment;
  /** The VPC's address range. */
  readonly cidr: string;
  /**
   * Whether this stack creates the account's API Gateway logging role: one per account and
   * Region, so only one of the two stacks does.
   */
  readonly accountCloudWatchRole: boolean;
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
      // The secret rotates every 30 days (the AUTH token on nodes, the user's password on
      // serverless); the one it replaces keeps working 30 more days, and an instance that is
      // refused reads the secret again. A failed rotation raises an alarm on alarmTopic.
      secretRotation: SecretRotation.enabled({ networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy() }),
    });
    // Per node on the node-based store; on serverless, throttled commands (the usage-limit
    // alarms come with the cache itself). Both notify alarmTopic.
    sessions.addRecommendedAlarms();

    // The web tier: the handler in ./handler.ts, bundled at synth, in the App subnets.
    const web = new AppFunction(this, 'Web', {
      entry: path.join(__dirname, 'handler.ts'),
      description: `the web tier of ${this.stackName}`,
      vpc,
      vpcSubnets: { subnetGroupName: APP_SUBNETS },
      securityGroup: webSecurityGroup,
      networkInterfacesPolicy: this.lambdaNetworkInterfacesPolicy(),
      logKey,
      reservedConcurrentExecutions: WEB_TIER_INSTANCES,
    });
    // Admits the function's security group on the cache port(s), lets its role read the secret,
    // and sets the SESSION_STORE_* environment variables.
    sessions.grantSessionAccess(SessionStoreConsumer.lambdaFunction(web.function));

    // The instances behind one API: login, reads of the session, logout.
    const front = new ApiFront(this, 'Front', {
      handler: web.function,
      description: `Web tier of ${this.stackName}`,
      routes: [
        { path: '/login', methods: { POST: {} } },
        { path: '/me', methods: { GET: {} } },
        { path: '/logout', methods: { POST: {} } },
      ],
      logKey,
      stageCache: {
        omittedBecause: 'Every response depends on the caller\'s session cookie, and a read slides the session\'s expiry '
          + 'in the session store: a stage cache would serve one user\'s session to another and stop the expiry from sliding.',
      },
      throttling: { rateLimit: 100, burstLimit: 50 },
      accountCloudWatchRole: props.accountCloudWatchRole,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the stage: POST <it>login with {"userId"}, GET <it>me, POST <it>logout, signed with SigV4 (service execute-api)',
      value: front.url,
    });
    new CfnOutput(this, 'WebFunctionName', {
      description: 'The web tier function',
      value: web.function.functionName,
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
}

/**
 * Builds the example's stacks without synthesizing them.
 *
 * @param props of the app, e.g. `outdir`
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);
  const nodes = new WebSessionsStack(app, 'WebSessions', {
    env: ENV,
    cidr: '10.42.0.0/16',
    // The default, written out: Valkey primary and replica in two zones, cluster mode off.
    deployment: SessionStoreDeployment.nodeBased(),
    accountCloudWatchRole: true,
  });
  const serverless = new WebSessionsStack(app, 'WebSessionsServerless', {
    env: ENV,
    cidr: '10.43.0.0/16',
    // Capacity follows the load up to these limits; alarms fire at 75% of each.
    deployment: SessionStoreDeployment.serverless({
      cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(10), requestRateLimitMaximum: 5000 },
    }),
    // Its API logs through the account's role, which the other stack sets up first.
    accountCloudWatchRole: false,
  });
  serverless.addDependency(nodes);
  return app;
}

if (require.main === module) {
  createApp().synth();
}
