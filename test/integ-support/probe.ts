/**
 * The function the integration tests deploy in the cache's VPC and invoke from their assertions.
 * It connects the way an application does (TLS, the AUTH token or a user's password read from
 * Secrets Manager, or an IAM token it signs), writes a key with a TTL, reads it back, and says
 * what it saw. It never returns or logs secret material: only booleans, counts and the secret's
 * version id.
 *
 * Configuration, from the environment:
 * - `SESSION_STORE_*`, as `SessionStoreCache.grantSessionAccess()` sets them, or
 * - `CACHE_ENGINE` (`redis` | `memcached`), `CACHE_HOST`, `CACHE_PORT`, `CACHE_CLUSTER_MODE`,
 *   `CACHE_AUTH` (`token` | `password` | `iam`), `CACHE_SECRET_ARN`, `CACHE_SECRET_FIELD`,
 *   `CACHE_USERNAME`, `CACHE_NAME` (the replication group id that an IAM token is signed for);
 * - `CACHE_CA_CERTIFICATE`: a PEM to trust instead of the system's roots, for the tests of the
 *   probe against local servers with a private CA. Never set on AWS: ElastiCache's certificates
 *   chain to Amazon's public roots.
 */
import * as net from 'net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createIamAuthToken } from '../../examples/iam-auth/iam-auth-token';
import { type CacheCredentials, credentialsFromSecret } from '../../examples/patterns/connection-common';
import { connectIovalkey } from '../../examples/patterns/iovalkey';
import { MemcachedClient } from '../../examples/patterns/memcached';

/** What an assertion sends. */
export interface ProbeEvent {
  /** The key to write (a fresh one per invocation keeps runs apart). */
  readonly key: string;
  /**
   * Fail unless the secret's `AWSCURRENT` version is this one: the `VersionId` that
   * `RotateSecret` returned, so that the invocation passes only once the rotation finished.
   */
  readonly requireSecretVersion?: string;
}

/** What the probe saw; the assertions match on it. */
export interface ProbeResult {
  readonly engine: 'redis' | 'memcached';
  readonly auth: string;
  /** The value read back equals the value written. */
  readonly roundTrip: boolean;
  /** Redis: `TTL` right after `SET ... EX 300` is in (0, 300]. Memcached: the key is gone after its TTL. */
  readonly ttlHonoured: boolean;
  /** A plain-text (non-TLS) connection got no answer to PING / `version`. */
  readonly plaintextRefused: boolean;
  /** The secret version that authenticated, if a secret was read. */
  readonly secretVersionId?: string;
}

interface ProbeConfig {
  readonly engine: 'redis' | 'memcached';
  readonly host: string;
  readonly port: number;
  readonly clusterMode: boolean;
  readonly auth: string;
  readonly secretArn?: string;
  readonly secretField?: string;
  readonly username?: string;
  readonly cacheName?: string;
  readonly serverless: boolean;
  readonly caCertificate?: string;
}

function readConfig(env: NodeJS.ProcessEnv): ProbeConfig {
  const sessionStore = env.SESSION_STORE_HOST !== undefined;
  const get = (name: string): string | undefined => env[`${sessionStore ? 'SESSION_STORE' : 'CACHE'}_${name}`];
  const host = get('HOST');
  const port = Number(get('PORT'));
  if (!host || !Number.isInteger(port)) {
    throw new Error('The probe needs CACHE_HOST and CACHE_PORT (or SESSION_STORE_HOST and SESSION_STORE_PORT).');
  }
  return {
    engine: sessionStore ? 'redis' : (env.CACHE_ENGINE === 'memcached' ? 'memcached' : 'redis'),
    host,
    port,
    clusterMode: get('CLUSTER_MODE') === 'true',
    auth: get('AUTH') ?? 'none',
    secretArn: get('SECRET_ARN'),
    secretField: get('SECRET_FIELD'),
    username: get('USERNAME'),
    cacheName: get('CACHE_NAME') ?? env.CACHE_NAME,
    serverless: get('SERVERLESS') === 'true',
    caCertificate: env.CACHE_CA_CERTIFICATE,
  };
}

