/**
 * Checks what can be checked offline of the Python, Java, .NET and Go packages that jsii makes:
 *
 *   npx projen bindings          (after `npx projen compile`)
 *
 * 1. `jsii-pacmak --code-only` generates the four languages' sources into a temporary folder.
 * 2. Every generated Python file compiles (`python3 -m py_compile`).
 * 3. Every public type of the assembly (.jsii) has its declaration in each language's sources.
 * 4. Every example of the README and the doc comments has a translation into each of the four
 *    languages in the rosetta tablet (`jsii-rosetta extract --strict` writes it), and the Python
 *    translations compile.
 * 5. The Go sources parse (`gofmt -e`; required in CI, skipped with a message where Go is missing).
 *
 * The language runtimes and their registries (PyPI, Maven, NuGet, the Go proxy) are not needed:
 * nothing is built, installed or run in those languages. Exits non-zero on the first failed check.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const LANGUAGES = ['python', 'java', 'csharp', 'go'] as const;

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly datatype?: boolean;
  readonly namespace?: string;
}

function run(command: string, args: string[], options: { cwd?: string } = {}): void {
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}).`);
  }
}

function filesUnder(dir: string, suffix: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full, suffix));
    else if (entry.name.endsWith(suffix)) found.push(full);
  }
  return found;
}

function readAll(files: string[]): string {
  return files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** The declaration each language generates for a jsii type. */
function declarations(type: JsiiType): Record<(typeof LANGUAGES)[number], RegExp> {
  const n = type.name;
  return {
    python: new RegExp(`^class ${n}\\b`, 'm'),
    java: new RegExp(`public (?:abstract )?(?:class|interface|enum) ${n}\\b`),
    csharp: new RegExp(`public (?:abstract )?(?:class|interface|enum) ${n}\\b`),
    go: new RegExp(`^type ${n} `, 'm'),
  };
}

function checkTypes(outDir: string, types: JsiiType[]): void {
  const sources: Record<(typeof LANGUAGES)[number], string> = {
    python: readAll(filesUnder(path.join(outDir, 'python'), '.py')),
    java: readAll(filesUnder(path.join(outDir, 'java'), '.java')),
    csharp: readAll(filesUnder(path.join(outDir, 'dotnet'), '.cs')),
    go: readAll(filesUnder(path.join(outDir, 'go'), '.go')),
  };
  const missing: string[] = [];
  for (const type of types) {
    const wanted = declarations(type);
    for (const language of LANGUAGES) {
      if (!wanted[language].test(sources[language])) missing.push(`${type.fqn} (${type.kind}) in ${language}`);
    }
  }
  if (missing.length > 0) {
    throw new Error(`Generated sources lack these public types:\n  ${missing.join('\n  ')}`);
  }
  console.log(`${types.length} public types declared in Python, Java, C# and Go`);
}

function compilePython(files: string[], what: string): void {
  if (files.length === 0) throw new Error(`No Python files for ${what}.`);
  run('python3', ['-m', 'py_compile', ...files]);
  console.log(`${files.length} Python file(s) of ${what} compile`);
}

function checkTablet(tmp: string): void {
  const tabletPath = path.join(ROOT, '.jsii.tabl.json');
  if (!fs.existsSync(tabletPath)) {
    throw new Error('.jsii.tabl.json is missing: run `npx projen rosetta:extract` first.');
  }
  const tablet = JSON.parse(fs.readFileSync(tabletPath, 'utf8')) as {
    snippets: Record<string, { translations: Record<string, { source: string }>; location?: { api?: unknown } }>;
  };
  const snippets = Object.entries(tablet.snippets);
  if (snippets.length === 0) throw new Error('The rosetta tablet holds no snippet.');
  const untranslated: string[] = [];
  const pythonFiles: string[] = [];
  snippets.forEach(([key, snippet], index) => {
    for (const language of LANGUAGES) {
      if (!snippet.translations[language]?.source.trim()) untranslated.push(`${key.slice(0, 12)}: ${language}`);
    }
    const python = snippet.translations.python?.source;
    if (python) {
      const file = path.join(tmp, `snippet-${index}.py`);
      fs.writeFileSync(file, python);
      pythonFiles.push(file);
    }
  });
  if (untranslated.length > 0) {
    throw new Error(`Examples without a translation:\n  ${untranslated.join('\n  ')}`);
  }
  console.log(`${snippets.length} examples translated into Python, Java, C# and Go`);
  compilePython(pythonFiles, 'the examples\' Python translations');
}

function checkGo(goDir: string): void {
  const gofmt = spawnSync('gofmt', ['-e', '-l', goDir], { encoding: 'utf8' });
  if (gofmt.error) {
    // CI installs it (Debian's golang-go); elsewhere the other checks still run.
    if (process.env.CI) throw new Error('gofmt is not installed: install Debian\'s golang-go.');
    console.log('gofmt is not installed: the Go sources were not parsed');
    return;
  }
  if (gofmt.status !== 0) throw new Error(`gofmt could not parse the Go sources:\n${gofmt.stderr}`);
  console.log('Go sources parse (gofmt -e)');
}

function main(): void {
  const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8')) as { types: Record<string, JsiiType> };
  const types = Object.values(assembly.types);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bindings-'));
  try {
    const outDir = path.join(tmp, 'dist');
    run('npx', ['jsii-pacmak', '--code-only', '--targets', 'python', 'java', 'dotnet', 'go', '--outdir', outDir]);
    compilePython(filesUnder(path.join(outDir, 'python'), '.py'), 'the Python package');
    checkTypes(outDir, types);
    checkTablet(tmp);
    checkGo(path.join(outDir, 'go'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
