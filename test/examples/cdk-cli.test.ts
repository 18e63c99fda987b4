import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// `npx cdk synth` in an example's folder, as a user runs it: the CDK CLI of the devDependencies
// reads the example's cdk.json, runs its app with tsx (which maps `cdk-secure-elasticache` to this
// repository's source through examples/tsconfig.json), and writes the cloud assembly. With no AWS
// credentials or configuration, no terminal and nothing on standard input: a prompt, a lookup or a
// credential the app needed would fail the run or leave a context file behind.

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

/** The environment of a machine with no AWS configuration at all. */
function withoutAws(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|CDK_)/.test(name)) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    // tsx keeps its IPC sockets in the temporary folder (tsx-<uid>): in this test's, removed after it.
    TMPDIR: home,
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    // No instance metadata to ask for credentials either.
    AWS_EC2_METADATA_DISABLED: 'true',
    CI: 'true',
  };
}

test.each([
  { example: 'redis-cluster', stack: 'OrdersCache', cacheType: 'AWS::ElastiCache::ReplicationGroup' },
])('npx cdk synth in examples/$example writes $stack with its $cacheType, with no credentials and no prompt', ({ example, stack, cacheType }) => {
  const folder = path.join(EXAMPLES, example);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-cli-${example}-`));
  const outdir = path.join(work, 'cdk.out');
  const contextFile = path.join(folder, 'cdk.context.json');
  try {
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
      cwd: folder,
      env: withoutAws(work),
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf-8',
      timeout: 120_000,
    });
    expect({ status: run.status, signal: run.signal, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, signal: null, stderr: '' });

    const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stack}.template.json`), 'utf-8'));
    const caches = Object.values<{ Type: string; Properties: Record<string, unknown> }>(template.Resources)
      .filter((resource) => resource.Type === cacheType);
    expect(caches).toHaveLength(1);
    expect(caches[0].Properties).toMatchObject({ TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true });

    // The stack's environment is the app's fixed one, not one the CLI found in a profile.
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf-8'));
    expect(manifest.artifacts[stack].environment).toBe('aws://123456789012/us-east-1');
    // cdk.json turns version reporting off: no AWS::CDK::Metadata resource.
    expect(Object.values<{ Type: string }>(template.Resources).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
    // Nothing was looked up, so the CLI wrote no context file into the example.
    expect(fs.existsSync(contextFile)).toBe(false);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
