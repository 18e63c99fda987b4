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
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-tls-'));
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

  // The default user accepts two passwords, as an ElastiCache group does after ROTATE.
  const admin = new Valkey({ host: '127.0.0.1', port: tlsPort, tls: { ca }, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await admin.connect();
  await admin.call('ACL', 'SETUSER', 'default', 'on', 'resetpass', `>${OLD_TOKEN}`, `>${NEW_TOKEN}`);
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
    settings: { replicationGroupId: 'local-test', cacheHost: '127.0.0.1', cachePort: port },
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
    const { step } = rotation(NEW_TOKEN, await freePort());
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
