import { ConnectionError, GlideClusterClient, TimeoutError, TimeUnit } from '@valkey/valkey-glide';
import { CacheConnectionOptions, connectCache, ValkeyClient } from './connection';
import {
  DurableWriteOptions, SessionCommands, SessionStore, SessionStoreEnvironment, sessionStoreEndpoint, sessionStoreFromEnvironment,
  WaitUndeliveredError,
} from './session-store';

/**
 * `SessionCommands` over a Valkey GLIDE client, standalone or cluster.
 *
 * In cluster mode WAIT goes to the primary of `key`'s slot, the node that took the write. Left to
 * itself, GLIDE follows WAIT's command tips (`COMMAND INFO WAIT`: `request_policy:all_shards`,
 * `response_policy:agg_min`): it would wait on every shard and report the smallest count, so a
 * write would be reported unacknowledged whenever any other shard is short of replicas (after a
 * failover, until a new replica has synced), and a slow replica anywhere would delay every write.
 *
 * A WAIT is undeliverable right after a failover: GLIDE (2.5, in test/patterns/failover.test.ts)
 * keeps the dead primary in its slot map for the slots it has not been redirected for yet; a keyed
 * write reaches the new primary through another node, but the WAIT, routed by slot, cannot be sent
 * and times out; once the old primary is back as a replica, it answers that WAIT cannot be used
 * on a replica.
 */
export function glideSessionCommands(client: ValkeyClient): SessionCommands {
  const set = async (key: string, value: string, ttlSeconds: number, condition: 'onlyIfDoesNotExist' | 'onlyIfExists') =>
    (await client.set(key, value, { expiry: { type: TimeUnit.Seconds, count: ttlSeconds }, conditionalSet: condition })) !== null;
  return {
    setIfAbsent: (key, value, ttlSeconds) => set(key, value, ttlSeconds, 'onlyIfDoesNotExist'),
    setIfPresent: (key, value, ttlSeconds) => set(key, value, ttlSeconds, 'onlyIfExists'),
    async getAndExpire(key, ttlSeconds) {
      const reply = await client.getex(key, { expiry: { type: TimeUnit.Seconds, duration: ttlSeconds } });
      return reply === null ? null : reply.toString();
    },
    async get(key) {
      const reply = await client.get(key);
      return reply === null ? null : reply.toString();
    },
    expire: (key, ttlSeconds) => client.expire(key, ttlSeconds),
    delete: async (key) => (await client.del([key])) > 0,
    async waitForReplicas(key, replicas, timeoutMs) {
      try {
        return client instanceof GlideClusterClient
          ? Number(await client.customCommand(['WAIT', String(replicas), String(timeoutMs)], { route: { type: 'primarySlotKey', key } }))
          : await client.wait(replicas, timeoutMs);
      } catch (error) {
        if (error instanceof TimeoutError || error instanceof ConnectionError || /WAIT cannot be used with replica/i.test(String(error))) {
          throw new WaitUndeliveredError(`WAIT for ${key} could not reach its primary: ${String(error)}`, { cause: error });
        }
        throw error;
      }
    },
  };
}

/** Options of `openSessionStore`. */
export interface OpenSessionStoreOptions {
  /** From `readSessionStoreEnvironment()`. */
  readonly environment: SessionStoreEnvironment;
  /**
   * The secret string of `environment.secretArn`, fetched by the caller (Secrets Manager's
   * `GetSecretValue`, the Parameters and Secrets Lambda extension, or a test value); with `auth`
   * `iam`, a fresh IAM auth token for `environment.username` and `environment.cacheName`
   * (`createIamAuthToken` of examples/iam-auth, with `serverless: environment.serverless`), valid
   * 15 minutes for opening connections.
   */
  readonly secretValue: string;
  /** Connection settings that override the environment's (timeouts, a test CA). */
  readonly connection?: Partial<CacheConnectionOptions>;
  readonly durable?: DurableWriteOptions;
}

/** A session store with the client it opened; close the client at shutdown. */
export interface OpenedSessionStore {
  readonly sessions: SessionStore;
  readonly client: ValkeyClient;
}

/**
 * Connects as `SessionStoreCache.grantSessionAccess` configured the application: the endpoint,
 * TLS, the token (plain text on nodes) or the RBAC user's password (JSON on serverless), cluster
 * mode, TTL and key prefix.
 */
export async function openSessionStore(options: OpenSessionStoreOptions): Promise<OpenedSessionStore> {
  const { environment } = options;
  const client = await connectCache({
    ...sessionStoreEndpoint(environment, options.secretValue),
    ...options.connection,
  });
  return { sessions: sessionStoreFromEnvironment(environment, glideSessionCommands(client), options.durable), client };
}
