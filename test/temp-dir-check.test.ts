import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanUpRun } from './jest/global-teardown';
import { PIDS_FILE, RUN_TEMP_DIR_ENV } from './jest/run-temp-dir';
import { TEMP_DIR_PREFIX } from './servers';

// The run's temporary folder (test/jest/) and the check at its end.

test('this test file runs with os.tmpdir() in its worker\'s folder inside the run\'s folder', () => {
  const runTempDir = process.env[RUN_TEMP_DIR_ENV]!;
  expect(path.dirname(os.tmpdir())).toBe(runTempDir);
  expect(path.basename(os.tmpdir())).toMatch(/^worker-\d+$/);
  expect(fs.readFileSync(path.join(runTempDir, PIDS_FILE), 'utf8').split('\n')).toContain(String(process.pid));
});

describe('the check at the end of a run', () => {
  let root: string;
  let runTempDir: string;
  let socketDir: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'teardown-'));
    runTempDir = path.join(root, 'run');
    socketDir = path.join(root, 'sockets');
    fs.mkdirSync(path.join(runTempDir, 'worker-1'), { recursive: true });
    fs.mkdirSync(path.join(runTempDir, 'worker-2'));
    fs.mkdirSync(socketDir);
    fs.writeFileSync(path.join(runTempDir, PIDS_FILE), '4001\n4002\n');
    for (const name of ['glide-socket-4001-a.sock', 'glide-socket-4002-b.sock', 'glide-socket-99-c.sock', 'glide-socket-40011-d.sock']) {
      fs.writeFileSync(path.join(socketDir, name), '');
    }
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('reports what a test left in a worker\'s folder or in the run\'s folder, and removes it all', () => {
    fs.mkdirSync(path.join(runTempDir, 'worker-2', 'cdk.out1234'));
    fs.writeFileSync(path.join(runTempDir, 'stray.pem'), '');
    expect(cleanUpRun(runTempDir, socketDir, 4000)).toEqual(['stray.pem', path.join('worker-2', 'cdk.out1234')]);
    expect(fs.existsSync(runTempDir)).toBe(false);
  });

  test('leaves the test servers\' folders of the process that runs the teardown (--runInBand) to it, and reports those of the workers', () => {
    fs.mkdirSync(path.join(runTempDir, 'worker-1', `${TEMP_DIR_PREFIX}4000-redis-a`));
    fs.mkdirSync(path.join(runTempDir, 'worker-1', `${TEMP_DIR_PREFIX}4001-redis-b`));
    expect(cleanUpRun(runTempDir, socketDir, 4000)).toEqual([path.join('worker-1', `${TEMP_DIR_PREFIX}4001-redis-b`)]);
    expect(fs.existsSync(runTempDir)).toBe(false);
  });

  test('reports nothing when the workers\' folders are empty', () => {
    expect(cleanUpRun(runTempDir, socketDir, 4000)).toEqual([]);
    expect(fs.existsSync(runTempDir)).toBe(false);
  });

  test('removes the glide sockets of the run\'s processes only', () => {
    cleanUpRun(runTempDir, socketDir, 99);
    expect(fs.readdirSync(socketDir)).toEqual(['glide-socket-40011-d.sock']);
  });
});
