import { TimeUnit } from '@valkey/valkey-glide';
import type { CacheStore } from './cache-store';
import type { ValkeyClient } from './connection';

/** A `CacheStore` over a Valkey GLIDE client, standalone or cluster. */
export function valkeyCacheStore(client: ValkeyClient): CacheStore {
  return {
    async get(key) {
      const value = await client.get(key);
      return value === null ? null : value.toString();
    },
    async set(key, value, options) {
      const reply = await client.set(key, value, {
        expiry: { type: TimeUnit.Milliseconds, count: Math.max(1, Math.round(options.ttlMs)) },
        ...(options.onlyIfAbsent ? { conditionalSet: 'onlyIfDoesNotExist' as const } : {}),
      });
      return reply !== null;
    },
    async delete(key) {
      await client.del([key]);
    },
  };
}
