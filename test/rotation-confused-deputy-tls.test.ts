import {
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupCommandInput,
  ModifyUserCommand,
  ModifyUserCommandInput,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  DescribeSecretCommandInput,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RedisServer, RespClient } from './servers';
import { createRotationHandler, RotationSettings, tlsTokenCheck } from '../src/private/auth-token-rotation.lambda';

/**
 * The confused-deputy attack on the rotation function, replayed against a real redis-server with
 * TLS. The mocked ElastiCache API applies ModifyReplicationGroup and ModifyUser to that server,
 * as ElastiCache would, so the function changing a token is visible as the server accepting it.
 *
 * The attacker can read the group's token but not change it. They create a secret of their own
 * whose AWSCURRENT is the group's token and whose AWSPENDING is a token of their choice, and
 * invoke the function with an event naming that secret. Before the fix, the function ROTATEd the
 * group to the attacker's token (and a later SET would drop the real one), locking out the real
 * clients. In password mode the attacker's secret also named the user to authenticate as.
 */

const TOKEN = 'Real-token-0123456789abcdefghijklmnopqrstuvwxyz';
const NEW_TOKEN = 'Next-token-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ATTACKER_TOKEN = 'Attacker-token-0123456789abcdefghijklmnopqrstu';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-AbCdEf';
const ATTACKER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:not-the-cache-token-XyZ123';
const USER_ARN = 'arn:aws:elasticache:us-east-1:123456789012:user:local-test-app';
const TIMEOUT_MS = 1500;

const sm = mockClient(SecretsManagerClient);
const ec = mockClient(ElastiCacheClient);

let server: RedisServer;
/** Opened before the tokens change: an authenticated connection stays so when they do. */
let admin: RespClient;
const check = () => tlsTokenCheck({ timeoutMs: TIMEOUT_MS, tls: { ca: server.caPem } });
const address = () => ({ host: '127.0.0.1', port: server.port });

beforeAll(async () => {
  server = await RedisServer.start();
  admin = await server.connect();
});

afterAll(async () => {
  admin?.close();
  await server?.stop();
});

beforeEach(async () => {
  sm.reset();
  ec.reset();
  // The group's token, the application user's password, and a user the attacker controls.
  await admin.command('ACL', 'SETUSER', 'default', 'on', 'resetpass', `>${TOKEN}`);
  await admin.command('ACL', 'SETUSER', 'app', 'on', 'resetpass', `>${TOKEN}`, '~*', '+@all');
  await admin.command('ACL', 'SETUSER', 'mallory', 'on', 'resetpass', `>${ATTACKER_TOKEN}`, '~*', '+@all');
});

/** Secrets Manager with two secrets, each with AWSCURRENT (v0) and AWSPENDING (v1). */
function secrets(values: Record<string, { current: string; pending: string }>): void {
  sm.on(DescribeSecretCommand).callsFake(async (input: DescribeSecretCommandInput) => ({
    ARN: input.SecretId,
    RotationEnabled: true,
    VersionIdsToStages: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] },
  }));
  sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => {
    const secret = values[input.SecretId!];
    if (!secret || input.VersionStage === 'AWSPREVIOUS') {
      throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    }
    return { ARN: input.SecretId, SecretString: input.VersionStage === 'AWSPENDING' ? secret.pending : secret.current };
  });
}

/** ElastiCache whose modifications take effect on the local server at once. */
function elastiCacheOnTheServer(): void {
  ec.on(DescribeReplicationGroupsCommand).resolves({ ReplicationGroups: [{ Status: 'available' }] });
  ec.on(ModifyReplicationGroupCommand).callsFake(async (input: ModifyReplicationGroupCommandInput) => {
    // ROTATE adds a token; SET leaves only the given one.
    const reset = input.AuthTokenUpdateStrategy === 'SET' ? ['resetpass'] : [];
    await admin.command('ACL', 'SETUSER', 'default', ...reset, `>${input.AuthToken}`);
    return {};
  });
  ec.on(DescribeUsersCommand).resolves({ Users: [{ Status: 'active' }] });
  ec.on(ModifyUserCommand).callsFake(async (input: ModifyUserCommandInput) => {
    await admin.command('ACL', 'SETUSER', 'app', 'resetpass', ...input.Passwords!.map((p) => `>${p}`));
    return {};
  });
}

