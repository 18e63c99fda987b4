/**
 * Secrets Manager rotation function for the AUTH token of an ElastiCache (Valkey / Redis OSS)
 * replication group. Bundled into assets/ at build time; the Lambda runtime provides the AWS SDK.
 *
 * The four steps (Secrets Manager user guide, "Rotation function steps"):
 * - createSecret: a new token from a CSPRNG, with the length of the current one, as AWSPENDING.
 * - setSecret: if the group still accepts the token before the current one (AWSPREVIOUS), SET
 *   the current token so that it is the only one; then ROTATE to the pending token, so that the
 *   group accepts the current and the pending token (ElastiCache user guide, "Modifying the AUTH
 *   token on an existing cluster": ROTATE adds a token and keeps the previous one; ROTATE on a
 *   group that already has two drops the oldest; SET leaves only the given token).
 * - testSecret: AUTH with the pending token and PING over TLS.
 * - finishSecret: AUTH with the pending token once more, then move AWSCURRENT to it.
 *
 * So a token stays valid from the rotation that creates it until the rotation after the one that
 * replaces it: clients have one whole rotation period to read the new token. The secret is never
 * promoted to a token that the group does not accept.
 *
 * With `ROTATION_MODE=userPassword` the same steps rotate the password of one RBAC user, whose
 * secret is `{username, password, user_arn}`: createSecret keeps `username` and `user_arn`;
 * setSecret calls `ModifyUser` with `Passwords: [AWSCURRENT, AWSPENDING]` (a user holds up to two
 * passwords, and the list replaces the previous one, which drops AWSPREVIOUS) and waits until the
 * user is `active` and accepts the pending password; testSecret and finishSecret check
 * `AUTH <username> <password>` and `PING` over TLS.
 *
 * The function acts on one secret only (confused-deputy protection): the construct puts the
 * secret's ARN into the environment, and an event naming any other secret is refused before any
 * call. In `userPassword` mode the user name also comes from the environment; a secret whose
 * `username` names another user is refused. Secret values never appear in errors or logs.
 */
import { randomInt } from 'crypto';
import { isIP } from 'net';
import type { ConnectionOptions } from 'tls';
import {
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  ModifyUserCommand,
  ReplicationGroup,
  User,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Valkey } from 'iovalkey';
import { AUTH_TOKEN_SPECIAL_CHARACTERS } from './auth-token-chars';
import { ROTATION_ENV, ROTATION_MODES } from './auth-token-rotation-env';

/** The event Secrets Manager sends for each step. */
export interface RotationEvent {
  readonly Step: string;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken?: string;
}

/** The part of the Lambda context the function uses. */
export interface RotationContext {
  getRemainingTimeInMillis(): number;
}

/** What the construct tells the function through its environment. */
export interface RotationSettings {
  /**
   * The ARN of the one secret this function rotates; every event for another secret is refused.
   * A partial ARN (a secret imported by name) ends in `-??????`, the six random characters that
   * Secrets Manager appends.
   */
  readonly secretArn: string;
  readonly replicationGroupId: string;
  /** What is rotated. @default 'authToken' */
  readonly mode?: 'authToken' | 'userPassword';
  /** The RBAC user whose password is rotated, in `userPassword` mode. */
  readonly userId?: string;
  /**
   * That user's name, in `userPassword` mode: the function authenticates as this user, never as
   * a name read from the secret.
   */
  readonly userName?: string;
  readonly jsonField?: string;
  readonly cacheHost?: string;
  readonly cachePort?: number;
  readonly secretsManagerEndpoint?: string;
  readonly elastiCacheEndpoint?: string;
}

/** A host and port to connect to over TLS. */
export interface CacheAddress {
  readonly host: string;
  readonly port: number;
}

