/**
 * What the integration tests share: a VPC for one test stack, and `ProbeFunction`, the Lambda
 * function (test/integ-support/probe.ts) that connects to the cache from inside the VPC as an
 * application would.
 */
import * as path from 'path';
import { AwsApiCall, ExpectedResult, type IApiCall, type IDeployAssert, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';

const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Two Availability Zones (Multi-AZ needs a replica in another zone), private subnets with one NAT
 * gateway so that the functions reach Secrets Manager and ElastiCache's API, and nothing kept
 * after the test.
 */
export function integVpc(scope: Construct, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(scope, id, {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    ],
    restrictDefaultSecurityGroup: false,
  });
}

export interface ProbeFunctionProps {
  readonly vpc: ec2.IVpc;
  /** `CACHE_*` settings (test/integ-support/probe.ts); a session store sets its own through its grant. */
  readonly environment?: Record<string, string>;
}

/**
 * Lets a `RotateSecret` assertion start the rotation: besides `secretsmanager:RotateSecret`,
 * the caller needs `lambda:InvokeFunction` on the rotation function (Secrets Manager API
 * reference, RotateSecret, "Required permissions"). Granted on the rotation functions of
 * `rotating` only, to the role of the call and of its waiter.
 */
export function allowRotateSecret(call: IApiCall, rotating: IConstruct): void {
  const functionArns = rotating.node.findAll()
    .filter((c): c is secretsmanager.CfnRotationSchedule => c instanceof secretsmanager.CfnRotationSchedule)
    .map((schedule) => schedule.rotationLambdaArn)
    .filter((arn): arn is string => arn !== undefined);
  if (functionArns.length === 0) {
    throw new Error(`${rotating.node.path} has no rotation schedule with a rotation function.`);
  }
  const statement = { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: functionArns };
  call.provider.addToRolePolicy(statement);
  if (call instanceof AwsApiCall) call.waiterProvider?.addToRolePolicy(statement);
}

/** The probe: Node.js 24 in the VPC's private subnets, its code bundled with esbuild at synth. */
export class ProbeFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: ProbeFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Integration test probe: connects to the cache with TLS, writes and reads a key',
      entry: path.join(__dirname, 'probe.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Connecting, the commands, and the plain-text check (3 s) or the Memcached expiry (3 s).
      timeout: Duration.seconds(30),
      environment: props.environment,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      allowAllOutbound: true,
      logGroup,
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        externalModules: ['@aws-sdk/*'],
        minify: true,
        tsconfig: path.join(REPOSITORY_ROOT, 'test', 'tsconfig.json'),
      },
    });
  }
}

/**
 * How long every assertion waits: a failed one is retried until it passes or the time is up, and
 * then fails the deployment (a plain expect() would only report the failure in the stack's outputs).
 */
export const WAIT_LONG = { totalTimeout: Duration.minutes(30), interval: Duration.seconds(30) };

/** What a replication group must show once deployed, besides what every one of the library's groups shows. */
export interface ExpectedGroup {
  readonly replicationGroupId: string;
  readonly kmsKeyArn: string;
  readonly clusterEnabled: boolean;
  readonly authTokenEnabled: boolean;
  readonly userGroupIds?: string[];
}

/** The group is available, TLS required, encrypted at rest with its key, Multi-AZ with failover. */
export function expectSecureReplicationGroup(assertions: IDeployAssert, group: ExpectedGroup): void {
  assertions.awsApiCall('ElastiCache', 'describeReplicationGroups', { ReplicationGroupId: group.replicationGroupId })
    .expect(ExpectedResult.objectLike({
      ReplicationGroups: [Match.objectLike({
        Status: 'available',
        ClusterEnabled: group.clusterEnabled,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
        KmsKeyId: group.kmsKeyArn,
        MultiAZ: 'enabled',
        AutomaticFailover: 'enabled',
        AuthTokenEnabled: group.authTokenEnabled,
        ...(group.userGroupIds ? { UserGroupIds: group.userGroupIds } : {}),
      })],
    }))
    .waitForAssertions(WAIT_LONG);
}
