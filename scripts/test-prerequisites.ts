/**
 * The first step of `npm test`: checks that the programs the tests run are installed, installs them
 * where it can, and otherwise stops at once with the one line to run.
 *
 *   - cfn-lint: lints every synthesized template (test/cfn-lint.test.ts and others);
 *   - redis-server, memcached, PostgreSQL: the real servers the application code is tested against;
 *   - openssl: the throwaway TLS certificates of those servers.
 *
 * As root with apt-get (CI, containers), a missing Debian package is installed (one `apt-get update`,
 * then one `apt-get install`). Debian 12 has no cfn-lint package: when it is missing, `pip install
 * cfn-lint` is tried. Anywhere else, nothing is installed. When everything is present, this takes a
 * few milliseconds and prints one line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isExecutable } from '../test/servers/binaries';

interface Prerequisite {
  /** The Debian package. */
  readonly debianPackage: string;
  /** Whether it is installed. */
  readonly present: () => boolean;
  /** The pip package, for programs that Debian may not ship. */
  readonly pipPackage?: string;
}

const PREREQUISITES: Prerequisite[] = [
  { debianPackage: 'cfn-lint', present: () => onPath('cfn-lint'), pipPackage: 'cfn-lint' },
  { debianPackage: 'redis-server', present: () => onPath('redis-server') },
  { debianPackage: 'memcached', present: () => onPath('memcached') },
  // Debian keeps the server binaries off the PATH, under /usr/lib/postgresql/<major>/bin (as test/servers/binaries.ts).
  { debianPackage: 'postgresql', present: () => onPath('postgres') || debianPostgresInstalled() },
  { debianPackage: 'openssl', present: () => onPath('openssl') },
];

function main(): number {
  let missing = PREREQUISITES.filter((p) => !p.present());
  if (missing.length === 0) {
    console.log(`test prerequisites: present (${PREREQUISITES.map((p) => p.debianPackage).join(', ')})`);
    return 0;
  }
  console.log(`test prerequisites: missing ${missing.map((p) => p.debianPackage).join(', ')}`);

  const asRoot = process.getuid?.() === 0;
  if (asRoot && onPath('apt-get')) {
    missing = installWithApt(missing);
  }
  for (const prerequisite of missing.filter((p) => p.pipPackage)) {
    const pip = ['pip', 'pip3'].find(onPath);
    if (pip) {
      console.log(`test prerequisites: ${pip} install ${prerequisite.pipPackage}`);
      // Bounded: where PyPI is unreachable, fail in seconds rather than retry for minutes.
      spawnSync(pip, ['install', '--quiet', '--retries', '1', '--timeout', '15', prerequisite.pipPackage!], { stdio: 'inherit' });
    }
  }
  missing = missing.filter((p) => !p.present());
  if (missing.length === 0) {
    console.log('test prerequisites: installed');
    return 0;
  }
  console.error(`\nThe tests need ${missing.map((p) => p.debianPackage).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed. Run:\n\n  ${installLine(missing)}\n\nand then npm test again.${missing.some((p) => p.pipPackage) ? ' (Where pip refuses to install into the system\'s Python, as on Debian 12: pipx install cfn-lint.)' : ''}`);
  return 1;
}

/** Installs the Debian packages that the release has; returns what is still missing. */
function installWithApt(missing: Prerequisite[]): Prerequisite[] {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log('test prerequisites: apt-get update');
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  const packaged = missing.filter((p) => debianCandidate(p.debianPackage) !== undefined);
  if (packaged.length > 0) {
    const names = packaged.map((p) => p.debianPackage);
    console.log(`test prerequisites: apt-get install ${names.join(' ')}`);
    spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], { stdio: 'inherit', env });
  }
  return missing.filter((p) => !p.present());
}

/** The one line that installs what is missing: apt-get for what Debian ships, pip for cfn-lint. */
function installLine(missing: Prerequisite[]): string {
  const apt = missing.filter((p) => !p.pipPackage).map((p) => p.debianPackage);
  const pip = missing.filter((p) => p.pipPackage).map((p) => p.pipPackage!);
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return [
    ...(apt.length > 0 ? [`${sudo}apt-get install -y ${apt.join(' ')}`] : []),
    ...(pip.length > 0 ? [`pip install ${pip.join(' ')}`] : []),
  ].join(' && ');
}

function debianCandidate(name: string): string | undefined {
  try {
    const policy = execFileSync('apt-cache', ['policy', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const candidate = /^\s*Candidate:\s*(\S+)/m.exec(policy)?.[1];
    return candidate && candidate !== '(none)' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).some((directory) => isExecutable(path.join(directory, name)));
}

function debianPostgresInstalled(): boolean {
  try {
    return fs.readdirSync('/usr/lib/postgresql').some((version) => isExecutable(path.join('/usr/lib/postgresql', version, 'bin', 'postgres')));
  } catch {
    return false;
  }
}


process.exitCode = main();
