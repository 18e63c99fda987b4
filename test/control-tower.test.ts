import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import { MEMCACHED_CONFIGURATIONS, REDIS_CONFIGURATIONS, RepresentativeConfiguration, SERVERLESS_CONFIGURATIONS, SESSION_STORE_CONFIGURATIONS, TEST_ENV } from './fixtures';
import { controlTowerFailures } from './policy';
import { CacheEngineVersion, SecureRedisCluster } from '../src';

/**
 * The one conflict between the rule packs that no configuration resolves: a Redis OSS 6+
 * replication group that authenticates with an AUTH token passes AwsSolutions-AEC6 (which wants a
 * token) and fails CT.ELASTICACHE.PR.8 (which wants RBAC). Valkey is not evaluated by the Control
 * Tower ElastiCache rules at all. Users who run these controls choose
 * `CacheAuthentication.users(...)` or `.iam(...)` for Redis OSS (docs/policy-checks.md).
 */
const RBAC_RULE = 'elasticache_repl_grp_rbac_auth_enabled_check';

function expectedFailures(app: App): string[] {
  return app.node.findAll()
    .filter((c): c is elasticache.CfnReplicationGroup => c instanceof elasticache.CfnReplicationGroup
      && c.engine === 'redis' && c.authToken !== undefined)
    .map((group) => `${RBAC_RULE} on ${group.node.path}`)
    .sort();
}

const ALL: Array<[string, RepresentativeConfiguration]> = [
  ...REDIS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['redis', c]),
  ...MEMCACHED_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['memcached', c]),
  ...SESSION_STORE_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['session-store', c]),
  ...SERVERLESS_CONFIGURATIONS.map((c): [string, RepresentativeConfiguration] => ['serverless', c]),
];

describe('Control Tower proactive controls (cfn-guard rules of @cdklabs/cdk-validator-cfnguard)', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'control-tower-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('every representative configuration, on Valkey and on Redis OSS: only the documented AEC6/PR.8 conflict', () => {
    const app = new App({ outdir: path.join(outdir, 'configurations') });
    for (const [prefix, config] of ALL) {
      config.build(new Stack(app, `${prefix}-${config.name}-valkey`, { env: TEST_ENV }));
      // Memcached has no engine choice: one pass is enough.
      if (prefix !== 'memcached') {
        config.build(new Stack(app, `${prefix}-${config.name}-redis`, { env: TEST_ENV }), CacheEngineVersion.REDIS_7_1);
      }
    }

    const failures = controlTowerFailures(app);
    expect(failures).toEqual(expectedFailures(app));
    // The conflict is real and precise: Redis OSS groups with a token, never Valkey, never RBAC or IAM.
    expect(failures).toContain(`${RBAC_RULE} on redis-defaults-redis/Cache/Resource`);
    // Configurations that pin Redis OSS themselves are Redis OSS in both passes.
    expect(failures.filter((f) => f.includes('-valkey/') && !f.includes('redis-oss'))).toEqual([]);
    expect(failures.filter((f) => /rbac|iam-users/.test(f.split(' on ')[1]))).toEqual([]);
  });

  test('the rules see the library\'s resources: a key without the grant statement and a Redis OSS group without TLS are reported', () => {
    const app = new App({ outdir: path.join(outdir, 'weakened') });
    const stack = new Stack(app, 'weakened', { env: TEST_ENV });
    REDIS_CONFIGURATIONS.find((c) => c.name === 'rbac-password-users')!.build(stack, CacheEngineVersion.REDIS_7_1);
    const cache = stack.node.findChild('Cache') as SecureRedisCluster;
    cache.replicationGroup.transitEncryptionEnabled = false;
    new kms.Key(stack, 'PlainKey', { enableKeyRotation: true });

    const failures = controlTowerFailures(app);
    expect(failures).toEqual(expect.arrayContaining([
      'kms_create_grant_aws_service_check on weakened/PlainKey/Resource',
      expect.stringMatching(/^elasticache_.* on weakened\/Cache\/Resource$/),
    ]));
    expect(failures.filter((f) => f.includes('/Cache/Key/'))).toEqual([]);
  });
});
