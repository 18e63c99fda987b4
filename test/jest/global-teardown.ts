import * as fs from 'node:fs';
import * as path from 'node:path';
import { GLIDE_SOCKET_DIR, PIDS_FILE, RUN_TEMP_DIR_ENV, isGlideSocketOf } from './run-temp-dir';
import { TEMP_DIR_PREFIX } from '../servers/temp-dir';

/**
 * Jest `globalTeardown`: removes the run's temporary folder and the glide sockets of the run's
 * processes, and fails the run when a test left anything else behind (see run-temp-dir.ts).
 */
export default function globalTeardown(): void {
  const runTempDir = process.env[RUN_TEMP_DIR_ENV];
  if (!runTempDir || !fs.existsSync(runTempDir)) throw new Error('the run\'s temporary folder is missing: was globalSetup run?');
  const leftovers = cleanUpRun(runTempDir, GLIDE_SOCKET_DIR, process.pid);
  if (leftovers.length > 0) {
    throw new Error(`The tests left ${leftovers.length} entries in the temporary folder:\n  ${leftovers.slice(0, 20).join('\n  ')}`);
  }
}

/**
 * Removes the glide sockets of the run's processes (no test can: a socket lives as long as its
 * process) and the run's temporary folder, and returns what the tests left in that folder besides
 * the pids file and the workers' folders (emptied after every test file).
 */
export function cleanUpRun(runTempDir: string, glideSocketDir: string, mainPid: number): string[] {
  const pidsFile = path.join(runTempDir, PIDS_FILE);
  const pids = [mainPid, ...(fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number) : [])];
  for (const name of fs.readdirSync(glideSocketDir)) {
    if (pids.some((pid) => isGlideSocketOf(name, pid))) fs.rmSync(path.join(glideSocketDir, name), { force: true });
  }
  // With --runInBand the tests run in this process, which is still alive: the folders of its test
  // servers (test/servers/temp-dir.ts) would go at its exit, and go now with the run's folder.
  const ownServerFolder = `${TEMP_DIR_PREFIX}${mainPid}-`;
  const leftovers = fs.readdirSync(runTempDir).filter((name) => name !== PIDS_FILE).flatMap((name) =>
    (/^worker-\d+$/.test(name) ? fs.readdirSync(path.join(runTempDir, name)).map((child) => path.join(name, child)) : [name]))
    .filter((entry) => !path.basename(entry).startsWith(ownServerFolder));
  fs.rmSync(runTempDir, { recursive: true, force: true });
  return leftovers.sort();
}
