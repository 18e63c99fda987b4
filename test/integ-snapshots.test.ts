import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The integration tests (test/integ.*.ts) keep their synthesized templates in
// test/integ.<name>.ts.snapshot/, the layout integ-runner reads. This test synthesizes each one
// again, without credentials or network, and fails when a template differs from its snapshot:
// a change to a construct that changes what the integration tests would deploy shows up here
// and is committed with the change. Regenerate after an intended change with
// `INTEG_SNAPSHOT_WRITE=1 npx jest test/integ-snapshots.test.ts`.
//
// Left out of the comparison, as integ-runner leaves them out with `diffAssets: false`: asset
// hashes (the bundled functions change with every esbuild or client release) and the `salt` that
// makes IntegTest's assertions run again on every deployment.

const WRITE = process.env.INTEG_SNAPSHOT_WRITE === '1';
const TEST_DIR = __dirname;
// integ-runner's discovery pattern for TypeScript tests.
const INTEG_FILE = /^integ\.(?!.*\.d\.ts$).*\.ts$/;
// What the snapshot keeps of a cloud assembly: the manifests and the templates, not the assets.
const SNAPSHOT_FILE = /^(manifest\.json|integ\.json|cdk\.out|.+\.template\.json|.+\.assets\.json)$/;
const COMPARED_FILE = /^(integ\.json|.+\.template\.json)$/;

/** Replaces what legitimately changes between two synths of the same app. */
function canonicalize(text: string): string {
  return text
    .replace(/[0-9a-f]{64}/g, '<asset hash>')
    .replace(/("salt": )"\d+"/g, '$1"<salt>"');
}

/** Runs one integ app (its `app.synth()`) into a new folder and returns the folder. */
function synthesize(file: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshot-'));
  const saved = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    jest.isolateModules(() => {
      // The integ app is a program: loading it runs it, and its app.synth() writes into CDK_OUTDIR.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(TEST_DIR, file));
    });
  } finally {
    if (saved === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = saved;
  }
  return outdir;
}

function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => SNAPSHOT_FILE.test(name) && fs.statSync(path.join(dir, name)).isFile()).sort();
}

const integFiles = fs.readdirSync(TEST_DIR).filter((name) => INTEG_FILE.test(name)).sort();

test('the three integration tests are discovered', () => {
  expect(integFiles).toEqual(['integ.secure-redis-cluster.ts', 'integ.session-store-cache.ts', 'integ.sharded-memcached.ts']);
});

test('canonicalize hides asset hashes and salts, and nothing else', () => {
  const hash = 'a'.repeat(64);
  expect(canonicalize(`{"S3Key": "${hash}.zip", "salt": "1796266459725", "Port": "6379"}`))
    .toBe('{"S3Key": "<asset hash>.zip", "salt": "<salt>", "Port": "6379"}');
  // A 63-digit string is not an asset hash; a salt is only the IntegTest property.
  expect(canonicalize(`{"Id": "${'b'.repeat(63)}", "Timeout": "1796266459725"}`))
    .toBe(`{"Id": "${'b'.repeat(63)}", "Timeout": "1796266459725"}`);
});

describe.each(integFiles)('%s', (file) => {
  const snapshotDir = path.join(TEST_DIR, `${file}.snapshot`);

  test('synthesizes as its committed snapshot', () => {
    const outdir = synthesize(file);
    try {
      const actual = snapshotFiles(outdir);
      expect(actual).toContain('integ.json');
      if (WRITE) {
        fs.rmSync(snapshotDir, { recursive: true, force: true });
        fs.mkdirSync(snapshotDir);
        for (const name of actual) fs.copyFileSync(path.join(outdir, name), path.join(snapshotDir, name));
      }
      expect(fs.existsSync(snapshotDir)).toBe(true);
      expect(snapshotFiles(snapshotDir)).toEqual(actual);
      for (const name of actual.filter((n) => COMPARED_FILE.test(n))) {
        const expected = canonicalize(fs.readFileSync(path.join(snapshotDir, name), 'utf-8'));
        const synthesized = canonicalize(fs.readFileSync(path.join(outdir, name), 'utf-8'));
        // Compared as parsed JSON, so that a difference is reported by its path in the template.
        expect({ [name]: JSON.parse(synthesized) }).toEqual({ [name]: JSON.parse(expected) });
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
