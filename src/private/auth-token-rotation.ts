import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IDependable } from 'constructs';
import { acknowledge } from './acknowledgements';
import { notify } from './alarm-topic';
import { ROTATION_ENV, ROTATION_MODES } from './auth-token-rotation-env';
import { AuthTokenRotationFunction } from './auth-token-rotation-function';
import { createEncryptedLogGroup } from './log-key';
import { selectCacheSubnets } from './network';
import { PropsValidator } from './validation';
import { RotationVpcEndpoints, SecretRotationOptions } from '../auth-token-rotation';
import { CacheEndpoint } from '../cache-endpoint';

/** What the rotation needs to know about the replication group. */
export interface RotationTarget {
  readonly secret?: secretsmanager.ISecret;
  readonly jsonField?: string;
  readonly replicationGroupId: string;
  readonly replicationGroupArn: string;
  /** The resource the schedule waits for: rotating a group that is still being created fails. */
  readonly replicationGroup: IDependable;
  readonly endpoint: CacheEndpoint;
  readonly vpc: ec2.IVpc;
  readonly cacheSubnets?: ec2.SubnetSelection;
  readonly cacheSecurityGroup: ec2.ISecurityGroup;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The topic that the rotation-failure alarm notifies (created on first use). */
  readonly alarmTopic: () => sns.ITopic;
}

/** An RBAC password user whose password is rotated. */
export interface RotatedUser {
  readonly userId: string;
  readonly userName: string;
  readonly userArn: string;
  /** The id of the user's construct (`User1`): the rotation is `<id>PasswordRotation`. */
  readonly constructId: string;
  readonly secret: secretsmanager.ISecret;
}

/** What one rotation function rotates, and how it is named. */
interface RotationSubject {
  readonly id: string;
  readonly secret: secretsmanager.ISecret;
  /** 'AUTH token rotation function of <path>' and the like. */
  readonly description: string;
  readonly functionDescription: string;
  readonly policyDescription: string;
  readonly environment: Record<string, string>;
  readonly elastiCacheStatements: iam.PolicyStatement[];
}

const ROTATION_ID = 'AuthTokenRotation';

/** Secrets Manager's limits for a rotation schedule (RotationRules, ScheduleExpression). */
const MIN_SCHEDULE_HOURS = 4;
const MAX_SCHEDULE_DAYS = 1000;

/**
 * The function waits for ElastiCache to apply a token change (minutes) within one invocation:
 * the Lambda maximum.
 */
const FUNCTION_TIMEOUT = Duration.minutes(15);

/**
 * Attaches the library's rotation function to the group's AUTH token secret: the function in the
 * cache's VPC, admitted by the cache's security group on the cache port, reaching Secrets Manager
 * and ElastiCache through interface endpoints when its subnets have no egress, with a
 * customer-managed policy scoped to this group, this secret and its key.
 */
