export { AuthToken, GeneratedAuthTokenOptions } from './auth-token';
export { CacheEndpoint } from './cache-endpoint';
export { CacheEngine, CacheEngineVersion, CacheEngineVersionOptions } from './cache-engine-version';
export { MemcachedEngineVersion, MemcachedEngineVersionOptions } from './memcached-engine-version';
export {
  CacheLogging,
  CacheMetricOptions,
  ISecureRedisCluster,
  RecommendedAlarmsOptions,
  SecureRedisCluster,
  SecureRedisClusterAttributes,
  SecureRedisClusterBase,
  SecureRedisClusterProps,
  TransitEncryptionMode,
} from './secure-redis-cluster';
export {
  IShardedMemcached,
  MemcachedAlarmsOptions,
  MemcachedMetricOptions,
  ShardedMemcached,
  ShardedMemcachedAttributes,
  ShardedMemcachedBase,
  ShardedMemcachedProps,
} from './sharded-memcached';
export {
  NodeBasedSessionStoreOptions,
  ServerlessSessionStoreOptions,
  SessionStoreCache,
  SessionStoreCacheProps,
  SessionStoreConsumer,
  SessionStoreDeployment,
} from './session-store-cache';
