import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Valkey } from 'iovalkey';
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

let dir: string;
let ca: Buffer;
let server: ChildProcess | undefined;
let tlsPort: number;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf-8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.error ?? result.stderr}`);
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once a TLS handshake with the server succeeds, within 10 seconds. */
async function waitForTls(port: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not accept TLS on 127.0.0.1:${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const installed = spawnSync('redis-server', ['--version'], { encoding: 'utf-8' });
  if (installed.status !== 0) {
    throw new Error('redis-server is not on the PATH. These tests need a real server with TLS: apt-get install redis-server');
  }

  // A throwaway CA and a server certificate for 127.0.0.1 and localhost.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-rotation-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('openssl', ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=Rotation test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run('openssl', ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext']);
  ca = fs.readFileSync(path.join(dir, 'ca.crt'));

  tlsPort = await freePort();
  server = spawn('redis-server', [
    '--port', '0',
    '--tls-port', String(tlsPort),
    '--bind', '127.0.0.1',
    '--tls-cert-file', path.join(dir, 'server.crt'),
    '--tls-key-file', path.join(dir, 'server.key'),
    '--tls-ca-cert-file', path.join(dir, 'ca.crt'),
    '--tls-auth-clients', 'no',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
  ], { stdio: 'ignore' });
  await waitForTls(tlsPort);

  // The user app accepts two passwords, as an ElastiCache user does after ModifyUser with both;
  // the default user is switched off, as the construct creates it.
  const admin = new Valkey({ host: '127.0.0.1', port: tlsPort, tls: { ca }, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await admin.connect();
  await admin.call('ACL', 'SETUSER', 'app', 'on', `>${OLD_PASSWORD}`, `>${NEW_PASSWORD}`, '~*', '+@all');
  await admin.call('ACL', 'SETUSER', 'default', 'off');
  admin.disconnect();
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sm.reset();
});

const secretOf = (password: string, username = 'app'): string => JSON.stringify({ username, password, user_arn: USER_ARN });

/** The real handler in userPassword mode, talking to the local server with the test CA, and a mocked Secrets Manager. */
function rotation(pending: string, options: { username?: string; port?: number } = {}) {
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
      replicationGroupId: 'local-test',
      mode: 'userPassword',
      userId: 'local-test-app',
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

  test('the right password under another user name fails', async () => {
    const { step } = rotation(NEW_PASSWORD, { username: 'someone-else' });
    await expect(step('testSecret')).rejects.toThrow(/rejects the pending password/);
  });

  test('a server that is down fails quickly', async () => {
    const { step } = rotation(NEW_PASSWORD, { port: await freePort() });
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
