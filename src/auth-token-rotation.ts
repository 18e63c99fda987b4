import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Interface endpoints of Secrets Manager and ElastiCache that already exist in the VPC.
 */
export interface ExistingRotationEndpoints {
  /**
   * An interface endpoint of Secrets Manager (`com.amazonaws.<region>.secretsmanager`) with
   * private DNS enabled, in the VPC of the cache.
   */
  readonly secretsManager: ec2.IInterfaceVpcEndpoint;

  /**
   * An interface endpoint of the ElastiCache API (`com.amazonaws.<region>.elasticache`) with
   * private DNS enabled, in the VPC of the cache.
   */
  readonly elastiCache: ec2.IInterfaceVpcEndpoint;
}

/**
 * How the AUTH token rotation function reaches the Secrets Manager and ElastiCache APIs from
 * inside the VPC.
 */
export class RotationVpcEndpoints {
  /**
   * Creates a Secrets Manager and an ElastiCache interface endpoint, shared by the rotation
   * functions of the construct, whatever the subnets' route out: the functions' security groups
   * then allow HTTPS to these endpoints only, never to 0.0.0.0/0 (no security group rule can name
   * an AWS API otherwise). The same as `create()`.
   */
  public static automatic(): RotationVpcEndpoints {
    return new RotationVpcEndpoints(undefined, undefined);
  }

  /**
   * Creates a Secrets Manager and an ElastiCache interface endpoint, shared by the rotation
   * functions of the construct, in the functions' subnets (one per Availability Zone). Interface
   * endpoints are billed per endpoint and Availability Zone (AWS PrivateLink pricing): reuse
   * endpoints the VPC has with `fromEndpoints()`.
   *
   * They are created without private DNS, so they neither collide with endpoints that the VPC
   * already has nor change how other workloads in the VPC reach these services: the function
   * calls them by their endpoint-specific DNS names. Their security group admits only the
   * function, on port 443.
   */
  public static create(): RotationVpcEndpoints {
    return new RotationVpcEndpoints(true, undefined);
  }

  /**
   * Uses interface endpoints that exist already (with private DNS). Their security groups get
   * an ingress rule from the function on port 443.
   */
  public static fromEndpoints(endpoints: ExistingRotationEndpoints): RotationVpcEndpoints {
    return new RotationVpcEndpoints(false, endpoints);
  }

  /**
   * No endpoints: the function reaches the APIs through its subnets' route out (a NAT gateway,
   * or endpoints with private DNS that admit any source in the VPC). Its security group allows
   * HTTPS out to anywhere (0.0.0.0/0): choose this only to save the endpoints' cost where that
   * egress is acceptable.
   */
  public static none(): RotationVpcEndpoints {
    return new RotationVpcEndpoints(false, undefined);
  }

  /** Whether to create endpoints: `undefined` (automatic) creates them too. */
  public readonly createEndpoints?: boolean;
  /** The endpoints to use, for `fromEndpoints`. */
  public readonly endpoints?: ExistingRotationEndpoints;

  private constructor(createEndpoints?: boolean, endpoints?: ExistingRotationEndpoints) {
    this.createEndpoints = createEndpoints;
    this.endpoints = endpoints;
  }
}

/**
 * How a secret that the library generates is rotated: the AUTH token of a replication group, the
 * passwords of RBAC password users, the password of a serverless session store's user.
 */
export interface SecretRotationOptions {
  /**
   * Time between two rotations, from 4 hours to 1000 days in whole hours. A token stays valid
   * for one such period after it was replaced: clients must read the secret again within it.
   *
   * @default Duration.days(30)
   */
  readonly schedule?: Duration;

  /**
   * Whether Secrets Manager rotates as soon as the rotation schedule is created or changed
   * (after the replication group is available), instead of waiting for the schedule.
   *
   * @default true
   */
  readonly rotateImmediatelyOnUpdate?: boolean;

  /**
   * How the function reaches the Secrets Manager and ElastiCache APIs.
   *
   * @default RotationVpcEndpoints.automatic(): a Secrets Manager and an ElastiCache interface
   * endpoint shared by the construct's rotation functions, also in subnets with a NAT gateway
   */
  readonly vpcEndpoints?: RotationVpcEndpoints;

  /**
   * The subnets of the rotation function (never public ones).
   *
   * @default - the subnets of the cache
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * How long the function's log group keeps its events.
   *
   * @default - the retention of the cache's logs (`logging.retention`), one year unless set
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Concurrent executions reserved for the function, 1 to 1000. Secrets Manager runs one step at
   * a time, so 1 is enough. Reserving concurrency fails the deploy in an account whose Lambda
   * concurrency limit is at its minimum (every new account): ask for a higher quota first.
   *
   * @default - none reserved: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * A customer managed policy that lets Lambda manage the VPC network interfaces of functions:
   * `ec2:CreateNetworkInterface`, `ec2:DescribeNetworkInterfaces`, `ec2:DescribeSubnets`,
   * `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses` and
   * `ec2:UnassignPrivateIpAddresses` (the EC2 actions of AWSLambdaVPCAccessExecutionRole).
   * Teams that keep one reviewed policy for all their VPC functions pass it here: the function's
   * role gets it attached, and the function's own policy then holds no wildcard.
   *
   * Two of these actions have no resource-level permissions, so such a policy always has
   * `Resource: *`, which AwsSolutions-IAM5 reports: acknowledge it on that policy, where it is
   * reviewed once, not on the library's.
   *
   * @default - the function's own policy holds these actions, on `*`
   */
  readonly networkInterfacesPolicy?: iam.IManagedPolicy;
}

/**
 * Whether and how the secrets that a construct generates rotate.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * new SecureRedisCluster(this, 'Cache', {
 *   vpc,
 *   secretRotation: SecretRotation.enabled({ schedule: Duration.days(7) }),
 * });
 */
export class SecretRotation {
  /**
   * Rotates the secrets with the rotation function that this library ships (bundled at build
   * time: no Docker, no bundling at deploy), one function per secret, in the cache's VPC.
   *
   * @param options schedule, network and function settings
   */
  public static enabled(options: SecretRotationOptions = {}): SecretRotation {
    return new SecretRotation(options);
  }

  /**
   * No rotation. AwsSolutions-SMG4 and the HIPAA Security and NIST 800-53 R5
   * `SecretsManagerRotationEnabled` rules then report every secret the construct generates, and
   * the construct warns so (`cdk-secure-elasticache:secretRotationDisabled`).
   */
  public static disabled(): SecretRotation {
    return new SecretRotation(undefined);
  }

  /** The rotation settings; undefined when rotation is off. */
  public readonly options?: SecretRotationOptions;

  private constructor(options?: SecretRotationOptions) {
    this.options = options;
  }

  /** Whether the secrets rotate. */
  public get isEnabled(): boolean {
    return this.options !== undefined;
  }
}
