import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SingleFlight } from '../patterns/single-flight';

/** Reads the current value (`AWSCURRENT`) of a secret as a string. */
export type SecretFetcher = (secretId: string) => Promise<string>;

/**
 * A `SecretFetcher` over Secrets Manager's `GetSecretValue`. The Lambda runtime provides the SDK
 * and the function's role the credentials; the client is created at the first read.
 * Errors name the secret, never its value.
 */
export function secretsManagerFetcher(client?: SecretsManagerClient): SecretFetcher {
  let secretsManager = client;
  return async (secretId) => {
    secretsManager ??= new SecretsManagerClient({});
    const response = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof response.SecretString !== 'string') {
      throw new Error(`The secret ${secretId} has no string value (a binary secret?): a secret string was expected.`);
    }
    return response.SecretString;
  };
}

/**
 * The secrets of one execution environment: each is read once and kept, and read again only
 * when asked to (after the database or the cache rejected its value, which a rotation changes).
 * Concurrent readers of one secret share one read.
 */
export class SecretCache {
  private readonly values = new Map<string, Promise<string>>();
  private readonly refreshes = new SingleFlight();

  constructor(private readonly fetch: SecretFetcher) {}

  /** The kept value, or a first read. A failed read is not kept: the next call reads again. */
  public get(secretId: string): Promise<string> {
    let value = this.values.get(secretId);
    if (!value) {
      value = this.fetch(secretId);
      this.values.set(secretId, value);
      value.catch(() => {
        if (this.values.get(secretId) === value) this.values.delete(secretId);
      });
    }
    return value;
  }

  /** Reads the secret again and keeps the new value. */
  public refresh(secretId: string): Promise<string> {
    return this.refreshes.run(secretId, async () => {
      const value = await this.fetch(secretId);
      this.values.set(secretId, Promise.resolve(value));
      return value;
    });
  }
}
