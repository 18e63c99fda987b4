export { CacheAside } from './cache-aside';
export type { CacheAsideOptions, CacheAsideStats, Loader } from './cache-aside';
export { jitteredTtlMs, jsonCodec, valkeyCacheStore } from './cache-store';
export type { CachedValueOptions, CacheSetOptions, CacheStore, ValueCodec } from './cache-store';
export { CacheConnectionError, connectCache, credentialsFromSecret, setValkeyClientLogLevel } from './connection';
export type { CacheConnectionFailure, CacheConnectionOptions, CacheCredentials, ValkeyClient } from './connection';
export { describeError, jsonConsoleLogger } from './logger';
export type { PatternLogger } from './logger';
export { openSessionStore, readSessionStoreEnvironment, SessionStore } from './session-store';
export type {
  CreatedSession, DurableWriteOptions, OpenedSessionStore, OpenSessionStoreOptions, ReplicationResult, SessionStoreEnvironment,
  SessionStoreOptions, SessionWriteResult,
} from './session-store';
export { SingleFlight } from './single-flight';
export type { SingleFlightStats } from './single-flight';
export { WriteThrough } from './write-through';
export type { Persist, WriteThroughOptions, WriteThroughStats } from './write-through';
