import { Template } from 'aws-cdk-lib/assertions';
import { REDIS_CONFIGURATIONS, newStack } from './fixtures';

/**
 * Snapshots of canonical configurations. They guard logical ids and physical names: a change
 * here replaces a cache and loses its data, so update them (`npx projen test:update`) only on
 * purpose. The properties that matter are asserted one by one in the unit tests.
 */
describe.each(['defaults', 'cluster-mode-off', 'alarms-with-topic'])('snapshot: %s', (name) => {
  test('template', () => {
    const config = REDIS_CONFIGURATIONS.find((c) => c.name === name)!;
    const { stack } = newStack(name);
    config.build(stack);

    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });
});
