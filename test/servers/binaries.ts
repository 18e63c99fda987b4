import * as fs from 'node:fs';
import * as path from 'node:path';

/** What to install on Debian or Ubuntu for the real-server tests. */
export const INSTALL_COMMAND = 'apt-get install redis-server postgresql memcached';

/** Where a server binary comes from. */
export interface BinarySource {
  /** The Debian package that ships the binary, named in the error when it is missing. */
  readonly debianPackage: string;
  /** Folders searched after the PATH, in order. */
  readonly extraDirectories?: string[];
}

/**
 * The absolute path of an executable, from the PATH and then the extra folders.
 *
 * The pattern tests run against real servers and never skip: a missing binary fails them with a
 * message that says what to install, so that a machine without the servers cannot pass silently.
 */
export function findBinary(name: string, source: BinarySource): string {
  const searched = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...(source.extraDirectories ?? [])];
  for (const directory of searched) {
    const candidate = path.join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `'${name}' was not found on the PATH or in ${source.extraDirectories?.join(', ') || 'any extra folder'}. ` +
    `The pattern tests start real servers and do not skip. Install the Debian package '${source.debianPackage}' ` +
    `(all of them: ${INSTALL_COMMAND}) and run the tests again.`,
  );
}

/**
 * The folders of Debian's PostgreSQL server binaries (`postgres`, `initdb`), newest version first.
 * Debian keeps them out of the PATH, under /usr/lib/postgresql/<major>/bin.
 */
export function postgresBinaryDirectories(root = '/usr/lib/postgresql'): string[] {
  let versions: string[];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return [];
  }
  return versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => path.join(root, version, 'bin'));
}

/** Whether `file` is a regular file that this process may execute. */
export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
