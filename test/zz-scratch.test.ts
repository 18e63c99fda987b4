import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, SESSION_STORE_CONFIGURATIONS, newStack } from './fixtures';
import { acknowledgements, findings } from './policy';
test('scratch', () => {
  const out: string[] = [];
  for (const c of [...REDIS_CONFIGURATIONS, ...MEMCACHED_CONFIGURATIONS, ...SESSION_STORE_CONFIGURATIONS]) {
    const { app, stack } = newStack(c.name);
    c.build(stack);
    out.push(`== ${c.name}`, ...findings(app), ...acknowledgements(app).map((a) => 'ACK ' + a));
  }
  console.log(out.join('\n'));
});