export function addAuthTokenRotation(cluster: Construct, target: RotationTarget, options: SecretRotationOptions): secretsmanager.RotationSchedule {
  const v = new PropsValidator(cluster);
  const description = `AUTH token rotation function of ${cluster.node.path}`;
  const environment: Record<string, string> = {};
  if (target.jsonField) {
    environment[ROTATION_ENV.jsonField] = target.jsonField;
  }
  return attachRotation(cluster, target, options, v, () => ({
    id: ROTATION_ID,
    secret: target.secret!,
    description,
    functionDescription: `Rotates the AUTH token of the ElastiCache replication group ${target.replicationGroupId}`,
    // Without the group's id: a policy's Description cannot change in place (a create-only property).
    policyDescription: `AUTH token rotation of the replication group ${cluster.node.path}`,
    environment,
    elastiCacheStatements: [
      new iam.PolicyStatement({
        sid: 'ReadThisGroup',
        actions: ['elasticache:DescribeReplicationGroups'],
        resources: [target.replicationGroupArn],
      }),
      // ElastiCache condition keys (Service Authorization Reference, "Actions, resources, and
      // condition keys for Amazon ElastiCache"; ElastiCache user guide, "Using condition keys"):
      // every ModifyReplicationGroup of the function carries a non-empty AuthToken, and none
      // turns TLS off. Both hold whether ElastiCache reads the keys from the request or from the
      // group (an AUTH token needs TLS), so they cannot block a rotation; see
      // docs/rotation-security.md.
      new iam.PolicyStatement({
        sid: 'ChangeThisGroupsToken',
        actions: ['elasticache:ModifyReplicationGroup'],
        resources: [target.replicationGroupArn],
        conditions: { Bool: { 'elasticache:AuthTokenEnabled': 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'NeverTurnTlsOff',
        effect: iam.Effect.DENY,
        actions: ['elasticache:ModifyReplicationGroup'],
        resources: [target.replicationGroupArn],
        conditions: { Bool: { 'elasticache:TransitEncryptionEnabled': 'false' } },
      }),
    ],
  }));
}

/** The construct id of the password rotation of a user. */
export function userRotationId(user: Pick<RotatedUser, 'constructId'>): string {
  return `${user.constructId}PasswordRotation`;
}

/**
 * Attaches the same rotation function, in `userPassword` mode, to the secret of one RBAC password
 * user: `ModifyUser` with the current and the new password, scoped to this user and this secret.
 */
export function addUserPasswordRotation(cluster: Construct, target: RotationTarget, user: RotatedUser,
  options: SecretRotationOptions): secretsmanager.RotationSchedule {
  const v = new PropsValidator(cluster);
  const id = userRotationId(user);
  return attachRotation(cluster, target, options, v, () => ({
    id,
    secret: user.secret,
    description: `password rotation function of the user ${user.userId} of ${cluster.node.path}`,
    functionDescription: `Rotates the password of the ElastiCache user ${user.userId} (${user.userName})`,
    policyDescription: `Password rotation of the ElastiCache user ${user.userName} of ${cluster.node.path}`,
    environment: {
      [ROTATION_ENV.mode]: ROTATION_MODES.userPassword,
      [ROTATION_ENV.userId]: user.userId,
      [ROTATION_ENV.userName]: user.userName,
      [ROTATION_ENV.jsonField]: 'password',
    },
    elastiCacheStatements: [
      new iam.PolicyStatement({
        sid: 'ChangeThisUsersPassword',
        actions: ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
        resources: [user.userArn],
      }),
      // elasticache:UserAuthenticationMode (Service Authorization Reference): the function never
      // switches the user to IAM or to no password at all.
      new iam.PolicyStatement({
        sid: 'KeepThePasswordMode',
        effect: iam.Effect.DENY,
        actions: ['elasticache:ModifyUser'],
        resources: [user.userArn],
        conditions: { StringEqualsIgnoreCase: { 'elasticache:UserAuthenticationMode': ['iam', 'no-password-required'] } },
      }),
    ],
  }));
}

/** The function, its network, policy and schedule: shared by both modes. */
function attachRotation(cluster: Construct, target: RotationTarget, options: SecretRotationOptions, v: PropsValidator,
  subjectOf: () => RotationSubject): secretsmanager.RotationSchedule {
  const schedule = options.schedule ?? Duration.days(30);
  if (!schedule.isUnresolved()) {
    const hours = schedule.toHours({ integral: false });
    v.check(!Number.isInteger(hours) || hours < MIN_SCHEDULE_HOURS || hours > MAX_SCHEDULE_DAYS * 24,
      `schedule must be whole hours from ${MIN_SCHEDULE_HOURS} hours to ${MAX_SCHEDULE_DAYS} days, got ${schedule.toHumanString()}. `
      + 'Secrets Manager rotates at most every 4 hours; leave it unset for 30 days.');
  }
  const concurrency = options.reservedConcurrentExecutions;
  v.integerInRange('reservedConcurrentExecutions', concurrency, 1, 1000,
    'Secrets Manager runs one step at a time: 1 is enough, or leave it unset to reserve none.');
  const subnets = options.vpcSubnets
    ? selectCacheSubnets(v, target.vpc, options.vpcSubnets)
    : selectCacheSubnets(new PropsValidator(cluster), target.vpc, target.cacheSubnets);
  v.throwIfInvalid();
  const subject = subjectOf();
  const secret = subject.secret;

  const scope = new Construct(cluster, subject.id);
  const stack = Stack.of(scope);
  const port = Token.asNumber(target.endpoint.port);

  const securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc: target.vpc,
    description: subject.description,
    allowAllOutbound: false,
  });
  target.cacheSecurityGroup.connections.allowFrom(securityGroup, ec2.Port.tcp(port), subject.description);

  const environment: Record<string, string> = {
    // The one secret the function acts on: it refuses events for any other.
    [ROTATION_ENV.secretArn]: secretArnPattern(secret),
    [ROTATION_ENV.replicationGroupId]: target.replicationGroupId,
    [ROTATION_ENV.cacheHost]: target.endpoint.hostname,
    [ROTATION_ENV.cachePort]: Token.isUnresolved(target.endpoint.port) ? Token.asString(target.endpoint.port) : target.endpoint.port.toString(),
    ...subject.environment,
  };
  Object.assign(environment, connectToApis(scope, subject.description, target.vpc, subnets!, securityGroup,
    options.vpcEndpoints ?? RotationVpcEndpoints.automatic()));

  const logGroup = createEncryptedLogGroup(scope, 'LogGroup', 'rotation', target.encryptionKey, {
    retention: options.logRetention ?? target.logRetention,
    removalPolicy: target.removalPolicy,
  });

  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: subject.description,
  });
  // A customer-managed policy: the HIPAA and NIST packs reject inline policies, AwsSolutions-IAM4
  // AWS-managed ones (AWSLambdaVPCAccessExecutionRole).
  const policy = new iam.ManagedPolicy(scope, 'Policy', {
    description: subject.policyDescription,
    roles: [role],
    statements: rotationStatements(stack, subject.elastiCacheStatements, secret, logGroup, options,
      { vpc: target.vpc, subnets: subnets!, securityGroup }),
  });
  if (options.networkInterfacesPolicy) {
    role.addManagedPolicy(options.networkInterfacesPolicy);
  }

  const fn = new AuthTokenRotationFunction(scope, 'Function', {
    description: subject.functionDescription,
    // Immutable: the grants that RotationSchedule adds would otherwise create an inline policy
    // with secretsmanager:GetRandomPassword on '*'; the managed policy above holds all it needs.
    role: role.withoutPolicyUpdates(),
    vpc: target.vpc,
    vpcSubnets: { subnets: subnets!.subnets },
    securityGroups: [securityGroup],
    timeout: FUNCTION_TIMEOUT,
    memorySize: 256,
    architecture: lambda.Architecture.ARM_64,
    reservedConcurrentExecutions: concurrency,
    logGroup,
    environment,
    // Encrypted with the cache's key rather than Lambda's AWS managed key (checkov CKV_AWS_173).
    environmentEncryption: target.encryptionKey,
  });
  // Lambda checks at creation that the role may create network interfaces in the VPC: the policy
  // must be attached first. The DependsOn on the role that Lambda adds is implied by the GetAtt of
  // its ARN (cfn-lint W3005).
  // The same for a network-interface policy given in options, when it is a resource of this stack.
  const ownPolicies = [policy, options.networkInterfacesPolicy]
    .map((p) => p?.node.defaultChild)
    .filter((c): c is iam.CfnManagedPolicy => c instanceof iam.CfnManagedPolicy && Stack.of(c) === stack);
  (fn.node.defaultChild as lambda.CfnFunction).addOverride('DependsOn', ownPolicies.map((c) => c.logicalId));

  const rotation = new secretsmanager.RotationSchedule(scope, 'Schedule', {
    // Without its key: RotationSchedule would grant the function the key in the key policy, for
    // every secret of that key; the managed policy grants it for this secret only.
    secret: secretsmanager.Secret.fromSecretAttributes(scope, 'Secret', secret.secretFullArn
      ? { secretCompleteArn: secret.secretFullArn }
      : { secretPartialArn: secret.secretArn }),
    rotationLambda: fn,
    automaticallyAfter: schedule,
    rotateImmediatelyOnUpdate: options.rotateImmediatelyOnUpdate ?? true,
  });
  rotation.node.addDependency(target.replicationGroup);
  restrictInvokeToAccount(fn, stack, secret);

  // Secrets Manager reports a failed step as an error of the function (user guide, "Troubleshoot
  // rotation"); the secret then keeps its current value until the next attempt.
  const failures = new cloudwatch.Alarm(scope, 'FailureAlarm', {
    metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
    threshold: 0,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `The ${subject.description} failed: the secret was not rotated. See the function's log group.`,
  });
  notify(failures, target.alarmTopic());

  if (!options.networkInterfacesPolicy) {
    acknowledge(policy.node.defaultChild as iam.CfnManagedPolicy, 'rotationPolicyWildcard');
  }
  const cfnFunction = fn.node.defaultChild as lambda.CfnFunction;
  acknowledge(cfnFunction, 'rotationFunctionDeadLetterQueue');
  if (concurrency === undefined) {
    acknowledge(cfnFunction, 'rotationFunctionConcurrency');
  }
  return rotation;
}

