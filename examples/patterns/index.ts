export { CacheAside } from './cache-aside';
export type { CacheAsideOptions, CacheAsideStats, Loader } from './cache-aside';
export { jitteredTtlMs, jsonCodec, lazyCacheStore } from './cache-store';
export { valkeyCacheStore } from './glide-cache-store';
export type { CachedValueOptions, CacheSetOptions, CacheStore, ValueCodec } from './cache-store';
export { CacheConnectionError, connectCache, credentialsFromSecret, setValkeyClientLogLevel } from './connection';
export type { CacheConnectionFailure, CacheConnectionOptions, CacheCredentials, CacheEndpointOptions, ValkeyClient } from './connection';
export { connectIovalkey, iovalkeyCacheStore } from './iovalkey';
export type { IovalkeyClient, IovalkeyConnectionOptions } from './iovalkey';
export { describeError, jsonConsoleLogger } from './logger';
export type { PatternLogger } from './logger';
export {
  HashRing, MAX_RELATIVE_EXPTIME_SECONDS, memcachedCacheStore, MemcachedClient, MemcachedError, memcachedExptime, parseClusterConfig,
  parseMemcachedEndpoint,
} from './memcached';
export type { ClusterConfig, ClusterNode, MemcachedClientOptions, MemcachedClientStats, MemcachedEndpoint, MemcachedFailure } from './memcached';
export { glideSessionCommands, openSessionStore } from './glide-sessions';
export type { OpenedSessionStore, OpenSessionStoreOptions } from './glide-sessions';
export { iovalkeySessionCommands, openIovalkeySessionStore } from './iovalkey-sessions';
export type { OpenedIovalkeySessionStore } from './iovalkey-sessions';
export { readSessionStoreEnvironment, SessionStore, sessionStoreEndpoint, sessionStoreFromEnvironment, WaitUndeliveredError } from './session-store';
export type {
  CreatedSession, DurableWriteOptions, ReplicationResult, SessionCommands, SessionStoreAuth, SessionStoreEnvironment, SessionStoreOptions,
  SessionWriteResult,
} from './session-store';
export { SingleFlight } from './single-flight';
export type { SingleFlightStats } from './single-flight';
export { WriteThrough } from './write-through';
export type { Persist, WriteThroughOptions, WriteThroughStats } from './write-through';