function functionFor(settings: RotationSettings) {
  const run = createRotationHandler({
    settings,
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    checkToken: check(),
    log: () => undefined,
    pollIntervalMs: 10,
  });
  return (step: string, secretId: string) => run({ Step: step, SecretId: secretId, ClientRequestToken: 'v1' }, { getRemainingTimeInMillis: () => 60_000 });
}

describe('AUTH token mode', () => {
  const invoke = () => functionFor({ secretArn: SECRET_ARN, replicationGroupId: 'local-test', cacheHost: '127.0.0.1', cachePort: server.port });

  test('control: for its own secret, setSecret changes the group\'s token on the server', async () => {
    secrets({ [SECRET_ARN]: { current: TOKEN, pending: NEW_TOKEN } });
    elastiCacheOnTheServer();
    await invoke()('setSecret', SECRET_ARN);
    await expect(check()(address(), NEW_TOKEN)).resolves.toBe(true);
  });

  test('an event naming the attacker\'s secret is refused at every step; the group keeps its token', async () => {
    secrets({ [SECRET_ARN]: { current: TOKEN, pending: NEW_TOKEN }, [ATTACKER_ARN]: { current: TOKEN, pending: ATTACKER_TOKEN } });
    elastiCacheOnTheServer();
    const step = invoke();
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await expect(step(name, ATTACKER_ARN)).rejects.toThrow(/^Refused: this function rotates only the secret .*cache-token-AbCdEf, not ".*not-the-cache-token-XyZ123"/);
    }
    expect(sm.calls()).toHaveLength(0);
    expect(ec.calls()).toHaveLength(0);
    await expect(check()(address(), TOKEN)).resolves.toBe(true);
    await expect(check()(address(), ATTACKER_TOKEN)).resolves.toBe(false);
  });
});

describe('user password mode', () => {
  const invoke = () => functionFor({
    secretArn: SECRET_ARN,
    replicationGroupId: 'local-test',
    mode: 'userPassword',
    userId: 'local-test-app',
    userName: 'app',
    cacheHost: '127.0.0.1',
    cachePort: server.port,
  });
  const secretOf = (username: string, password: string) => JSON.stringify({ username, password, user_arn: USER_ARN });

  test('control: for its own secret, setSecret gives the user the current and the new password on the server', async () => {
    secrets({ [SECRET_ARN]: { current: secretOf('app', TOKEN), pending: secretOf('app', NEW_TOKEN) } });
    elastiCacheOnTheServer();
    await invoke()('setSecret', SECRET_ARN);
    await expect(check()(address(), NEW_TOKEN, 'app')).resolves.toBe(true);
    await expect(check()(address(), TOKEN, 'app')).resolves.toBe(true);
  });

  test('an event naming the attacker\'s secret, which names the attacker\'s user, is refused; the user keeps its password', async () => {
    secrets({
      [SECRET_ARN]: { current: secretOf('app', TOKEN), pending: secretOf('app', NEW_TOKEN) },
      [ATTACKER_ARN]: { current: secretOf('mallory', ATTACKER_TOKEN), pending: secretOf('mallory', ATTACKER_TOKEN) },
    });
    elastiCacheOnTheServer();
    const step = invoke();
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await expect(step(name, ATTACKER_ARN)).rejects.toThrow(/^Refused: this function rotates only the secret/);
    }
    expect(sm.calls()).toHaveLength(0);
    expect(ec.calls()).toHaveLength(0);
    await expect(check()(address(), TOKEN, 'app')).resolves.toBe(true);
    await expect(check()(address(), ATTACKER_TOKEN, 'app')).resolves.toBe(false);
  });

  test('its own secret, changed to name the attacker\'s user, is refused before ModifyUser; the user keeps its password', async () => {
    secrets({ [SECRET_ARN]: { current: secretOf('mallory', ATTACKER_TOKEN), pending: secretOf('mallory', NEW_TOKEN) } });
    elastiCacheOnTheServer();
    await expect(invoke()('setSecret', SECRET_ARN)).rejects.toThrow(/^Refused: the AWSPENDING value of secret .* is not for the user "app" that this function rotates \(its 'username' field is "mallory"\)/);
    expect(ec.commandCalls(ModifyUserCommand)).toHaveLength(0);
    await expect(check()(address(), TOKEN, 'app')).resolves.toBe(true);
    await expect(check()(address(), NEW_TOKEN, 'app')).resolves.toBe(false);
  });
});
