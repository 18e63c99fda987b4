/**
 * The application tier of the example apps: a Node.js Lambda function in the VPC, bundled from a
 * TypeScript entry file with esbuild at synth (no Docker), built to pass the five cdk-nag packs.
 * Each example's `app.ts` gives it its entry file and environment, and the cache construct's grant
 * connects it to the cache. Copy this file with an example that uses it (examples/README.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The lock files that NodejsFunction knows (npm, Yarn, pnpm, Bun). */
const LOCK_FILES = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock'];

/**
 * The project that esbuild bundles in: the nearest folder above this file with a lock file. In
 * this repository that is its root; in an app that copied this file, the app's root.
 */
function findProjectRoot(): { root: string; lockFile: string } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const lockFile = LOCK_FILES.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
    if (lockFile) return { root: dir, lockFile };
    if (path.dirname(dir) === dir) {
      throw new Error(`AppFunction bundles in the project of ${JSON.stringify(__dirname)}, but no folder above it has a lock file `
        + `(${LOCK_FILES.join(', ')}): install the app's dependencies (npm install) first`);
    }
  }
}

/**
 * A role whose granted permissions go into a customer managed policy instead of the inline
 * policy that CDK creates by default (HIPAA, NIST 800-53 and PCI DSS `IAMNoInlinePolicy`).
 * Grants such as `grantSessionAccess`, `grantReadAuthToken` and the function's own (dead-letter
 * queue) land here.
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

/**
 * A dead-letter queue for a function's failed asynchronous invocations (HIPAA Security and NIST
 * 800-53 R5 `LambdaDLQ`), refusing senders without TLS, keeping messages the SQS maximum of 14
 * days. SQS-managed encryption: a KMS key would need kms:GenerateDataKey* and kms:ReEncrypt*
 * grants (AwsSolutions-IAM5) for the same protection.
 */
export function createDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/** Properties of an `AppFunction`. */
export interface AppFunctionProps {
  /** The TypeScript file that exports `handler`, bundled with its imports. */
  readonly entry: string;
  /** What the function does, for its description. */
  readonly description: string;
  readonly vpc: ec2.IVpc;
  /** The subnets the function runs in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /**
   * The function's security group. Create it without `allowAllOutbound`, so that every path out
   * is opened by name: the cache construct's grant opens the cache port, an interface endpoint
   * opens 443.
   */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * The policy that lets Lambda manage the function's VPC network interfaces:
   * `ServiceStack.lambdaNetworkInterfacesPolicy()`.
   */
  readonly networkInterfacesPolicy: iam.IManagedPolicy;
  /** The key that encrypts the function's log group. */
  readonly logKey: kms.IKey;
  /**
   * How many instances (execution environments) may run at once (`LambdaConcurrency`). Each one
   * is a separate process: consecutive requests of one user can land on any of them.
   */
  readonly reservedConcurrentExecutions: number;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
}

/**
 * A Node.js 24 function on ARM in the VPC, with
 * - reserved concurrency, which caps the instances (`LambdaConcurrency`),
 * - a dead-letter queue for failed asynchronous invocations (`LambdaDLQ`),
 * - its own log group, encrypted and kept a year (`CloudWatchLogGroupEncrypted`,
 *   `CloudWatchLogGroupRetentionPeriod`),
 * - a role with customer managed policies only (`IAMNoInlinePolicy`, AwsSolutions-IAM4).
 *
 * The AWS SDK is left to the runtime; everything else the entry imports is bundled.
 */
export class AppFunction extends Construct implements ec2.IConnectable, iam.IGrantable {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    const role = new RoleWithManagedGrants(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.role = role;
    // Lambda attaches the function to the VPC with the role's permissions: the stack's shared
    // network-interface policy (`ServiceStack.lambdaNetworkInterfacesPolicy()`).
    role.addManagedPolicy(props.networkInterfacesPolicy);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(role);

    const deadLetters = createDeadLetterQueue(this, 'DeadLetters');

    const project = findProjectRoot();
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: props.description,
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      environment: props.environment,
      role,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      deadLetterQueue: deadLetters,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: project.root,
      depsLockFilePath: project.lockFile,
      bundling: {
        // esbuild from the project's devDependencies, at synth: no Docker.
        forceDockerBundling: false,
        // The runtime provides the AWS SDK for JavaScript v3.
        externalModules: ['@aws-sdk/*'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // No `tsconfig`: esbuild reads the nearest tsconfig.json above each file it bundles.
      },
    });
    // Stack traces point at the TypeScript sources (Lambda developer guide, "Node.js source maps").
    this.function.addEnvironment('NODE_OPTIONS', '--enable-source-maps');
    // Lambda checks at creation that the role may create network interfaces.
    this.function.node.addDependency(props.networkInterfacesPolicy);
    // lambda.Function always makes itself depend on its role, which it also reads with GetAtt:
    // cfn-lint W3005, harmless. Known, on this function only.
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
  }

  public get connections(): ec2.Connections {
    return this.function.connections;
  }

  public get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }
}
