import { Arn, ArnFormat, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { validateCacheId } from './ids';
import { isLiteral, PropsValidator, quote } from './validation';
import type { SecureRedisClusterAttributes } from '../secure-redis-cluster';

/** ReplicationGroupId and user ids: 1 to 40 characters (CreateReplicationGroup / CreateUser API reference). */
const MAX_ID_LENGTH = 40;

/**
 * What an imported replication group was given. Only `replicationGroupId` is always known:
 * `fromReplicationGroupId()` knows nothing else.
 */
export type ImportedGroupFacts = Omit<SecureRedisClusterAttributes, 'port' | 'securityGroups' | 'authTokenSecret'> & {
  readonly port?: number;
};

/**
 * The rules of an import: what ElastiCache allows for the group it describes, so that a typo
 * fails at synth instead of producing an ARN, a metric or a grant that names nothing.
 */
export function validateImportedGroup(v: PropsValidator, facts: ImportedGroupFacts): void {
  validateCacheId(v, 'replicationGroupId', facts.replicationGroupId, MAX_ID_LENGTH);
  const port = facts.port;
  v.check(port !== undefined && !Token.isUnresolved(port) && (!Number.isInteger(port) || port < 1 || port > 65535),
    `port must be an integer from 1 to 65535, got ${quote(port)}. Give the port the group listens on.`);
  v.integerInRange('shards', facts.shards, 1, 500, 'Give the number of shards the group has.');
  v.integerInRange('replicasPerShard', facts.replicasPerShard, 0, 5, 'Give the number of read replicas in each shard.');
  const clusterMode = facts.clusterMode ?? false;
  // Cluster mode off means one shard, with a primary and a reader endpoint; cluster mode on means
  // a configuration endpoint only (ElastiCache user guide, "Finding connection endpoints").
  v.check(!clusterMode && facts.shards !== undefined && !Token.isUnresolved(facts.shards) && facts.shards > 1,
    `shards is ${quote(facts.shards)} but clusterMode is not set. A group with more than one shard runs in cluster mode: add clusterMode: true.`);
  v.check(!clusterMode && facts.configurationEndpointAddress !== undefined,
    'configurationEndpointAddress is given but clusterMode is not set. Only groups in cluster mode have a configuration endpoint: add clusterMode: true.');
  for (const prop of ['primaryEndpointAddress', 'readerEndpointAddress'] as const) {
    v.check(clusterMode && facts[prop] !== undefined,
      `${prop} is given but clusterMode is true. A group in cluster mode has only a configuration endpoint: give configurationEndpointAddress instead.`);
  }
  for (const [prop, address] of [
    ['primaryEndpointAddress', facts.primaryEndpointAddress],
    ['readerEndpointAddress', facts.readerEndpointAddress],
    ['configurationEndpointAddress', facts.configurationEndpointAddress],
  ] as const) {
    v.check(isLiteral(address) && (address.trim() !== address || address.length === 0 || address.includes(':')),
      `${prop} ${quote(address)} is not a host name. Give the endpoint's DNS name without the port (the port is given on its own).`);
  }
  validateIamUserNames(v, 'iamUserNames', facts.iamUserNames ?? []);
}

/** IAM users: the user id equals the user name (ElastiCache user guide, "Authenticating with IAM"); ids are lowercase. */
export function validateIamUserNames(v: PropsValidator, what: string, names: string[]): void {
  for (const name of names) {
    validateCacheId(v, `${what} entry`, name, MAX_ID_LENGTH);
    v.check(isLiteral(name) && /[A-Z]/.test(name),
      `${what} entry ${quote(name)} must be lowercase: an IAM user's name is its id, and ElastiCache user ids are lowercase. Use ${quote(name.toLowerCase())}.`);
  }
  const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
  v.check(duplicates.length > 0, `${what} lists ${[...new Set(duplicates)].map(quote).join(', ')} more than once. List each user once.`);
}

/** An ElastiCache resource as its ARN names it: `replicationgroup` with `<id>`, `serverlesscache` with `<name>`. */
export interface ArnResourceType {
  /** The property that holds the ARN, for messages. */
  readonly prop: string;
  /** The resource type in the ARN. */
  readonly type: string;
  /** What the resource is, for messages: "a replication group". */
  readonly what: string;
  /** The placeholder of the resource name, for messages: "<id>". */
  readonly placeholder: string;
}

/**
 * Checks an ARN of `resource`: `arn:<partition>:elasticache:<region>:<account>:<type>:<name>`
 * (Service Authorization Reference, "Resource types defined by Amazon ElastiCache"). An ARN from
 * a token is left to CloudFormation.
 */
export function validateElastiCacheArn(v: PropsValidator, resource: ArnResourceType, arn: string | undefined): void {
  v.check(isLiteral(arn) && !new RegExp(`^arn:[a-z-]+:elasticache:[a-z0-9-]+:\\d{12}:${resource.type}:[a-zA-Z][a-zA-Z0-9-]*$`).test(arn),
    `${resource.prop} ${quote(arn)} is not the ARN of ${resource.what}. Give arn:<partition>:elasticache:<region>:<account>:${resource.type}:${resource.placeholder}.`);
}

/** The resource name in an ElastiCache ARN (`...:<type>:<name>`), a token when the ARN is one. */
export function resourceNameOfArn(arn: string): string {
  return Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName ?? '';
}

/** The error of an attribute that an import was not given, naming the construct, the import to use and the fix. */
export function missingAttribute(scope: IConstruct, importMethod: string, attribute: string, usedFor: string, alternative?: string): Error {
  return new Error(`[${scope.node.path}] was imported without ${attribute}, so it has no ${usedFor}. `
    + `Import it with ${importMethod}() and give ${attribute}${alternative ? `, or ${alternative}` : ''}.`);
}

/**
 * `elasticache:Connect` on the replication group and the users, in the grantee's identity policy:
 * IAM authentication needs both resources in the policy (ElastiCache user guide, "Authenticating
 * with IAM").
 */
export function grantConnectOn(grantee: iam.IGrantable, replicationGroupArn: string, userArns: string[]): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['elasticache:Connect'],
    resourceArns: [replicationGroupArn, ...userArns],
  });
}
