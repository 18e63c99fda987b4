import { MEMCACHED_RULES } from './memcached';
import { REPLICATION_GROUP_RULES } from './replication-group';
import { SECURITY_GROUP_RULES } from './security-groups';
import { SERVERLESS_CACHE_RULES } from './serverless-cache';
import { SNAPSHOT_RULES } from './snapshots';
import { CheckRule } from './template';
import { USER_RULES } from './users';

/** Every rule of the pack, in the order of docs/policy-pack.md and rules/elasticache.guard. */
export const ALL_RULES: CheckRule[] = [
  ...REPLICATION_GROUP_RULES,
  ...SERVERLESS_CACHE_RULES,
  ...MEMCACHED_RULES,
  ...USER_RULES,
  ...SECURITY_GROUP_RULES,
  ...SNAPSHOT_RULES,
];
