// The folder that stands in for the system's temporary folder during one `jest` run.
//
// `globalSetup` makes it and points TMPDIR at it before the workers start, so that everything a test
// puts into `os.tmpdir()` lands there: CDK's assembly folders (`new App()` without `outdir` makes
// one per synth), the test servers' folders, throwaway certificates. Each worker gets a folder of
// its own inside it, emptied after every test file. `globalTeardown` then lists whatever is left,
// removes it and fails the run if anything was.

/** The environment variable that carries the run's folder to the workers. */
export const RUN_TEMP_DIR_ENV = 'CDK_SECURE_ELASTICACHE_TEST_TMPDIR';

/** The file, in the run's folder, where each test process writes its pid, one a line. */
export const PIDS_FILE = 'pids';

/** The prefix of the run's folder, under the system's temporary folder. */
export const RUN_TEMP_DIR_PREFIX = 'cdk-secure-elasticache-run-';

/** CDK's prefix for the assembly folder of an `App` without `outdir` (aws-cdk-lib Stage: `mkdtemp(tmpdir/cdk.out)`). */
export const CDK_TEMP_OUTDIR_PREFIX = 'cdk.out';

/**
 * The unix sockets of valkey-glide: its native core listens on `/tmp/glide-socket-<pid>-<uuid>.sock`
 * (a fixed folder: TMPDIR and XDG_RUNTIME_DIR are ignored), one per process that makes a client,
 * and never removes it.
 */
export const GLIDE_SOCKET_DIR = '/tmp';

/** Whether `name` is a glide socket of the process `pid`. */
export function isGlideSocketOf(name: string, pid: number): boolean {
  return name.startsWith(`glide-socket-${pid}-`) && name.endsWith('.sock');
}