/**
 * The customer-managed policy of the function. Only the EC2 network-interface actions that
 * Lambda needs for a VPC function use `*`, and only when `networkInterfacesPolicy` does not bring
 * them: `ec2:DescribeNetworkInterfaces` and `ec2:DescribeSubnets` have no resource-level
 * permissions, and the Lambda developer guide warns that a function may lose VPC access unless
 * `ec2:DeleteNetworkInterface` covers every network interface ("Giving Lambda functions access to
 * resources in an Amazon VPC").
 */
function rotationStatements(stack: Stack, elastiCacheStatements: iam.PolicyStatement[], secret: secretsmanager.ISecret, logGroup: logs.ILogGroup,
  options: SecretRotationOptions, network: FunctionNetwork): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  ];
  if (!options.networkInterfacesPolicy) {
    statements.push(...networkInterfaceStatements(stack, network));
  }
  statements.push(
    ...elastiCacheStatements,
    new iam.PolicyStatement({
      sid: 'RotateThisSecret',
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      resources: [secretArnPattern(secret)],
    }),
    // Defence in depth against a confused deputy: whatever another policy of the role allows,
    // this function touches no other secret (an explicit Deny wins, IAM user guide, "Policy
    // evaluation logic").
    new iam.PolicyStatement({
      sid: 'NoOtherSecret',
      effect: iam.Effect.DENY,
      actions: EVERY_SECRETS_MANAGER_ACTION,
      notResources: [secretArnPattern(secret)],
    }),
  );
  if (secret.encryptionKey) {
    // Secrets Manager calls KMS on the function's behalf, with the secret's ARN as encryption
    // context (Secrets Manager user guide, "Secret encryption and decryption").
    const conditions: Record<string, Record<string, string>> = {
      StringEquals: {
        'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`,
        ...(secret.secretFullArn ? { 'kms:EncryptionContext:SecretARN': secret.secretFullArn } : {}),
      },
    };
    statements.push(new iam.PolicyStatement({
      sid: 'UseTheSecretsKey',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [secret.encryptionKey.keyArn],
      conditions,
    }));
  }
  return statements;
}

