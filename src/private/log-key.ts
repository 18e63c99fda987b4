import { ArnFormat, Fn, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * The name of a log group the library creates, the one place where such names are made:
 * `/aws/vendedlogs/elasticache/<unique id of the log group's path>-<stack id's UUID>`.
 *
 * - Under `/aws/vendedlogs/`: ElastiCache's log delivery adds to a CloudWatch Logs resource policy
 *   limited to 5,120 characters, except for log groups under that prefix (CloudWatch Logs user
 *   guide, "Enabling logging from AWS services").
 * - Known before the log group exists, so that the key policy can name the group's ARN although
 *   the group depends on the key (a `GetAtt` of the group's ARN in the key policy is a cycle).
 * - Never a fixed physical name: the UUID of the stack id differs for each stack created, so a
 *   group kept after its stack was deleted never blocks a new one, and the path's unique id keeps
 *   the name stable across updates.
 */
export function logGroupName(scope: Construct, id: string): string {
  return `${logGroupNamePrefix(scope, id)}${Fn.select(2, Fn.split('/', Stack.of(scope).stackId))}`;
}

/** The part of `logGroupName` that is known at synth: all but the stack id's UUID. */
function logGroupNamePrefix(scope: Construct, id: string): string {
  return `/aws/vendedlogs/elasticache/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}-${id}-`;
}

/** Options of an encrypted log group. */
export interface EncryptedLogGroupOptions {
  readonly retention: logs.RetentionDays;
  /** RETAIN unless DESTROY: logs are evidence, and never snapshotted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A log group encrypted with `key`, named by `logGroupName`, whose ARN the key policy lists for
 * CloudWatch Logs.
 */
export function createEncryptedLogGroup(scope: Construct, id: string, key: kms.IKey, options: EncryptedLogGroupOptions): logs.LogGroup {
  const name = logGroupName(scope, id);
  const stack = Stack.of(scope);
  // A key of another stack cannot name this stack's id (the stacks would reference each other):
  // its policy names the group by the prefix of its name.
  const sameStack = Stack.of(key) === stack;
  allowLogsToUseKey(scope, key, stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: sameStack ? name : `${logGroupNamePrefix(scope, id)}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }));
  return new logs.LogGroup(scope, id, {
    logGroupName: name,
    retention: options.retention,
    encryptionKey: key,
    removalPolicy: options.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  });
}

/** The log group ARNs that CloudWatch Logs may use each key for. */
const logGroupArnsOfKey = new WeakMap<kms.IKey, string[]>();

/**
 * Lets CloudWatch Logs of this account and Region use the key for the named log group only (an
 * ARN, or a pattern for a key of another stack).
 * CloudWatch Logs encrypts a log group with a customer managed key only if the key policy allows
 * the service, and passes the group's ARN as encryption context, which the key policy may require
 * with `kms:EncryptionContext:aws:logs:arn` (CloudWatch Logs user guide, "Encrypt log data in
 * CloudWatch Logs using AWS KMS"). One statement per key lists every such group. An imported
 * key's policy cannot be changed from here: its owner must allow the service.
 */
export function allowLogsToUseKey(scope: Construct, key: kms.IKey, logGroupArn: string): void {
  const known = logGroupArnsOfKey.get(key);
  if (known) {
    known.push(logGroupArn);
    return;
  }
  const arns = [logGroupArn];
  logGroupArnsOfKey.set(key, arns);
  const stack = Stack.of(scope);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchLogsForTheLibrarysLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Lazy.list({ produce: () => arns }) },
    },
  }));
}
