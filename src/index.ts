export { AuthToken, GeneratedAuthTokenOptions } from './auth-token';
export { CacheEndpoint } from './cache-endpoint';
export { CacheEngine, CacheEngineVersion, CacheEngineVersionOptions } from './cache-engine-version';
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
