import * as net from 'net';
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
import { createRotationHandler, TokenCheck, tlsTokenCheck } from '../src/private/auth-token-rotation.lambda';

/**
 * The testSecret and finishSecret steps against a real redis-server with TLS whose default user
 * holds two passwords at once, which is how ElastiCache behaves between a ROTATE and the next SET.
 * Nothing here leaves 127.0.0.1.
 */

const OLD_TOKEN = 'Old-token-0123456789abcdefghijklmnopqrstuvwxyz';
const NEW_TOKEN = 'New-token-<>^$#&!-0123456789ABCDEFGHIJKLMNOP';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-AbCdEf';
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

  // The default user accepts two passwords, as an ElastiCache group does after ROTATE.
  await server.command('ACL', 'SETUSER', 'default', 'on', 'resetpass', `>${OLD_TOKEN}`, `>${NEW_TOKEN}`);
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  sm.reset();
});

/** The real handler, talking to the local server with the test CA, and a mocked Secrets Manager. */
function rotation(pending: string, port = tlsPort, checkToken?: TokenCheck) {
  sm.on(DescribeSecretCommand).resolves({
    ARN: SECRET_ARN,
    RotationEnabled: true,
    VersionIdsToStages: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] },
  });
  sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => ({
    ARN: SECRET_ARN,
    SecretString: input.VersionStage === 'AWSPENDING' ? pending : OLD_TOKEN,
  }));
  sm.on(UpdateSecretVersionStageCommand).resolves({ ARN: SECRET_ARN });
  const logs: Array<{ level: string; message: string }> = [];
  const handler = createRotationHandler({
    settings: { secretArn: SECRET_ARN, replicationGroupId: 'local-test', cacheHost: '127.0.0.1', cachePort: port },
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    checkToken: checkToken ?? tlsTokenCheck({ timeoutMs: TIMEOUT_MS, tls: { ca } }),
    log: (level, message) => logs.push({ level, message }),
  });
  const step = (name: string): Promise<void> => handler(
    { Step: name, SecretId: SECRET_ARN, ClientRequestToken: 'v1' },
    { getRemainingTimeInMillis: () => 60_000 },
  );
  return { step, logs };
}

async function timed(work: Promise<unknown>): Promise<{ error?: Error; ms: number }> {
  const start = Date.now();
  try {
    await work;
    return { ms: Date.now() - start };
  } catch (e) {
    return { error: e as Error, ms: Date.now() - start };
  }
}

describe('testSecret against redis-server with TLS', () => {
  test('the new token works', async () => {
    const { step, logs } = rotation(NEW_TOKEN);
    await step('testSecret');
    expect(logs).toContainEqual({ level: 'info', message: 'The pending token works; the current token still works too, until the next rotation.' });
  });

  test('the old token still works while the group holds both', async () => {
    const check = tlsTokenCheck({ timeoutMs: TIMEOUT_MS, tls: { ca } });
    await expect(check({ host: '127.0.0.1', port: tlsPort }, OLD_TOKEN)).resolves.toBe(true);
    await expect(check({ host: '127.0.0.1', port: tlsPort }, NEW_TOKEN)).resolves.toBe(true);
  });

  test('a wrong token fails with a clear error, quickly', async () => {
    const { step } = rotation('Wrong-token-0000000000000000');
    const { error, ms } = await timed(step('testSecret'));
    expect(error?.message).toMatch(/^testSecret: the replication group local-test \(127\.0\.0\.1:\d+\) rejects the pending token \(version v1\).*It is not promoted/);
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });

  test('a server that is down fails quickly', async () => {
    const { step } = rotation(NEW_TOKEN, await RedisServer.stoppedServerPort());
    const { error, ms } = await timed(step('testSecret'));
    expect(error?.message).toMatch(/Could not check a token against 127\.0\.0\.1:\d+ over TLS: .*ECONNREFUSED/);
    expect(ms).toBeLessThan(TIMEOUT_MS);
  });

  test('a server that accepts the connection but never answers fails within the timeout, never hangs', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => { sockets.push(socket); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { step } = rotation(NEW_TOKEN, (silent.address() as net.AddressInfo).port);
      const { error, ms } = await timed(step('testSecret'));
      expect(error?.message).toMatch(/Could not check a token against 127\.0\.0\.1:\d+ over TLS/);
      expect(ms).toBeLessThan(2 * TIMEOUT_MS + 500);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a certificate the function does not trust fails: TLS is verified', async () => {
    const { step } = rotation(NEW_TOKEN, tlsPort, tlsTokenCheck({ timeoutMs: TIMEOUT_MS }));
    await expect(step('testSecret')).rejects.toThrow(/Could not check a token against 127\.0\.0\.1:\d+ over TLS: .*(certificate|self.signed)/i);
  });
});

describe('finishSecret against redis-server with TLS', () => {
  test('promotes a token that the server accepts', async () => {
    const { step } = rotation(NEW_TOKEN);
    await step('finishSecret');
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({
      SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v1', RemoveFromVersionId: 'v0',
    });
  });

  test('never promotes a token that the server rejects', async () => {
    const { step } = rotation('Wrong-token-0000000000000000');
    await expect(step('finishSecret')).rejects.toThrow(/finishSecret: .* rejects the pending token/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});
