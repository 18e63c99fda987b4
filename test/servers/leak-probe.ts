/**
 * Used by test/patterns/harness.test.ts: starts Redis and PostgreSQL, prints their pids as one JSON
 * line, then ends the way argv[2] says: `throw` fails with an uncaught error once a line arrives on
 * stdin (after the test has seen the servers alive); `hang` waits to be killed.
 */
import { PostgresServer } from './postgres';
import { RedisServer } from './redis';

async function main(): Promise<void> {
  const [redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start()]);
  process.stdout.write(`${JSON.stringify({ redis: redis.pid, postgres: postgres.pid })}\n`);
  if (process.argv[2] === 'throw') {
    process.stdin.once('data', () => {
      throw new Error('a test failed without stopping its servers');
    });
  } else {
    setInterval(() => undefined, 1000);
  }
}

void main();
