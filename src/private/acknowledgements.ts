import { CfnResource, Validations } from 'aws-cdk-lib';

/**
 * One policy rule that the library acknowledges on one kind of its own resources: a rule that no
 * configuration of that resource can satisfy, with the reason and the AWS documentation it rests on.
 */
export interface LibraryAcknowledgement {
  /**
   * The finding ids as cdk-nag reports them: the rule id, and for AwsSolutions-IAM5 the exact
   * finding (`AwsSolutions-IAM5[Resource::*]`), never the whole rule.
   */
  readonly ids: string[];
  /** The one resource the acknowledgement is written on. */
  readonly resource: string;
  /** Why no configuration satisfies the rule. */
  readonly reason: string;
  /** The AWS documentation the reason rests on. */
  readonly source: string;
}

/**
 * The ONE table of what the library acknowledges on its own resources. Every acknowledgement in
 * the library is written through `acknowledge()` with an entry of this table; the tests assert
 * that the acknowledgements found in any app are exactly these, and docs/policy-checks.md lists them.
 */
export const ACKNOWLEDGEMENTS = {
  /**
   * Lambda needs `ec2:DescribeNetworkInterfaces` and `ec2:DescribeSubnets` for a function in a
   * VPC, and neither supports resource-level permissions. The other EC2 actions of the policy are
   * limited by `ec2:Subnet`/`ec2:Vpc` conditions to the function's subnets and VPC, and name the
   * subnets and the security group; a network interface has no ARN until Lambda creates it.
   */
  rotationPolicyWildcard: {
    ids: ['AwsSolutions-IAM5[Resource::*]'],
    resource: 'the customer managed policy of each rotation function',
    reason: 'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, which Lambda needs for a function in a VPC, have no '
      + 'resource-level permissions and work only on Resource "*". The other EC2 actions are limited to the function\'s '
      + 'subnets, security group and VPC by resource ARNs and the ec2:Subnet and ec2:Vpc condition keys.',
    source: 'Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC" (required IAM permissions); '
      + 'Service Authorization Reference, "Actions, resources, and condition keys for Amazon EC2"',
  },
  /**
   * A dead-letter queue receives only the events of failed asynchronous invocations; Secrets
   * Manager invokes a rotation function synchronously and records a failed rotation itself.
   */
  rotationFunctionDeadLetterQueue: {
    ids: ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ'],
    resource: 'each rotation function',
    reason: 'A dead-letter queue only receives events of failed asynchronous invocations. Secrets Manager invokes the '
      + 'rotation function synchronously, once per rotation step, and marks a failed rotation on the secret itself: a queue '
      + 'would never receive a message. Failures raise the construct\'s rotation-failure alarm (the function\'s Errors metric).',
    source: 'Lambda developer guide, "Adding a dead-letter queue" (asynchronous invocation); Secrets Manager user guide, '
      + '"Lambda rotation functions" and "Troubleshoot rotation"',
  },
  /**
   * Reserved concurrency needs unreserved concurrency to spare, which accounts at the minimum
   * quota do not have; Secrets Manager runs one rotation step at a time.
   */
  rotationFunctionConcurrency: {
    ids: ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency'],
    resource: 'each rotation function, unless reservedConcurrentExecutions is set',
    reason: 'Secrets Manager invokes the rotation function for one step of one secret at a time, so its concurrency '
      + 'cannot run away. Reserving concurrency fails the deployment in accounts whose concurrency quota is at its '
      + 'minimum (every new account): set reservedConcurrentExecutions in the rotation options where the quota allows it.',
    source: 'Lambda developer guide, "Configuring reserved concurrency" (Lambda keeps 100 units unreserved); '
      + 'Secrets Manager user guide, "Lambda rotation functions"',
  },
  /**
   * cdk-nag's AEC6 looks only for `AuthToken`, which ElastiCache rejects together with a user
   * group; the user group is what authenticates clients.
   */
  userGroupAuthentication: {
    ids: ['AwsSolutions-AEC6'],
    resource: 'a replication group whose clients authenticate as RBAC or IAM users',
    reason: 'Clients authenticate as the RBAC or IAM users of the group\'s user group. ElastiCache rejects an AUTH token '
      + 'together with a user group, and AEC6 only recognizes AUTH tokens.',
    source: 'ElastiCache user guide, "Role-Based Access Control (RBAC)" and "Authenticating with the Valkey and Redis OSS AUTH command"',
  },
} satisfies Record<string, LibraryAcknowledgement>;

/** The name of one entry of the table. */
export type AcknowledgementName = keyof typeof ACKNOWLEDGEMENTS;

/**
 * Acknowledges the findings of one table entry on one CloudFormation resource (not its subtree).
 *
 * @param detail what names the resource's case, appended to the reason (e.g. the users)
 */
export function acknowledge(resource: CfnResource, name: AcknowledgementName, detail?: string): void {
  const entry: LibraryAcknowledgement = ACKNOWLEDGEMENTS[name];
  const reason = `${entry.reason}${detail ? ` ${detail}` : ''} Source: ${entry.source}.`;
  Validations.of(resource).acknowledge(...entry.ids.map((id) => ({ id, reason })));
}
