import * as vm from 'node:vm';

/**
 * The Node process that runs the tests. Jest gives each test file a copy of `process` whose events
 * never fire (its listeners live on the copy), so an 'exit' handler registered on `process` inside
 * a test never runs. The main context's `process` is the real one, in Jest and outside it.
 */
const hostProcess = vm.runInThisContext('process') as NodeJS.Process;

/** Runs `handler` synchronously when the test process exits (not when it is killed with SIGKILL). */
export function onHostExit(handler: () => void): void {
  hostProcess.once('exit', handler);
}