/** Time, injectable for the tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** One structured log line; token values are never logged. */
export type Logger = (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;

/**
 * Whether the cache accepts a token (or, with `username`, that user's password): true for `AUTH`
 * + `PING` answered, false for a rejected `AUTH`; throws when the cache cannot be reached or does
 * not answer in time.
 */
export type TokenCheck = (address: CacheAddress, token: string, username?: string) => Promise<boolean>;

/** Everything the handler talks to. */
export interface RotationDependencies {
  readonly settings: RotationSettings;
  readonly secretsManager: SecretsManagerClient;
  readonly elastiCache: ElastiCacheClient;
  readonly checkToken?: TokenCheck;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Time between two DescribeReplicationGroups (DescribeUsers) calls while waiting. @default 10 s */
  readonly pollIntervalMs?: number;
  /** Time kept back from the function timeout to fail with a clear message. @default 20 s */
  readonly safetyMarginMs?: number;
}

const AWSCURRENT = 'AWSCURRENT';
const AWSPENDING = 'AWSPENDING';
const AWSPREVIOUS = 'AWSPREVIOUS';

/** ElastiCache AUTH tokens: 16 to 128 characters (ElastiCache user guide, "AUTH"). */
export const MIN_TOKEN_LENGTH = 16;
export const MAX_TOKEN_LENGTH = 128;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** Letters, digits and the only punctuation ElastiCache allows in a token. */
export const TOKEN_ALPHABET = LETTERS + DIGITS + AUTH_TOKEN_SPECIAL_CHARACTERS;

/** Replication group states that will not become `available` by waiting. */
const HOPELESS_STATES = new Set(['deleting', 'deleted', 'create-failed']);
/** User states that will not become `active` by waiting. */
const HOPELESS_USER_STATES = new Set(['deleting', 'deleted']);

/**
 * A token of `length` characters drawn uniformly from `TOKEN_ALPHABET` with a cryptographically
 * secure generator, with at least one upper-case letter, one lower-case letter and one digit (the
 * user guide's advice of three character types; drawing again keeps the choice uniform among
 * such tokens).
 */
export function generateAuthToken(length: number, random: (max: number) => number = randomInt): string {
  if (!Number.isInteger(length) || length < MIN_TOKEN_LENGTH || length > MAX_TOKEN_LENGTH) {
    throw new Error(`An AUTH token has ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters, not ${length}.`);
  }
  for (;;) {
    let token = '';
    for (let i = 0; i < length; i++) {
      token += TOKEN_ALPHABET[random(TOKEN_ALPHABET.length)];
    }
    if (/[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token)) {
      return token;
    }
  }
}

/** Reads the settings the construct put into the environment. */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): RotationSettings {
  const secretArn = env[ROTATION_ENV.secretArn];
  if (!secretArn) {
    throw new Error(`${ROTATION_ENV.secretArn} is not set: this function rotates only the secret named there.`);
  }
  const replicationGroupId = env[ROTATION_ENV.replicationGroupId];
  if (!replicationGroupId) {
    throw new Error(`${ROTATION_ENV.replicationGroupId} is not set: this function only works as deployed by the library's secret rotation (secretRotation).`);
  }
  const modeText = env[ROTATION_ENV.mode] || ROTATION_MODES.authToken;
  if (modeText !== ROTATION_MODES.authToken && modeText !== ROTATION_MODES.userPassword) {
    throw new Error(`${ROTATION_ENV.mode} '${modeText}' is neither '${ROTATION_MODES.authToken}' nor '${ROTATION_MODES.userPassword}'.`);
  }
  const userId = env[ROTATION_ENV.userId] || undefined;
  if (modeText === ROTATION_MODES.userPassword && !userId) {
    throw new Error(`${ROTATION_ENV.userId} is not set: the userPassword mode rotates the password of that user.`);
  }
  const userName = env[ROTATION_ENV.userName] || undefined;
  if (modeText === ROTATION_MODES.userPassword && !userName) {
    throw new Error(`${ROTATION_ENV.userName} is not set: the userPassword mode authenticates as that user.`);
  }
  const portText = env[ROTATION_ENV.cachePort];
  const cachePort = portText ? Number(portText) : undefined;
  if (cachePort !== undefined && (!Number.isInteger(cachePort) || cachePort < 1 || cachePort > 65535)) {
    throw new Error(`${ROTATION_ENV.cachePort} '${portText}' is not a port number.`);
  }
  return {
    secretArn,
    replicationGroupId,
    mode: modeText,
    userId,
    userName,
    jsonField: env[ROTATION_ENV.jsonField] || undefined,
    cacheHost: env[ROTATION_ENV.cacheHost] || undefined,
    cachePort,
    secretsManagerEndpoint: env[ROTATION_ENV.secretsManagerEndpoint] || undefined,
    elastiCacheEndpoint: env[ROTATION_ENV.elastiCacheEndpoint] || undefined,
  };
}

