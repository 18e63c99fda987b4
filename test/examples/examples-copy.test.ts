import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';

// An example is copied into an app with the files it imports from beside its folder (examples/shared,
// examples/patterns) and the packages its code imports. Each example's README lists both under
// "Copy it into your app", and examples/README.md counts the files: this test follows the imports
// of every file the example needs and compares them with those lists.

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

/** Every example app: a folder of examples/ with an app.ts. */
const apps = fs.readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(EXAMPLES, entry.name, 'app.ts')))
  .map((entry) => entry.name)
  .sort();

/** The module names of `import ... from`, `export ... from`, `import()` and `require()`. */
const IMPORT = /\b(?:import|export)\s(?:type\s)?[^'";]*?\bfrom\s+'([^']+)'|\bimport\('([^']+)'\)|\brequire\('([^']+)'\)/g;

/** Tools that synthesize or type-check an example, which its code does not import. */
const TOOLS = new Set(['aws-cdk', 'tsx', 'esbuild', 'typescript']);

/** The package a module name is in: `@scope/name` or `name`; undefined for Node's own modules. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return undefined;
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

/** The files outside the example's folder that its files import, transitively, and the packages they import. */
function needs(name: string): { files: string[]; packages: string[] } {
  const folder = path.join(EXAMPLES, name);
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = fs.readdirSync(folder).filter((f) => f.endsWith('.ts')).map((f) => path.join(folder, f));
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of fs.readFileSync(file, 'utf-8').matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const resolved = [`${target}.ts`, path.join(target, 'index.ts')].find((f) => fs.existsSync(f));
        if (!resolved) throw new Error(`${path.relative(EXAMPLES, file)} imports ${JSON.stringify(spec)}, which is not a file`);
        todo.push(resolved);
      } else {
        const pkg = packageOf(spec);
        if (pkg) packages.add(pkg);
      }
    }
  }
  return {
    files: [...seen].filter((f) => !f.startsWith(folder + path.sep)).map((f) => path.relative(EXAMPLES, f).split(path.sep).join('/')).sort(),
    packages: [...packages].sort(),
  };
}

/** The "Copy it into your app" section of an example's README. */
function copySection(name: string): string {
  const readme = fs.readFileSync(path.join(EXAMPLES, name, 'README.md'), 'utf-8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Copy it into your app\n'));
  if (!section) throw new Error(`examples/${name}/README.md has no "## Copy it into your app" section`);
  return section;
}

test('the example apps are the five of examples/README.md', () => {
  expect(apps).toEqual(['db-cache', 'memcached', 'redis-cluster', 'serverless-cache', 'session-store']);
});

describe.each(apps)('examples/%s', (name) => {
  const needed = needs(name);

  test('imports the library by its package name, never the repository\'s source', () => {
    expect(needed.packages).toContain('cdk-secure-elasticache');
    expect(needed.files.filter((f) => !/^(shared|patterns)\//.test(f))).toEqual([]);
  });

  test('its README lists exactly the files it needs from beside its folder', () => {
    const listed = [...copySection(name).matchAll(/\]\(\.\.\/([^)#\s]+)\)/g)].map((m) => m[1]).filter((f) => f.endsWith('.ts'));
    expect([...listed].sort()).toEqual(needed.files);
  });

  test('its README installs every package its code imports, cdk-nag with the library, and nothing else but tools', () => {
    const installed = [...copySection(name).matchAll(/^npm install (.+)$/gm)]
      .flatMap((m) => m[1].split(/\s+/)).filter((word) => !word.startsWith('-'));
    const expected = new Set([...needed.packages, 'cdk-nag']);
    expect([...expected].filter((pkg) => !installed.includes(pkg))).toEqual([]);
    expect(installed.filter((pkg) => !expected.has(pkg) && !TOOLS.has(pkg) && !pkg.startsWith('@types/'))).toEqual([]);
    // Functions are bundled locally with esbuild (AppFunction), and every app runs with the CLI and tsx.
    expect(installed).toEqual(expect.arrayContaining(['aws-cdk', 'tsx', ...(needed.files.includes('shared/app-function.ts') ? ['esbuild'] : [])]));
  });

  test('examples/README.md counts the same files', () => {
    const row = fs.readFileSync(path.join(EXAMPLES, 'README.md'), 'utf-8').split('\n').find((line) => line.startsWith(`| [\`${name}\`]`));
    expect(row).toBeDefined();
    const cell = row!.split('|').slice(-2)[0].trim();
    for (const folder of ['shared', 'patterns']) {
      const files = needed.files.filter((f) => f.startsWith(`${folder}/`));
      const expected = files.length === 0 ? undefined : files.length === 1 ? `\`${files[0]}\`` : `\`${folder}/\` (${files.length} files)`;
      if (expected) expect(cell).toContain(expected);
      else expect(cell).not.toContain(`${folder}/`);
    }
  });
});
