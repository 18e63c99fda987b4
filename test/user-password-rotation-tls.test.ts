import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RedisServer } from './servers';
import { createRotationHandler, tlsTokenCheck } from '../src/private/auth-token-rotation.lambda';

/**
 * The testSecret and finishSecret steps of the password rotation of an RBAC user, against a real
 * redis-server with TLS whose user `app` holds two passwords at once, which is how ElastiCache
 * behaves after `ModifyUser` with both passwords. Nothing here leaves 127.0.0.1.
 */

const OLD_PASSWORD = 'Old-password-0123456789abcdefghijklmnopqrstuvwxyz';
const NEW_PASSWORD = 'New-password-<>^$#&!-0123456789ABCDEFGHIJKLMNOP';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app-password-AbCdEf';
const USER_ARN = 'arn:aws:elasticache:us-east-1:123456789012:user:local-test-app';
/** The token check's limit per connection and command in these tests. */
const TIMEOUT_MS = 1500;

const sm = mockClient(SecretsManagerClient);

let server: RedisServer;
let ca: string;
let tlsPort: number;

beforeAll(async () => {
  // A TLS-only redis-server on 127.0.0.1 with a certificate from a throwaway CA.
  server = await RedisServer.start();
  ca = server.caPem;
  tlsPort = server.port;

  // The user app accepts two passwords, as an ElastiCache user does after ModifyUser with both;
  // the default user is switched off, as the construct creates it.
  const admin = await server.connect();
  try {
    await admin.command('ACL', 'SETUSER', 'app', 'on', `>${OLD_PASSWORD}`, `>${NEW_PASSWORD}`, '~*', '+@all');
    await admin.command('ACL', 'SETUSER', 'default', 'off');
  } finally {
    admin.close();
  }
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  sm.reset();
});

const secretOf = (password: string, username = 'app'): string => JSON.stringify({ username, password, user_arn: USER_ARN });

/** The real handler in userPassword mode, talking to the local server with the test CA, and a mocked Secrets Manager. */
function rotation(pending: string, options: { username?: string; configuredUserName?: string; port?: number } = {}) {
  sm.on(DescribeSecretCommand).resolves({
    ARN: SECRET_ARN,
    RotationEnabled: true,
    VersionIdsToStages: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] },
  });
  sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => ({
    ARN: SECRET_ARN,
    SecretString: input.VersionStage === 'AWSPENDING' ? secretOf(pending, options.username) : secretOf(OLD_PASSWORD, options.username),
  }));
  sm.on(UpdateSecretVersionStageCommand).resolves({ ARN: SECRET_ARN });
  const logs: Array<{ level: string; message: string }> = [];
  const handler = createRotationHandler({
    settings: {
      secretArn: SECRET_ARN,
      replicationGroupId: 'local-test',
      mode: 'userPassword',
      userId: 'local-test-app',
      userName: options.configuredUserName ?? 'app',
      jsonField: 'password',
      cacheHost: '127.0.0.1',
      cachePort: options.port ?? tlsPort,
    },
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    checkToken: tlsTokenCheck({ timeoutMs: TIMEOUT_MS, tls: { ca } }),
    log: (level, message) => logs.push({ level, message }),
  });
  const step = (name: string): Promise<void> => handler(
    { Step: name, SecretId: SECRET_ARN, ClientRequestToken: 'v1' },
    { getRemainingTimeInMillis: () => 60_000 },
  );
  return { step, logs };
}

describe('testSecret of a user password against redis-server with TLS', () => {
  test('AUTH app <new password> works, and the old password still works', async () => {
    const { step, logs } = rotation(NEW_PASSWORD);
    await step('testSecret');
    expect(logs).toContainEqual({ level: 'info', message: 'The pending password works; the current password still works too, until the next rotation.' });
  });

  test('the check authenticates as the user: both passwords work for app, not for another user name', async () => {
    const check = tlsTokenCheck({ timeoutMs: TIMEOUT_MS, tls: { ca } });
    const address = { host: '127.0.0.1', port: tlsPort };
    await expect(check(address, OLD_PASSWORD, 'app')).resolves.toBe(true);
    await expect(check(address, NEW_PASSWORD, 'app')).resolves.toBe(true);
    await expect(check(address, NEW_PASSWORD, 'other')).resolves.toBe(false);
  });

  test('a wrong password fails with a clear error, quickly', async () => {
    const { step } = rotation('Wrong-password-0000000000000000');
    const start = Date.now();
    await expect(step('testSecret')).rejects.toThrow(
      /^testSecret: the user local-test-app of the replication group local-test \(127\.0\.0\.1:\d+\) rejects the pending password \(version v1\).*It is not promoted/);
    expect(Date.now() - start).toBeLessThan(TIMEOUT_MS);
  });

  test('the right password under another configured user name fails', async () => {
    const { step } = rotation(NEW_PASSWORD, { username: 'someone-else', configuredUserName: 'someone-else' });
    await expect(step('testSecret')).rejects.toThrow(/rejects the pending password/);
  });

  test('a secret that names another user than the configured one is refused', async () => {
    const { step } = rotation(NEW_PASSWORD, { username: 'someone-else' });
    await expect(step('testSecret')).rejects.toThrow(/^Refused: .* is not for the user "app" that this function rotates/);
  });

  test('a server that is down fails quickly', async () => {
    const { step } = rotation(NEW_PASSWORD, { port: await RedisServer.stoppedServerPort() });
    await expect(step('testSecret')).rejects.toThrow(/Could not check a token against 127\.0\.0\.1:\d+ over TLS: .*ECONNREFUSED/);
  });
});

describe('finishSecret of a user password against redis-server with TLS', () => {
  test('promotes a password that the server accepts', async () => {
    const { step } = rotation(NEW_PASSWORD);
    await step('finishSecret');
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({
      SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v1', RemoveFromVersionId: 'v0',
    });
  });

  test('never promotes a password that the server rejects', async () => {
    const { step } = rotation('Wrong-password-0000000000000000');
    await expect(step('finishSecret')).rejects.toThrow(/finishSecret: .* rejects the pending password/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});
