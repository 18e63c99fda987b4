import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ElastiCacheChecks, SecureRedisCluster, SecureServerlessCache, SessionStoreCache, ShardedMemcached } from '../../src';
import { acknowledgements, controlTowerFailures, expectedAcknowledgements, findings } from '../policy';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

/** Every example app: a folder of examples/ with an app.ts that exports createApp. */
const apps = fs.readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(EXAMPLES, entry.name, 'app.ts')))
  .map((entry) => entry.name)
  .sort();

/** The paths of the library's constructs in an app. */
function libraryPaths(app: IConstruct): string[] {
  return app.node.findAll()
    .filter((c) => c instanceof SecureRedisCluster || c instanceof SecureServerlessCache
      || c instanceof SessionStoreCache || c instanceof ShardedMemcached)
    .map((c) => c.node.path);
}

test('the examples are the ones the README lists', () => {
  expect(apps).toEqual(['db-cache', 'memcached', 'redis-cluster', 'serverless-cache', 'session-store']);
});

describe.each(apps)('examples/%s', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createApp } = require(path.join(EXAMPLES, name, 'app.ts')) as { createApp(props?: object): App };
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  const app = createApp({ outdir });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('has no finding under the five cdk-nag packs', () => {
    expect(findings(app)).toEqual([]);
  });

  test('has no finding under ElastiCacheChecks', () => {
    expect(new ElastiCacheChecks().validateScope(app).violations).toEqual([]);
  });

  test('acknowledges on the library\'s constructs exactly the entries of the library\'s table', () => {
    const ours = libraryPaths(app);
    expect(ours.length).toBeGreaterThan(0);
    const onLibrary = acknowledgements(app).filter((ack) => ours.some((p) => ack.startsWith(`${p}/`) || ack.startsWith(`${p}:`)));
    expect(onLibrary.sort()).toEqual(expectedAcknowledgements(app).filter((ack) => ours.some((p) => ack.startsWith(`${p}/`))));
  });

  test('the Control Tower rules find nothing on the library\'s constructs', () => {
    const ours = libraryPaths(app);
    const onLibrary = controlTowerFailures(app).filter((f) => ours.some((p) => f.endsWith(` on ${p}`) || f.includes(` on ${p}/`)));
    expect(onLibrary).toEqual([]);
  });
});
