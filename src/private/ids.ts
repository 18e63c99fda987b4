import { createHash } from 'crypto';
import { Aws, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { isLiteral, PropsValidator, quote } from './validation';

/**
 * A lowercase id that ElastiCache accepts, derived from the construct path: letters, digits and
 * single hyphens, starting with a letter, ending in a hash of the stack name and the construct
 * path, so that it is unique per account and region even for two apps with the same construct
 * tree deployed under different stack names.
 */
export function defaultCacheId(scope: IConstruct, maxLength: number): string {
  const stackName = Stack.of(scope).stackName;
  const seed = `${Token.isUnresolved(stackName) ? '' : stackName}/${scope.node.path}`;
  const hash = createHash('sha256').update(seed).digest('hex').slice(0, 8);
  const base = pathWords(scope).slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
  return `${base}-${hash}`;
}

/**
 * Checks an ElastiCache identifier (replication group id, cluster id): letters, digits and
 * hyphens, starting with a letter, no two hyphens in a row, no trailing hyphen
 * (CreateReplicationGroup / CreateCacheCluster API reference).
 */
export function validateCacheId(v: PropsValidator, propName: string, id: string | undefined, maxLength: number): void {
  if (!isLiteral(id)) return;
  v.check(id.length < 1 || id.length > maxLength, `${propName} ${quote(id)} has ${id.length} characters; ElastiCache allows 1 to ${maxLength}.`);
  v.check(!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(id),
    `${propName} ${quote(id)} must start with a letter and contain only letters, digits and hyphens.`);
  v.check(id.includes('--') || id.endsWith('-'),
    `${propName} ${quote(id)} must not contain two hyphens in a row or end with a hyphen.`);
}

/**
 * `<base>-<suffix>` within `maxLength`: a long base is shortened from the middle, keeping its
 * last 8 characters (the hash of `defaultCacheId`), so that ids derived from different bases stay
 * different.
 */
export function derivedId(base: string, suffix: string, maxLength: number): string {
  const room = maxLength - suffix.length - 1;
  if (!isLiteral(base) || base.length <= room) return `${base}-${suffix}`;
  const tail = base.slice(-8).replace(/^-+/, '');
  const head = base.slice(0, room - tail.length - 1).replace(/-+$/, '');
  return `${head}-${tail}-${suffix}`;
}

/**
 * The first 8 hexadecimal digits of the stack's UUID (`AWS::StackId`), as a token. A stack that
 * is deleted and created again under the same name gets a new UUID, so that names carrying it do
 * not collide with resources that the first stack retained (RemovalPolicy.RETAIN, log groups).
 */
export function stackUuidFragment(): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
}

/**
 * A physical name that changes whenever a create-only property changes:
 * `<words of the construct path>-<hash>-<stack uuid fragment>`, within `maxLength`.
 *
 * CloudFormation replaces a resource when a create-only property changes, by creating the new
 * one first; a resource whose name stays the same cannot be replaced, and the update fails
 * (CloudFormation user guide, "Name type"). The hash covers the stack name, the construct path
 * and the values of `createOnly()` as they appear in the template (tokens resolved to their
 * `Ref`/`Fn::GetAtt`), so a change of any of them gives a new name, and the replacement succeeds.
 * The values are read when the template is synthesized, after every property has been set.
 *
 * The result is a token: use the resource's `Ref` wherever the name is needed.
 */
export function replacementAwareName(scope: IConstruct, maxLength: number, createOnly: () => unknown): string {
  const stackName = Stack.of(scope).stackName;
  // 8 hex digits of the hash, 8 of the stack UUID, two hyphens.
  const room = maxLength - 18;
  const words = pathWords(scope).slice(0, room).replace(/-+$/, '');
  const hash = Lazy.string({
    produce: () => {
      const values = Stack.of(scope).resolve(createOnly());
      const seed = JSON.stringify([Token.isUnresolved(stackName) ? '' : stackName, scope.node.path, values]);
      return createHash('sha256').update(seed).digest('hex').slice(0, 8);
    },
  });
  return Fn.join('-', [words, hash, stackUuidFragment()]);
}

/** The construct path below the stack as lowercase words joined by hyphens, starting with a letter. */
function pathWords(scope: IConstruct): string {
  const words = scope.node.scopes.slice(1)
    .map((s) => s.node.id.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .filter((w) => w.length > 0);
  const base = words.join('-');
  return /^[a-z]/.test(base) ? base : `cache-${base}`;
}

/**
 * The name of the final backup of a serverless cache. Backup names are unique per account and
 * Region, and ElastiCache refuses to delete a cache whose final backup name is taken. A derived
 * cache name changes with every replacement and carries the stack UUID, so each cache gets its
 * own backup name. A given name is fixed: the stack UUID then keeps the backups of two creations
 * of the stack apart. (Not the cache's `Ref`: a resource cannot refer to itself.)
 */
export function finalSnapshotName(cacheName: string, nameIsGiven: boolean): string {
  return nameIsGiven ? Fn.join('-', [cacheName, 'final', stackUuidFragment()]) : Fn.join('-', [cacheName, 'final']);
}
