import { Template } from 'aws-cdk-lib/assertions';
import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, RepresentativeConfiguration, SERVERLESS_CONFIGURATIONS, SESSION_STORE_CONFIGURATIONS, newStack } from './fixtures';

/**
 * Snapshots of canonical configurations. They guard logical ids and physical names: a change
 * here replaces a cache and loses its data, so update them (`npx projen test:update`) only on
 * purpose. The properties that matter are asserted one by one in the unit tests.
 */
const CANONICAL: Array<[string, RepresentativeConfiguration]> = [
  ['redis defaults', REDIS_CONFIGURATIONS.find((c) => c.name === 'defaults')!],
  ['redis cluster-mode-off', REDIS_CONFIGURATIONS.find((c) => c.name === 'cluster-mode-off')!],
  ['redis alarms-with-topic', REDIS_CONFIGURATIONS.find((c) => c.name === 'alarms-with-topic')!],
  ['memcached defaults', MEMCACHED_CONFIGURATIONS.find((c) => c.name === 'defaults')!],
  ['session-store defaults', SESSION_STORE_CONFIGURATIONS.find((c) => c.name === 'defaults')!],
  ['session-store serverless', SESSION_STORE_CONFIGURATIONS.find((c) => c.name === 'serverless')!],
  ['serverless defaults', SERVERLESS_CONFIGURATIONS.find((c) => c.name === 'defaults')!],
];

test.each(CANONICAL)('snapshot: %s', (_name, config) => {
  const { stack } = newStack(config.name);
  config.build(stack);

  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
