import { Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { logGroupArn, logGroupArnPattern, logGroupName } from './log-groups';

/** Options of an encrypted log group. */
export interface EncryptedLogGroupOptions {
  readonly retention: logs.RetentionDays;
  /** RETAIN unless DESTROY: logs are evidence, and never snapshotted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The log group `id` of `scope`, for `logType`, encrypted with `key`, named by `logGroupName`,
 * whose ARN the key policy lists for CloudWatch Logs.
 */
export function createEncryptedLogGroup(scope: Construct, id: string, logType: string, key: kms.IKey,
  options: EncryptedLogGroupOptions): logs.LogGroup {
  const name = logGroupName(scope, logType);
  // A key of another stack cannot name this stack's id (the stacks would reference each other):
  // its policy names the group by the part of its name known at synth.
  const sameStack = Stack.of(key) === Stack.of(scope);
  allowLogsToUseKey(scope, key, sameStack ? logGroupArn(scope, name) : logGroupArnPattern(scope));
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
export function allowLogsToUseKey(scope: Construct, key: kms.IKey, groupArn: string): void {
  const known = logGroupArnsOfKey.get(key);
  if (known) {
    // The log groups of one construct share one pattern when the key is in another stack.
    const stack = Stack.of(scope);
    const text = (arn: string) => JSON.stringify(stack.resolve(arn));
    if (!known.some((arn) => text(arn) === text(groupArn))) known.push(groupArn);
    return;
  }
  const arns = [groupArn];
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