async function readCredentials(config: ProbeConfig, event: ProbeEvent): Promise<{ credentials?: CacheCredentials; versionId?: string }> {
  if (config.auth === 'iam') {
    const token = await createIamAuthToken({
      cacheName: config.cacheName!,
      userId: config.username!,
      region: process.env.AWS_REGION!,
      serverless: config.serverless,
      credentials: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: process.env.AWS_SESSION_TOKEN,
      },
    });
    return { credentials: { username: config.username, password: token } };
  }
  if (!config.secretArn) return {};
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: config.secretArn, VersionStage: 'AWSCURRENT' }));
  if (event.requireSecretVersion && secret.VersionId !== event.requireSecretVersion) {
    throw new Error(`The secret's AWSCURRENT version is ${JSON.stringify(secret.VersionId)}, not yet the rotated ${JSON.stringify(event.requireSecretVersion)}.`);
  }
  const credentials = credentialsFromSecret(secret.SecretString ?? '', {
    jsonField: config.secretField,
    username: config.auth === 'password' ? config.username : undefined,
  });
  return { credentials, versionId: secret.VersionId };
}

/**
 * Opens a plain TCP connection and sends `probe`: true when no reply starting with `expected`
 * arrives within `timeoutMs` (the server closed the connection, or waited for a TLS handshake).
 */
export function plaintextRefused(host: string, port: number, probe: string, expected: string, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (refused: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(refused);
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(probe));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.startsWith(expected)) done(false);
    });
    socket.on('error', () => done(true));
    socket.on('close', () => done(!reply.startsWith(expected)));
  });
}

async function probeRedis(config: ProbeConfig, event: ProbeEvent): Promise<ProbeResult> {
  const { credentials, versionId } = await readCredentials(config, event);
  const client = await connectIovalkey({
    host: config.host,
    port: config.port,
    tls: true,
    caCertificate: config.caCertificate,
    credentials,
    clusterMode: config.clusterMode,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 2000,
    clientName: 'integ-probe',
  });
  try {
    const value = `value-${Date.now()}`;
    await client.set(event.key, value, 'EX', 300);
    const read = await client.get(event.key);
    const ttl = await client.ttl(event.key);
    await client.del(event.key);
    return {
      engine: 'redis',
      auth: config.auth,
      roundTrip: read === value,
      ttlHonoured: ttl > 0 && ttl <= 300,
      plaintextRefused: await plaintextRefused(config.host, config.port, 'PING\r\n', '+PONG'),
      secretVersionId: versionId,
    };
  } finally {
    client.disconnect();
  }
}

async function probeMemcached(config: ProbeConfig, event: ProbeEvent): Promise<ProbeResult> {
  const client = await MemcachedClient.connect({
    configurationEndpoint: { host: config.host, port: config.port },
    tls: true,
    caCertificate: config.caCertificate,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 2000,
    refreshIntervalMs: 0,
  });
  try {
    const value = `value-${Date.now()}`;
    const stored = await client.set(event.key, value, 300_000);
    const read = await client.get(event.key);
    // Memcached has no TTL command: a key written with a 2-second TTL must be gone after 3.
    const shortKey = `${event.key}:short`;
    await client.set(shortKey, value, 2000);
    const beforeExpiry = await client.get(shortKey);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const afterExpiry = await client.get(shortKey);
    await client.delete(event.key);
    return {
      engine: 'memcached',
      auth: 'none',
      roundTrip: stored && read === value,
      ttlHonoured: beforeExpiry === value && afterExpiry === null,
      plaintextRefused: await plaintextRefused(config.host, config.port, 'version\r\n', 'VERSION'),
    };
  } finally {
    client.close();
  }
}

/** The Lambda entry point. */
export async function handler(event: ProbeEvent): Promise<ProbeResult> {
  if (typeof event?.key !== 'string' || !/^[A-Za-z0-9:_-]{1,100}$/.test(event.key)) {
    throw new Error('The event needs a "key" of 1 to 100 letters, digits, ":", "_" or "-".');
  }
  const config = readConfig(process.env);
  return config.engine === 'memcached' ? probeMemcached(config, event) : probeRedis(config, event);
}
