export { AuthToken, type GeneratedAuthTokenOptions } from './auth-token';
export { type ExistingRotationEndpoints, RotationVpcEndpoints, SecretRotation, type SecretRotationOptions } from './auth-token-rotation';
export {
  AccessString,
  CacheAuthentication,
  CacheUser,
  CacheUserAuthenticationType,
  type IamUserOptions,
  type PasswordUserOptions,
} from './cache-authentication';
export { CacheEndpoint } from './cache-endpoint';
export { type CacheUserAttributes, CacheUserGroup, type CacheUserGroupAttributes, type ICacheUserGroup } from './cache-user-group';
export { CacheEngine, CacheEngineVersion, type CacheEngineVersionOptions } from './cache-engine-version';
export { ElastiCacheChecks, type ElastiCacheChecksProps } from './elasticache-checks';
export { MemcachedEngineVersion, type MemcachedEngineVersionOptions } from './memcached-engine-version';
export {
  type CacheLogging,
  type CacheMetricOptions,
  type GroupMetricOptions,
  type ISecureRedisCluster,
  NodeAggregation,
  type RecommendedAlarmsOptions,
  SecureRedisCluster,
  type SecureRedisClusterAttributes,
  SecureRedisClusterBase,
  type SecureRedisClusterProps,
  TransitEncryptionMode,
} from './secure-redis-cluster';
export {
  type CacheUsageLimits,
  type ISecureServerlessCache,
  SecureServerlessCache,
  type SecureServerlessCacheAttributes,
  SecureServerlessCacheBase,
  type SecureServerlessCacheProps,
  type ServerlessAlarmsOptions,
} from './secure-serverless-cache';
export {
  type ISessionStoreCache,
  type NodeBasedSessionStoreOptions,
  type ServerlessSessionStoreOptions,
  SessionStoreCache,
  type SessionStoreCacheProps,
  SessionStoreConsumer,
  SessionStoreDeployment,
} from './session-store-cache';
export {
  type IShardedMemcached,
  type MemcachedAlarmsOptions,
  type MemcachedMetricOptions,
  ShardedMemcached,
  type ShardedMemcachedAttributes,
  ShardedMemcachedBase,
  type ShardedMemcachedProps,
} from './sharded-memcached';
