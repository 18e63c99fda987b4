import { ArnFormat, Fn, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { defaultCacheId, stackUuidFragment } from './ids';

/**
 * The prefix of the log groups that ElastiCache delivers to. Log delivery to CloudWatch Logs
 * adds the log group to an account-wide resource policy of at most 5,120 characters, except for
 * log groups whose names start with `/aws/vendedlogs/` (CloudWatch Logs user guide, "Enabling
 * logging from AWS services", logs sent to CloudWatch Logs): naming them there keeps delivery
 * working in accounts with many log groups.
 */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/';

/**
 * The name of the log group that the construct `scope` creates for `logType` (e.g. `slow-log`):
 * `/aws/vendedlogs/elasticache/<stack name>/<construct path words>-<hash>-<stack uuid>/<log type>`.
 *
 * Unique per account and Region: the stack name and the hash of the stack name and construct
 * path tell constructs apart, and the stack UUID tells two creations of one stack apart, so that
 * a stack created again does not collide with the log groups its predecessor retained. It stays
 * the same for the life of the stack and the construct, so a replaced cache keeps logging into
 * the same groups. A token (it carries the stack UUID).
 */
export function cacheLogGroupName(scope: IConstruct, logType: string): string {
  return Fn.join('', [cacheLogGroupNamePrefix(scope), logType]);
}

/**
 * What the names of every log group that `scope` creates start with, ending in `/`. The KMS key
 * policy that lets CloudWatch Logs use the cache's key can be scoped to the ARNs under it.
 */
export function cacheLogGroupNamePrefix(scope: IConstruct): string {
  const stackName = Stack.of(scope).stackName;
  const stackPart = Token.isUnresolved(stackName) ? '' : `${stackName}/`;
  return Fn.join('', [`${VENDED_LOGS_PREFIX}elasticache/${stackPart}${defaultCacheId(scope, 100)}-`, stackUuidFragment(), '/']);
}

/** The ARN pattern of every log group that `scope` creates (`arn:...:log-group:<prefix>*`). */
export function cacheLogGroupArnPattern(scope: IConstruct): string {
  return Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: Fn.join('', [cacheLogGroupNamePrefix(scope), '*']),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