/** Options of the TLS token check. */
export interface TlsTokenCheckOptions {
  /** Limit for connecting (TCP and TLS) and for each command. @default 5000 */
  readonly timeoutMs?: number;
  /** Extra TLS options, e.g. the CA of a test server. @default - Node's default CAs, which include Amazon's */
  readonly tls?: ConnectionOptions;
}

/**
 * Checks a token over TLS with `AUTH <token>` and `PING`, on a fresh connection that never
 * retries, so that a wrong token or a dead endpoint fails within `timeoutMs` (twice that at
 * worst) instead of hanging.
 */
export function tlsTokenCheck(options: TlsTokenCheckOptions = {}): TokenCheck {
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (address, token, username) => {
    const client = new Valkey({
      host: address.host,
      port: address.port,
      tls: { ...(isIP(address.host) ? {} : { servername: address.host }), ...options.tls },
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      // Close at once: the default waits 2 s for a 'close' that a failed socket never emits again.
      disconnectTimeout: 0,
    });
    // The awaited calls below fail with 'Connection is closed.'; the cause (refused, TLS
    // verification, timeout) comes as an 'error' event.
    let cause: unknown;
    client.on('error', (e: unknown) => { cause ??= e; });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${2 * timeoutMs} ms`)), 2 * timeoutMs);
    });
    try {
      return await Promise.race([deadline, (async () => {
        await client.connect();
        try {
          await (username === undefined ? client.auth(token) : client.auth(username, token));
        } catch (e) {
          if (isAuthRejection(e)) return false;
          throw e;
        }
        const pong = await client.ping();
        if (pong !== 'PONG') {
          throw new Error(`PING answered '${pong}'`);
        }
        return true;
      })()]);
    } catch (e) {
      const detail = cause !== undefined && cause !== e ? ` (${errorText(cause)})` : '';
      throw new Error(`Could not check a token against ${address.host}:${address.port} over TLS: ${errorText(e)}${detail}`);
    } finally {
      clearTimeout(timer);
      client.disconnect();
    }
  };
}

/** `WRONGPASS` (Valkey, Redis OSS 6+) or `ERR invalid password` (older engines). */
function isAuthRejection(e: unknown): boolean {
  const message = e instanceof Error ? e.message : '';
  return /^WRONGPASS\b/.test(message) || /^ERR invalid (username-)?password/i.test(message);
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  }
  return String(e);
}

function isNotFound(e: unknown): boolean {
  return (e as { name?: string } | undefined)?.name === 'ResourceNotFoundException';
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const jsonLog: Logger = (level, message, details) => {
  const line = JSON.stringify({ level, message, ...details });
  if (level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
};

/** The handler with its dependencies; `handler` below is the deployed one. */
export function createRotationHandler(deps: RotationDependencies): (event: RotationEvent, context: RotationContext) => Promise<void> {
  return async (event, context) => {
    const rotation = new Rotation(deps, event, context);
    await rotation.run();
  };
}

/**
 * Limits of one SDK request: the default Node.js handler has none, so a call that hangs would run
 * until the Lambda timeout (15 minutes) kills the function without a word. With the SDK's 3
 * attempts a call fails within about 2 minutes at worst, well before the function's deadline.
 */
export interface ApiTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

export const API_TIMEOUTS: ApiTimeouts = {
  /** TCP and TLS connection to the API endpoint. */
  connectionTimeoutMs: 5_000,
  /** Time without data on the socket once a request was sent. */
  requestTimeoutMs: 30_000,
  /** Attempts per call, the first included (the SDK's default). */
  maxAttempts: 3,
};

/** The configuration of the function's SDK clients: an endpoint if any, and the limits above. */
export function apiClientConfig(endpoint?: string, timeouts: ApiTimeouts = API_TIMEOUTS) {
  return {
    endpoint,
    maxAttempts: timeouts.maxAttempts,
    // The SDK builds its Node.js HTTP handler from these options (Smithy NodeHttpHandlerOptions).
    // Recent versions of that handler only warn when requestTimeout passes, unless
    // throwOnRequestTimeout is set; older ones always fail the request.
    requestHandler: { connectionTimeout: timeouts.connectionTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, throwOnRequestTimeout: true },
  };
}

/**
 * Whether the event's `SecretId` is the configured secret: the same ARN, or for a partial ARN
 * (ending in `-??????`) that ARN with any six-character suffix that Secrets Manager appends.
 */
export function isConfiguredSecret(configured: string, secretId: unknown): boolean {
  if (typeof secretId !== 'string') return false;
  if (configured.endsWith('-??????')) {
    const prefix = configured.slice(0, -'??????'.length);
    return secretId.length === configured.length && secretId.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(secretId.slice(prefix.length));
  }
  return secretId === configured;
}

let defaultHandler: ((event: RotationEvent, context: RotationContext) => Promise<void>) | undefined;

/** The Lambda entry point. */
export async function handler(event: RotationEvent, context: RotationContext): Promise<void> {
  if (!defaultHandler) {
    const settings = settingsFromEnvironment();
    defaultHandler = createRotationHandler({
      settings,
      secretsManager: new SecretsManagerClient(apiClientConfig(settings.secretsManagerEndpoint)),
      elastiCache: new ElastiCacheClient(apiClientConfig(settings.elastiCacheEndpoint)),
    });
  }
  await defaultHandler(event, context);
}

/** One invocation: one step of one rotation. */
class Rotation {
  private readonly settings: RotationSettings;
  private readonly sm: SecretsManagerClient;
  private readonly ec: ElastiCacheClient;
  private readonly checkToken: TokenCheck;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly deadline: number;
  private readonly secretId: string;
  private readonly version: string;
  private readonly step: string;

  constructor(deps: RotationDependencies, event: RotationEvent, context: RotationContext) {
    this.settings = deps.settings.mode === ROTATION_MODES.userPassword && !deps.settings.jsonField
      ? { ...deps.settings, jsonField: 'password' }
      : deps.settings;
    if (this.settings.mode === ROTATION_MODES.userPassword && (!this.settings.userId || !this.settings.userName)) {
      throw new Error('The userPassword mode needs the userId and userName of the user whose password is rotated.');
    }
    this.sm = deps.secretsManager;
    this.ec = deps.elastiCache;
    this.checkToken = deps.checkToken ?? tlsTokenCheck();
    this.clock = deps.clock ?? realClock;
    this.logger = deps.log ?? jsonLog;
    this.pollIntervalMs = deps.pollIntervalMs ?? 10_000;
    this.deadline = this.clock.now() + context.getRemainingTimeInMillis() - (deps.safetyMarginMs ?? 20_000);
    if (!event?.SecretId || !event.ClientRequestToken || !event.Step) {
      throw new Error('The event must have SecretId, ClientRequestToken and Step, as Secrets Manager sends them.');
    }
    // Confused-deputy protection: this function rotates one secret, whatever an event names.
    // Checked before any call, so that another secret is never read, written or acted upon.
    if (!isConfiguredSecret(this.settings.secretArn, event.SecretId)) {
      throw new Error(`Refused: this function rotates only the secret ${this.settings.secretArn}, `
        + `not ${JSON.stringify(String(event.SecretId).slice(0, 2048))}. Nothing was read or changed.`);
    }
    this.secretId = event.SecretId;
    this.version = event.ClientRequestToken;
    this.step = event.Step;
  }

  public async run(): Promise<void> {
    const metadata = await this.sm.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    if (metadata.ARN !== undefined && !isConfiguredSecret(this.settings.secretArn, metadata.ARN)) {
      throw new Error(`Refused: ${this.secretId} is the secret ${metadata.ARN}, but this function rotates only ${this.settings.secretArn}. Nothing was changed.`);
    }
    if (metadata.RotationEnabled === false) {
      throw new Error(`Secret ${this.secretId} is not enabled for rotation.`);
    }
    const stages = metadata.VersionIdsToStages?.[this.version];
    if (!stages) {
      throw new Error(`Secret version ${this.version} has no stage for rotation of secret ${this.secretId}.`);
    }
    if (stages.includes(AWSCURRENT)) {
      this.log('info', 'The version is already AWSCURRENT: nothing to do.');
      return;
    }
    if (!stages.includes(AWSPENDING)) {
      throw new Error(`Secret version ${this.version} is not AWSPENDING for rotation of secret ${this.secretId} (stages: ${stages.join(', ') || 'none'}).`);
    }
    switch (this.step) {
      case 'createSecret': return this.createSecret();
      case 'setSecret': return this.setSecret();
      case 'testSecret': return this.testSecret();
      case 'finishSecret': return this.finishSecret(metadata);
      default: throw new Error(`Unknown rotation step '${this.step}' for secret ${this.secretId}.`);
    }
  }

  private async createSecret(): Promise<void> {
    const currentString = await this.secretString({ VersionStage: AWSCURRENT });
    const current = this.readToken(currentString, 'AWSCURRENT');
    try {
      await this.sm.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionId: this.version, VersionStage: AWSPENDING }));
      this.log('info', 'The pending version already has a value: keeping it.');
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const length = Math.min(MAX_TOKEN_LENGTH, Math.max(MIN_TOKEN_LENGTH, current.length));
    const next = generateAuthToken(length);
    await this.sm.send(new PutSecretValueCommand({
      SecretId: this.secretId,
      ClientRequestToken: this.version,
      SecretString: this.writeToken(currentString, next),
      VersionStages: [AWSPENDING],
    }));
    this.log('info', 'Stored a new token as AWSPENDING.', { length });
  }

  private get isUserMode(): boolean {
    return this.settings.mode === ROTATION_MODES.userPassword;
  }

  /** Whether the cache accepts a token, or the user's password in `userPassword` mode. */
  private async accepts(address: CacheAddress, secret: string): Promise<boolean> {
    if (!this.isUserMode) {
      return this.checkToken(address, secret);
    }
    // The user name comes from the configuration, never from the secret.
    return this.checkToken(address, secret, this.settings.userName!);
  }

  private async setSecret(): Promise<void> {
    if (this.isUserMode) {
      return this.setUserPassword();
    }
    const pending = await this.token({ VersionId: this.version, VersionStage: AWSPENDING }, 'AWSPENDING');
    const current = await this.token({ VersionStage: AWSCURRENT }, 'AWSCURRENT');
    const previous = await this.previousToken();
    const address = await this.cacheAddress();

    await this.waitForGroup('before changing the token');
    if (await this.accepts(address, pending)) {
      // A retry after a ROTATE that took effect (e.g. the last attempt ran out of time waiting).
      this.log('info', 'The group already accepts the pending token.');
      return;
    }
    if (!(await this.accepts(address, current))) {
      throw new Error(`The replication group ${this.groupId} rejects the current token (AWSCURRENT) of secret ${this.secretId}: `
        + 'the secret and the group disagree, and rotating now would leave no token that clients have. Nothing was changed. '
        + 'Put the token the group accepts into AWSCURRENT (or change the group to the AWSCURRENT token), then rotate again.');
    }
    if (previous !== undefined && previous !== current && await this.accepts(address, previous)) {
      // The group holds AWSPREVIOUS and AWSCURRENT. SET leaves only AWSCURRENT, so that the ROTATE
      // below cannot drop it, whatever order ElastiCache keeps the two in.
      this.log('info', 'The group also accepts the previous token: SET the current token so that it is the only one.');
      await this.modify(current, 'SET');
      await this.waitForGroup('after SET of the current token', async () => !(await this.accepts(address, previous)));
    }
    await this.modify(pending, 'ROTATE');
    await this.waitForGroup('after ROTATE to the pending token', () => this.accepts(address, pending));
    if (!(await this.accepts(address, current))) {
      this.log('error', 'After ROTATE the group no longer accepts the current token: clients that have not read the new '
        + 'token fail until they do. The group held a token that no secret version knows (a rotation stopped by hand?).');
    }
    this.log('info', 'The group accepts the pending and the current token.');
  }

  /**
   * `ModifyUser` with the current and the pending password: both valid until the next rotation,
   * whose list (then current, new pending) drops this rotation's current one.
   */
  private async setUserPassword(): Promise<void> {
    const pending = await this.token({ VersionId: this.version, VersionStage: AWSPENDING }, 'AWSPENDING');
    const current = await this.token({ VersionStage: AWSCURRENT }, 'AWSCURRENT');
    const address = await this.cacheAddress();

    await this.waitForUser('before changing the passwords');
    if (await this.accepts(address, pending) && await this.accepts(address, current)) {
      // A retry after a ModifyUser that took effect (e.g. the last attempt ran out of time waiting).
      this.log('info', 'The user already accepts the pending and the current password.');
      return;
    }
    if (!(await this.accepts(address, current))) {
      throw new Error(`The user ${this.userId} rejects the current password (AWSCURRENT) of secret ${this.secretId}: `
        + 'the secret and the user disagree, and rotating now would leave no password that clients have. Nothing was changed. '
        + 'Put the password the user accepts into AWSCURRENT (or give the user the AWSCURRENT password), then rotate again.');
    }
    try {
      await this.ec.send(new ModifyUserCommand({ UserId: this.userId, Passwords: [current, pending] }));
    } catch (e) {
      throw new Error(`ModifyUser on ${this.userId} failed: ${errorText(e)}. Nothing was promoted: AWSCURRENT keeps the password clients use.`);
    }
    this.log('info', 'ModifyUser with the current and the pending password requested.');
    await this.waitForUser('after ModifyUser', () => this.accepts(address, pending));
    if (!(await this.accepts(address, current))) {
      this.log('error', 'After ModifyUser the user no longer accepts the current password: clients that have not read the new password fail until they do.');
    }
    this.log('info', 'The user accepts the pending and the current password.');
  }

  private get userId(): string {
    return this.settings.userId!;
  }

  /** Polls until the user is `active` and `settled` (if given) holds, or fails before the function would time out. */
  private async waitForUser(why: string, settled?: () => Promise<boolean>): Promise<User> {
    const started = this.clock.now();
    for (;;) {
      let users: User[] | undefined;
      try {
        users = (await this.ec.send(new DescribeUsersCommand({ UserId: this.userId }))).Users;
      } catch (e) {
        throw new Error(`DescribeUsers for ${this.userId} failed: ${errorText(e)}. Nothing was promoted.`);
      }
      const user = users?.[0];
      if (!user) {
        throw new Error(`DescribeUsers returned no user ${this.userId}. Nothing was promoted.`);
      }
      const status = user.Status ?? 'unknown';
      let state = `'${status}'`;
      if (status === 'active') {
        if (!settled || await settled()) return user;
        state = '\'active\' but not yet accepting the pending password';
      }
      if (HOPELESS_USER_STATES.has(status)) {
        throw new Error(`User ${this.userId} is '${status}' ${why}. Nothing was promoted.`);
      }
      if (this.clock.now() + this.pollIntervalMs > this.deadline) {
        const waited = Math.round((this.clock.now() - started) / 1000);
        throw new Error(`User ${this.userId} is still ${state} ${why}, after waiting ${waited} s; stopping before the function times out. `
          + 'Nothing was promoted: AWSCURRENT keeps the password clients use, and Secrets Manager retries the rotation.');
      }
      this.log('info', `Waiting for the user ${why}.`, { status });
      await this.clock.sleep(this.pollIntervalMs);
    }
  }

  private async testSecret(): Promise<void> {
    const pending = await this.token({ VersionId: this.version, VersionStage: AWSPENDING }, 'AWSPENDING');
    const address = await this.cacheAddress();
    await this.requireAccepted(address, pending, 'testSecret');
    const current = await this.token({ VersionStage: AWSCURRENT }, 'AWSCURRENT');
    const what = this.isUserMode ? 'password' : 'token';
    if (await this.accepts(address, current)) {
      this.log('info', `The pending ${what} works; the current ${what} still works too, until the next rotation.`);
    } else {
      this.log('warn', `The pending ${what} works, but the cache no longer accepts the current ${what}: clients that have not read the new ${what} fail until they do.`);
    }
  }

  private async finishSecret(metadata: DescribeSecretCommandOutput): Promise<void> {
    const pending = await this.token({ VersionId: this.version, VersionStage: AWSPENDING }, 'AWSPENDING');
    // finishSecret can also be invoked on its own: never promote a token the group rejects.
    await this.requireAccepted(await this.cacheAddress(), pending, 'finishSecret');
    const currentVersion = Object.entries(metadata.VersionIdsToStages ?? {})
      .find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
    await this.sm.send(new UpdateSecretVersionStageCommand({
      SecretId: this.secretId,
      VersionStage: AWSCURRENT,
      MoveToVersionId: this.version,
      RemoveFromVersionId: currentVersion,
    }));
    this.log('info', 'Moved AWSCURRENT to the new version.', { previousVersion: currentVersion });
  }

  private async requireAccepted(address: CacheAddress, token: string, step: string): Promise<void> {
    const who = this.isUserMode ? `user ${this.userId} of the replication group ${this.groupId}` : `replication group ${this.groupId}`;
    const what = this.isUserMode ? 'password' : 'token';
    if (!(await this.accepts(address, token))) {
      throw new Error(`${step}: the ${who} (${address.host}:${address.port}) rejects the pending ${what} `
        + `(version ${this.version}) of secret ${this.secretId}. It is not promoted: AWSCURRENT keeps the ${what} clients use. `
        + 'setSecret did not take effect; Secrets Manager retries the rotation from setSecret.');
    }
  }

  private get groupId(): string {
    return this.settings.replicationGroupId;
  }

  private async modify(token: string, strategy: 'SET' | 'ROTATE'): Promise<void> {
    try {
      await this.ec.send(new ModifyReplicationGroupCommand({
        ReplicationGroupId: this.groupId,
        AuthToken: token,
        AuthTokenUpdateStrategy: strategy,
        ApplyImmediately: true,
      }));
    } catch (e) {
      const hint = strategy === 'SET'
        ? ' ElastiCache refuses SET unless the token is the last one rotated in: the group\'s token was changed outside this function.'
        : '';
      throw new Error(`ModifyReplicationGroup ${strategy} on ${this.groupId} failed: ${errorText(e)}.${hint} `
        + 'Nothing was promoted: AWSCURRENT keeps the token clients use.');
    }
    this.log('info', `ModifyReplicationGroup ${strategy} requested.`);
  }

  /**
   * Polls until the group is `available` with no AUTH token change pending and `settled` (if
   * given) holds, or fails before the function would time out.
   */
  private async waitForGroup(why: string, settled?: () => Promise<boolean>): Promise<ReplicationGroup> {
    const started = this.clock.now();
    for (;;) {
      const group = await this.describeGroup();
      const status = group.Status ?? 'unknown';
      const tokenChange = group.PendingModifiedValues?.AuthTokenStatus;
      let state = tokenChange ? `'${status}' (AUTH token ${tokenChange})` : `'${status}'`;
      if (status === 'available' && !tokenChange) {
        if (!settled || await settled()) return group;
        state = '\'available\' but not yet applying the token change';
      }
      if (HOPELESS_STATES.has(status)) {
        throw new Error(`Replication group ${this.groupId} is '${status}' ${why}. Nothing was promoted.`);
      }
      if (this.clock.now() + this.pollIntervalMs > this.deadline) {
        const waited = Math.round((this.clock.now() - started) / 1000);
        throw new Error(`Replication group ${this.groupId} is still ${state} ${why}, after waiting ${waited} s; stopping before the function times out. `
          + 'Nothing was promoted: AWSCURRENT keeps the token clients use, and Secrets Manager retries the rotation.');
      }
      this.log('info', `Waiting for the replication group ${why}.`, { status, authTokenStatus: tokenChange });
      await this.clock.sleep(this.pollIntervalMs);
    }
  }

  private async describeGroup(): Promise<ReplicationGroup> {
    let groups: ReplicationGroup[] | undefined;
    try {
      groups = (await this.ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.groupId }))).ReplicationGroups;
    } catch (e) {
      throw new Error(`DescribeReplicationGroups for ${this.groupId} failed: ${errorText(e)}. Nothing was promoted.`);
    }
    const group = groups?.[0];
    if (!group) {
      throw new Error(`DescribeReplicationGroups returned no replication group ${this.groupId}. Nothing was promoted.`);
    }
    return group;
  }

  /** The endpoint the construct passed, else the one ElastiCache reports. */
  private async cacheAddress(): Promise<CacheAddress> {
    if (this.settings.cacheHost && this.settings.cachePort) {
      return { host: this.settings.cacheHost, port: this.settings.cachePort };
    }
    const group = await this.describeGroup();
    const endpoint = group.ConfigurationEndpoint ?? group.NodeGroups?.[0]?.PrimaryEndpoint;
    if (!endpoint?.Address || !endpoint.Port) {
      throw new Error(`Replication group ${this.groupId} reports no configuration or primary endpoint (status '${group.Status}').`);
    }
    return { host: endpoint.Address, port: endpoint.Port };
  }

  private async secretString(select: { VersionId?: string; VersionStage: string }): Promise<string> {
    const value = await this.sm.send(new GetSecretValueCommand({ SecretId: this.secretId, ...select }));
    if (value.SecretString === undefined) {
      throw new Error(`Secret ${this.secretId} (${select.VersionStage}) has no SecretString: the token must be stored as text.`);
    }
    return value.SecretString;
  }

  private async token(select: { VersionId?: string; VersionStage: string }, what: string): Promise<string> {
    return this.readToken(await this.secretString(select), what);
  }

  /** AWSPREVIOUS, or undefined when there is none (first rotation) or it does not hold a token. */
  private async previousToken(): Promise<string | undefined> {
    try {
      return await this.token({ VersionStage: AWSPREVIOUS }, 'AWSPREVIOUS');
    } catch (e) {
      if (!isNotFound(e)) {
        this.log('warn', 'AWSPREVIOUS holds no readable token; treating it as absent.', { error: errorText(e) });
      }
      return undefined;
    }
  }

  private readToken(secretString: string, what: string): string {
    const field = this.settings.jsonField;
    if (!field) {
      return secretString;
    }
    const parsed = this.parseSecret(secretString, what);
    const token = parsed[field];
    if (typeof token !== 'string') {
      throw new Error(`The ${what} value of secret ${this.secretId} has no string field '${field}' holding the token.`);
    }
    if (this.isUserMode && parsed.username !== this.settings.userName) {
      // The secret names another user than the one this function rotates: a changed secret, or
      // a secret that is not this user's. Either way, rotating it would act for the wrong user.
      throw new Error(`Refused: the ${what} value of secret ${this.secretId} is not for the user ${JSON.stringify(this.settings.userName)} `
        + `that this function rotates (its 'username' field is ${typeof parsed.username === 'string' ? JSON.stringify(parsed.username) : 'missing'}). Nothing was changed.`);
    }
    return token;
  }

  /**
   * The secret string as a JSON object. Never lets `JSON.parse`'s error through: its message
   * quotes the start of the input, which is secret material.
   */
  private parseSecret(secretString: string, what: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`The ${what} value of secret ${this.secretId} is not a JSON object, but the token is expected in its field '${this.settings.jsonField}'.`);
    }
    return parsed as Record<string, unknown>;
  }

  private writeToken(currentString: string, token: string): string {
    const field = this.settings.jsonField;
    return field ? JSON.stringify({ ...this.parseSecret(currentString, 'AWSCURRENT'), [field]: token }) : token;
  }

  private log(level: 'info' | 'warn' | 'error', message: string, details: Record<string, unknown> = {}): void {
    this.logger(level, message, {
      step: this.step,
      secretId: this.secretId,
      version: this.version,
      replicationGroupId: this.groupId,
      ...(this.isUserMode ? { userId: this.userId, userName: this.settings.userName } : {}),
      ...details,
    });
  }
}