/** Where the function's network interfaces live. */
interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SelectedSubnets;
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * The EC2 actions of AWSLambdaVPCAccessExecutionRole, each on what it acts on (Service
 * Authorization Reference, "Actions, resources, and condition keys for Amazon EC2"):
 *
 * - `ec2:DescribeNetworkInterfaces` and `ec2:DescribeSubnets` have no resource-level permissions:
 *   `*`, the one wildcard, acknowledged (src/private/acknowledgements.ts).
 * - `ec2:CreateNetworkInterface` names the function's subnets and security group; the interface
 *   it creates has no id yet, so it is matched by the `ec2:Subnet` of those subnets.
 * - `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses` and
 *   `ec2:UnassignPrivateIpAddresses` act on the interfaces in the cache's VPC (`ec2:Vpc`): the
 *   Lambda developer guide warns that a function may lose VPC access unless Delete covers every
 *   interface it created, which includes those of subnets it used before.
 */
function networkInterfaceStatements(stack: Stack, network: FunctionNetwork): iam.PolicyStatement[] {
  const ec2Arn = (resource: string, resourceName: string): string =>
    stack.formatArn({ service: 'ec2', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const subnetArns = network.subnets.subnetIds.map((id) => ec2Arn('subnet', id));
  return [
    new iam.PolicyStatement({
      sid: 'DescribeNetworkInterfacesAndSubnets',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'CreateInterfacesInOwnSubnets',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [...subnetArns, ec2Arn('security-group', network.securityGroup.securityGroupId)],
    }),
    new iam.PolicyStatement({
      sid: 'CreateInterfacesInOwnSubnetsOnly',
      actions: ['ec2:CreateNetworkInterface'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ec2:Subnet': subnetArns } },
    }),
    new iam.PolicyStatement({
      sid: 'ManageInterfacesInTheVpc',
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc', network.vpc.vpcId) } },
    }),
  ];
}

/**
 * Network paths to the Secrets Manager and ElastiCache APIs; returns the environment variables
 * that point the function's SDK clients at endpoints the construct created.
 *
 * By default the function reaches the two APIs through interface endpoints, even in subnets with
 * a NAT gateway: a security group cannot name an AWS API by address (there is no AWS-managed
 * prefix list for either service), so the only alternative is HTTPS to 0.0.0.0/0. The endpoints
 * are shared by every rotation function of the construct, to pay for one pair per construct
 * (interface endpoints are billed per endpoint and Availability Zone, AWS PrivateLink pricing).
 */
function connectToApis(scope: Construct, description: string, vpc: ec2.IVpc, subnets: ec2.SelectedSubnets,
  fnSecurityGroup: ec2.SecurityGroup, choice: RotationVpcEndpoints): Record<string, string> {
  if (choice.endpoints) {
    for (const endpoint of [choice.endpoints.secretsManager, choice.endpoints.elastiCache]) {
      endpoint.connections.allowDefaultPortFrom(fnSecurityGroup, description);
    }
    return {};
  }
  if (choice.createEndpoints === false) {
    fnSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager and ElastiCache APIs through the subnets\' egress');
    return {};
  }
  const owner = scope.node.scope ?? scope;
  const endpoints = owner.node.tryFindChild(ROTATION_ENDPOINTS_ID) as RotationApiEndpoints | undefined
    ?? new RotationApiEndpoints(owner, ROTATION_ENDPOINTS_ID, vpc, subnets);
  endpoints.admit(fnSecurityGroup, description);
  return endpoints.environment;
}

const ROTATION_ENDPOINTS_ID = 'RotationEndpoints';

/**
 * A Secrets Manager and an ElastiCache interface endpoint, shared by the rotation functions of one
 * construct. Their security group admits only those functions, on port 443.
 */
class RotationApiEndpoints extends Construct {
  public readonly environment: Record<string, string>;
  private readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, vpc: ec2.IVpc, subnets: ec2.SelectedSubnets) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: `Interface endpoints of the rotation functions of ${scope.node.path}`,
      allowAllOutbound: false,
    });
    const endpointUrl = (endpointId: string, service: ec2.InterfaceVpcEndpointAwsService): string => {
      const endpoint = new ec2.InterfaceVpcEndpoint(this, endpointId, {
        vpc,
        service,
        subnets: { subnets: subnets.subnets, onePerAz: true },
        securityGroups: [this.securityGroup],
        open: false,
        // Private DNS would redirect every workload of the VPC to endpoints that admit only these
        // functions, and collides with endpoints the VPC already has: call the endpoint's own name.
        privateDnsEnabled: false,
      });
      // DnsEntries: "<hosted zone id>:<name>", the regional name first (EC2 API, VpcEndpoint).
      return `https://${Fn.select(1, Fn.split(':', Fn.select(0, endpoint.vpcEndpointDnsEntries)))}`;
    };
    this.environment = {
      [ROTATION_ENV.secretsManagerEndpoint]: endpointUrl('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
      [ROTATION_ENV.elastiCacheEndpoint]: endpointUrl('ElastiCache', ec2.InterfaceVpcEndpointAwsService.ELASTICACHE),
    };
  }

  /** Lets one function reach the endpoints (and only them) on port 443. */
  public admit(fnSecurityGroup: ec2.SecurityGroup, description: string): void {
    this.securityGroup.connections.allowFrom(fnSecurityGroup, ec2.Port.tcp(443), description);
  }
}

