import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { CDK_TEMP_OUTDIR_PREFIX, PIDS_FILE, RUN_TEMP_DIR_ENV } from './run-temp-dir';

// Jest `setupFilesAfterEnv`: runs before every test file, in the worker that runs it. Gives the
// worker a temporary folder of its own inside the run's, and removes CDK's assembly folders from it
// once the file's tests are done (see run-temp-dir.ts).

// The worker's real `process`: Jest gives each test file a copy, but `os.tmpdir()` and child
// processes read the real environment.
const hostProcess = vm.runInThisContext('process') as NodeJS.Process;

const runTempDir = process.env[RUN_TEMP_DIR_ENV];
if (!runTempDir) throw new Error(`${RUN_TEMP_DIR_ENV} is not set: run the tests through jest with the project's configuration`);

const workerTempDir = path.join(runTempDir, `worker-${process.env.JEST_WORKER_ID ?? '1'}`);
fs.mkdirSync(workerTempDir, { recursive: true, mode: 0o711 });
hostProcess.env.TMPDIR = workerTempDir;
process.env.TMPDIR = workerTempDir;
// Processes that tests start with `--import tsx` would keep tsx's compile cache there (`tsx-<uid>`).
hostProcess.env.TSX_DISABLE_CACHE = '1';
process.env.TSX_DISABLE_CACHE = '1';
fs.appendFileSync(path.join(runTempDir, PIDS_FILE), `${hostProcess.pid}\n`);

afterAll(() => {
  for (const name of fs.readdirSync(workerTempDir)) {
    if (name.startsWith(CDK_TEMP_OUTDIR_PREFIX)) fs.rmSync(path.join(workerTempDir, name), { recursive: true, force: true });
  }
});
