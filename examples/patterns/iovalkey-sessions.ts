import { Cluster } from 'iovalkey';
import { connectIovalkey, IovalkeyClient, IovalkeyConnectionOptions } from './iovalkey';
import {
  DurableWriteOptions, SessionCommands, SessionStore, SessionStoreEnvironment, sessionStoreEndpoint, sessionStoreFromEnvironment,
  WaitUndeliveredError,
} from './session-store';

/**
 * `SessionCommands` over an iovalkey client, for functions whose bundle cannot carry GLIDE's
 * native core.
 *
 * Durable writes (`WAIT`) need the standalone client: iovalkey's cluster client sends a command
 * without a key to any node, and a `WAIT` must reach the primary that took the write. A cluster
 * store that needs them uses `glideSessionCommands`, which routes `WAIT` by the key's slot.
 */
export function iovalkeySessionCommands(client: IovalkeyClient): SessionCommands {
  return {
    setIfAbsent: async (key, value, ttlSeconds) => (await client.set(key, value, 'EX', ttlSeconds, 'NX')) !== null,
    setIfPresent: async (key, value, ttlSeconds) => (await client.set(key, value, 'EX', ttlSeconds, 'XX')) !== null,
    getAndExpire: (key, ttlSeconds) => client.getex(key, 'EX', ttlSeconds),
    get: (key) => client.get(key),
    expire: async (key, ttlSeconds) => (await client.expire(key, ttlSeconds)) === 1,
    delete: async (key) => (await client.del(key)) > 0,
    async waitForReplicas(key, replicas, timeoutMs) {
      if (client instanceof Cluster) {
        throw new Error(`Durable session writes (WAIT after writing ${key}) need the standalone iovalkey client or glideSessionCommands: `
          + "iovalkey's cluster client cannot send WAIT to the key's primary.");
      }
      try {
        return Number(await client.call('WAIT', String(replicas), String(timeoutMs)));
      } catch (error) {
        // The write was applied; a connection lost before WAIT's reply leaves its replication unknown.
        if (/Connection is closed|Command timed out|Stream isn't writeable/i.test(String(error))) {
          throw new WaitUndeliveredError(`WAIT for ${key} could not reach its primary: ${String(error)}`, { cause: error });
        }
        throw error;
      }
    },
  };
}

/** A session store over iovalkey with the client it opened; close the client with `disconnect()`. */
export interface OpenedIovalkeySessionStore {
  readonly sessions: SessionStore;
  readonly client: IovalkeyClient;
}

/**
 * Connects with iovalkey as `SessionStoreCache.grantSessionAccess` configured the application, like
 * `openSessionStore` does with GLIDE: the endpoint, TLS, the AUTH token (plain text), an RBAC
 * user's password (JSON) or, with `SESSION_STORE_AUTH=iam`, an IAM auth token as `secretValue`.
 *
 * @param options.secretValue the secret string of `environment.secretArn`, or the IAM auth token
 * @param options.connection settings that override the environment's (timeouts, a test CA)
 */
export async function openIovalkeySessionStore(options: {
  readonly environment: SessionStoreEnvironment;
  readonly secretValue: string;
  readonly connection?: Partial<IovalkeyConnectionOptions>;
  readonly durable?: DurableWriteOptions;
}): Promise<OpenedIovalkeySessionStore> {
  const { environment } = options;
  const client = await connectIovalkey({
    ...sessionStoreEndpoint(environment, options.secretValue),
    ...options.connection,
  });
  return { sessions: sessionStoreFromEnvironment(environment, iovalkeySessionCommands(client), options.durable), client };
}