/**
 * Every Secrets Manager action (Service Authorization Reference, "Actions defined by AWS Secrets
 * Manager"), by prefix. Not `secretsmanager:*`: the HIPAA, NIST and PCI packs'
 * IAMPolicyNoStatementsWithFullAccess reads `service:*` anywhere before an Allow as full access,
 * even in a Deny.
 */
const EVERY_SECRETS_MANAGER_ACTION = [
  'BatchGet*', 'Cancel*', 'Create*', 'Delete*', 'Describe*', 'Get*', 'List*', 'Put*', 'Remove*', 'Replicate*', 'Restore*',
  'Rotate*', 'Stop*', 'Tag*', 'Untag*', 'Update*', 'Validate*',
].map((action) => `secretsmanager:${action}`);

/**
 * The secret's ARN; for a secret imported by name (partial ARN), that ARN with the `-??????` that
 * matches the six random characters Secrets Manager appends. It names the one secret in the
 * function's policy, its invoke permission and its environment.
 */
function secretArnPattern(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * Only Secrets Manager, rotating this secret in this account, may invoke the function
 * (confused-deputy protection: `SourceAccount` and `SourceArn`, Secrets Manager user guide,
 * "Permissions for rotation Lambda functions"; Lambda matches `SourceArn` with `ArnLike`, so the
 * `?` of a partial ARN match one character each).
 */
function restrictInvokeToAccount(fn: lambda.Function, stack: Stack, secret: secretsmanager.ISecret): void {
  for (const child of fn.node.children) {
    if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
      child.sourceAccount = stack.account;
      child.sourceArn = secretArnPattern(secret);
    }
  }
}
