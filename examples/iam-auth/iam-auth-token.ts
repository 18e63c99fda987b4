/**
 * IAM authentication tokens for ElastiCache (Valkey 7.2+, Redis OSS 7.0+).
 *
 * A client that connects as an IAM-enabled user sends `AUTH <user-id> <token>`, where the token is
 * a SigV4-presigned request `GET http://<cache-name>/?Action=connect&User=<user-id>` for the
 * service `elasticache`, without its `http://` scheme (ElastiCache user guide, "Authenticating
 * with IAM"). A token is valid for 15 minutes, for opening connections; ElastiCache closes a
 * connection opened with IAM after 12 hours, so long-lived clients reconnect (or send AUTH again)
 * with a fresh token before then.
 */
import { createHash, createHmac, Hash, Hmac } from 'crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';

/** The longest validity ElastiCache accepts, in seconds. */
export const MAX_TOKEN_VALIDITY_SECONDS = 900;

/** How long before the 12-hour limit a client should renew its connection, in milliseconds. */
export const RECONNECT_BEFORE_MS = 11 * 60 * 60 * 1000;

export interface IamAuthTokenOptions {
  /** The replication group id, or the serverless cache name: the host of the signed request. */
  readonly cacheName: string;
  /** The IAM-enabled user (its id equals its name). */
  readonly userId: string;
  /** The cache's Region. */
  readonly region: string;
  /** The caller's credentials, e.g. from `fromNodeProviderChain()` of `@aws-sdk/credential-providers`. */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Whether the cache is an ElastiCache Serverless cache. */
  readonly serverless?: boolean;
  /** Token validity in seconds, at most 900. */
  readonly expiresInSeconds?: number;
  /** The signing time (tests). */
  readonly signingDate?: Date;
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf-8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 and HMAC-SHA256 from Node's crypto, in the shape the SigV4 signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** RFC 3986 encoding, as SigV4 wants it. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Creates a token for `AUTH <userId> <token>`. */
export async function createIamAuthToken(options: IamAuthTokenOptions): Promise<string> {
  const expiresIn = options.expiresInSeconds ?? MAX_TOKEN_VALIDITY_SECONDS;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_TOKEN_VALIDITY_SECONDS) {
    throw new Error(`expiresInSeconds must be an integer from 1 to ${MAX_TOKEN_VALIDITY_SECONDS}, got ${expiresIn}.`);
  }
  const signer = new SignatureV4({
    service: 'elasticache',
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const query: Record<string, string> = { Action: 'connect', User: options.userId };
  if (options.serverless) {
    query.ResourceType = 'ServerlessCache';
  }
  const presigned = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: options.cacheName, path: '/', query, headers: { host: options.cacheName } },
    { expiresIn, signingDate: options.signingDate },
  );
  const signedQuery = Object.entries(presigned.query ?? {})
    .map(([key, value]) => `${encode(key)}=${encode(String(value))}`)
    .join('&');
  return `${options.cacheName}/?${signedQuery}`;
}
