import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findBinary, freePort, INSTALL_COMMAND, postgresBinaryDirectories, RedisServer, sweepOrphans, TEMP_DIR_PREFIX } from '../servers';

// The harness itself: missing servers fail loudly, and no server outlives its test process.

test('a missing server binary fails with what to install, never a skip', () => {
  expect(() => findBinary('no-such-server-binary', { debianPackage: 'redis-server' }))
    .toThrow(/'no-such-server-binary' was not found.*do not skip.*'redis-server'.*apt-get install redis-server postgresql memcached/s);
  expect(INSTALL_COMMAND).toBe('apt-get install redis-server postgresql memcached');
});

test('the servers the tests need are installed (.ci/run installs them from Debian)', () => {
  expect(findBinary('redis-server', { debianPackage: 'redis-server' })).toMatch(/redis-server$/);
  expect(findBinary('postgres', { debianPackage: 'postgresql', extraDirectories: postgresBinaryDirectories() })).toMatch(/postgres$/);
  expect(findBinary('openssl', { debianPackage: 'openssl' })).toMatch(/openssl$/);
});

test('Debian\'s PostgreSQL folders are searched newest first', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-layout-'));
  try {
    for (const version of ['13', '16', '9.6', 'common']) fs.mkdirSync(path.join(root, version));
    expect(postgresBinaryDirectories(root)).toEqual(['16', '13', '9.6'].map((version) => path.join(root, version, 'bin')));
    expect(postgresBinaryDirectories(path.join(root, 'absent'))).toEqual([]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('servers listen on loopback only, with TLS only', async () => {
  const redis = await RedisServer.start();
  try {
    const config = await redis.command('CONFIG', 'GET', 'bind') as string[];
    expect(config[1]).toBe('127.0.0.1');
    expect(await redis.command('CONFIG', 'GET', 'port')).toEqual(['port', '0']);
  } finally {
    await redis.stop();
  }
  expect(isAlive(redis.pid!)).toBe(false);
  expect(await freePort()).toBeGreaterThan(0);
});

describe('no server outlives a test process that dies', () => {
  test.each([
    { case: 'throws an uncaught error', mode: 'throw' },
    { case: 'is killed with SIGKILL', mode: 'kill' },
  ])('when it $case', async ({ mode }) => {
    const probe = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'servers', 'leak-probe.ts'), mode === 'throw' ? 'throw' : 'hang'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => probe.once('exit', () => resolve()));
    const pids = await new Promise<{ redis: number; postgres: number }>((resolve, reject) => {
      let output = '';
      probe.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      probe.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      void exited.then(() => reject(new Error(`probe exited before printing pids:\n${output}`)));
    });
    expect(isAlive(pids.redis)).toBe(true);
    expect(isAlive(pids.postgres)).toBe(true);

    if (mode === 'throw') {
      // An uncaught error: the exit handler stops the servers.
      probe.stdin.write('fail now\n');
    } else {
      // SIGKILL runs no handler in the process; the kernel's parent-death signal stops the servers.
      probe.kill('SIGKILL');
    }
    await exited;

    await waitUntil(() => !isAlive(pids.redis) && !isAlive(pids.postgres), 10_000);

    // Its folders: removed by the exit handler after an error; after SIGKILL, by the sweep that the
    // next test process to make a folder runs.
    const probeFolders = (): string[] => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`${TEMP_DIR_PREFIX}${probe.pid}-`));
    if (mode === 'kill') {
      expect(probeFolders()).not.toEqual([]);
      sweepOrphans();
    }
    expect(probeFolders()).toEqual([]);
  }, 30_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead: it only waits for its parent to reap it.
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
