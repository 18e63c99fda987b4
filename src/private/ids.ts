import { createHash } from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
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
  const words = scope.node.scopes.slice(1)
    .map((s) => s.node.id.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .filter((w) => w.length > 0);
  let base = words.join('-');
  if (!/^[a-z]/.test(base)) base = `cache-${base}`;
  base = base.slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
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
