import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, SERVERLESS_CONFIGURATIONS, SESSION_STORE_CONFIGURATIONS, newStack } from './fixtures';

/** Where the tests leave their templates; CI lints this folder again with the examples. */
const OUT_DIR = path.join(__dirname, '..', 'cdk.out', 'test-templates');

function cfnLintAvailable(): boolean {
  return spawnSync('cfn-lint', ['--version'], { encoding: 'utf-8' }).status === 0;
}

describe('cfn-lint', () => {
  const files: string[] = [];

  beforeAll(() => {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const sets = { 'redis': REDIS_CONFIGURATIONS, 'memcached': MEMCACHED_CONFIGURATIONS, 'session-store': SESSION_STORE_CONFIGURATIONS, 'serverless': SERVERLESS_CONFIGURATIONS };
    for (const [prefix, configurations] of Object.entries(sets)) {
      for (const config of configurations) {
        const { stack } = newStack(config.name);
        config.build(stack);
        const file = path.join(OUT_DIR, `${prefix}-${config.name}.template.json`);
        fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON(), null, 1));
        files.push(file);
      }
    }
  });

  test('is installed (Debian package cfn-lint, or pip install cfn-lint)', () => {
    expect(cfnLintAvailable()).toBe(true);
  });

  test('reports no error and no warning on any representative configuration', () => {
    const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', ...files], { encoding: 'utf-8' });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('would report a broken template, so the clean result above means something', () => {
    const broken = path.join(OUT_DIR, 'broken.json');
    const template = JSON.parse(fs.readFileSync(files[0], 'utf-8'));
    const group = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::ElastiCache::ReplicationGroup');
    group.Properties.ReplicasPerNodeGroup = 9;
    fs.writeFileSync(broken, JSON.stringify(template));
    try {
      const result = spawnSync('cfn-lint', ['--regions', 'us-east-1', '--format', 'parseable', '--', broken], { encoding: 'utf-8' });
      expect(result.stdout).toMatch(/E3034:9 is greater than the maximum of 5/);
      expect(result.status).not.toBe(0);
    } finally {
      fs.rmSync(broken);
    }
  });
});
