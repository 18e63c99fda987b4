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
 * The name of a log group that the library creates, the one place where such names are made:
 * `/aws/vendedlogs/elasticache/<stack name>/<construct path words>-<hash>-<stack uuid>/<log type>`,
 * for the cache's logs (`slow-log`, `engine-log`) and the rotation function's (`rotation`).
 *
 * - Under `/aws/vendedlogs/`: see `VENDED_LOGS_PREFIX`.
 * - Unique per account and Region: the stack name and the hash of the stack name and construct
 *   path tell constructs apart, and the stack UUID tells two creations of one stack apart, so that
 *   a stack created again does not collide with the log groups its predecessor retained.
 * - Stable for the life of the stack and the construct, so a replaced cache keeps logging into the
 *   same groups.
 * - Known before the group exists, so that the key policy can name the group's ARN although the
 *   group depends on the key (a `GetAtt` of the group's ARN in the key policy would be a cycle).
 *
 * A token (it carries the stack UUID).
 */
export function logGroupName(scope: IConstruct, logType: string): string {
  return Fn.join('', [staticPrefix(scope), stackUuidFragment(), `/${logType}`]);
}

/**
 * The ARN pattern of every log group that `scope` creates, known at synth (without the stack
 * UUID): what the policy of a key in another stack can name without referring to this stack.
 */
export function logGroupArnPattern(scope: IConstruct): string {
  return logGroupArn(scope, `${staticPrefix(scope)}*`);
}

/** The ARN of a log group of `scope`'s account and Region. */
export function logGroupArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function staticPrefix(scope: IConstruct): string {
  const stackName = Stack.of(scope).stackName;
  const stackPart = Token.isUnresolved(stackName) ? '' : `${stackName}/`;
  return `${VENDED_LOGS_PREFIX}elasticache/${stackPart}${defaultCacheId(scope, 100)}-`;
}
