import { Template } from 'aws-cdk-lib/assertions';
import { GUARD_RULES, PACK_FIXTURES, fixtureStack, guardFindings, packFindings } from './elasticache-checks-fixtures';

describe('ElastiCacheChecks on the fixtures', () => {
  test.each(PACK_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const { app } = fixtureStack(fixture);
    expect(packFindings(app)).toEqual([...fixture.findings].sort());
  });
});

describe('rules/elasticache.guard agrees with the pack', () => {
  test('the same findings on every fixture template, run by cfn-guard', () => {
    const templates = Object.fromEntries(PACK_FIXTURES.map((f) => [f.name, Template.fromStack(fixtureStack(f).stack).toJSON()]));
    const guard = guardFindings(GUARD_RULES, templates);
    const expected = Object.fromEntries(PACK_FIXTURES.map((f) => [f.name, f.findings.map((x) => `ELASTICACHE_${x}`).sort()]));
    expect(guard).toEqual(expected);
  });
});
