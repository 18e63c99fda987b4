import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_TEMP_DIR_ENV, RUN_TEMP_DIR_PREFIX } from './run-temp-dir';

/** Jest `globalSetup`: a temporary folder for the run, in place of the system's (see run-temp-dir.ts). */
export default function globalSetup(): void {
  const systemTempDir = os.tmpdir();
  const runTempDir = fs.mkdtempSync(path.join(systemTempDir, RUN_TEMP_DIR_PREFIX));
  // Traversable by other users, as the system's is: PostgreSQL runs as its own user when tests run as root.
  fs.chmodSync(runTempDir, 0o711);
  process.env[RUN_TEMP_DIR_ENV] = runTempDir;
  // The workers start after globalSetup and inherit this environment; `os.tmpdir()` reads TMPDIR.
  process.env.TMPDIR = runTempDir;
}
