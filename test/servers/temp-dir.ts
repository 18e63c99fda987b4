import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onHostExit } from './host-process';

/** The prefix of the folders, followed by the pid of the process that made them. */
export const TEMP_DIR_PREFIX = 'cdk-secure-elasticache-test-';
const liveDirectories = new Set<string>();
let swept = false;

onHostExit(() => {
  for (const directory of liveDirectories) removeDirectory(directory);
});

/**
 * A new empty folder under the system's temporary folder, removed at exit even when a test fails.
 * Its name carries the test process's pid, so that the folders of a process that was killed
 * outright (which runs no exit handler) are swept by the next run.
 */
export function makeTempDir(purpose: string): string {
  if (!swept) {
    swept = true;
    sweepOrphans();
  }
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_DIR_PREFIX}${process.pid}-${purpose}-`));
  liveDirectories.add(directory);
  return directory;
}

/** Removes a folder made by `makeTempDir`. */
export function removeTempDir(directory: string): void {
  liveDirectories.delete(directory);
  removeDirectory(directory);
}

/** Removes the folders of test processes that are gone (killed outright, so that no exit handler ran). */
export function sweepOrphans(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const match = name.startsWith(TEMP_DIR_PREFIX) ? /^(\d+)-/.exec(name.slice(TEMP_DIR_PREFIX.length)) : null;
    if (match && !isAlive(Number(match[1]))) removeDirectory(path.join(os.tmpdir(), name));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeDirectory(directory: string): void {
  fs.rmSync(directory, { recursive: true, force: true });
}
