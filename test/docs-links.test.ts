import * as fs from 'node:fs';
import * as path from 'node:path';

// Every relative link of README.md, docs/*.md, bench/README.md and the examples' READMEs points at
// a file of the repository, and every `#anchor` at a heading of its page (as GitHub makes anchors).

const ROOT = path.join(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const EXAMPLES = path.join(ROOT, 'examples');
const PAGES = [
  'README.md',
  'bench/README.md',
  'examples/README.md',
  ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...fs.readdirSync(EXAMPLES).map((d) => `examples/${d}/README.md`).filter((f) => fs.existsSync(path.join(ROOT, f))),
].sort();

/** The text of a page without its fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2\s*$/gm, '');
}

/** GitHub's anchor of a heading: lowercase, punctuation dropped but hyphens, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = prose(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = anchorOf(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** `[text](target)` links of a page, outside code, that are not URLs. */
function relativeLinks(file: string): string[] {
  const text = prose(fs.readFileSync(path.join(ROOT, file), 'utf8')).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((target) => !/^[a-z]+:/i.test(target));
}

test('the anchors follow GitHub', () => {
  expect(anchorOf('`SecureRedisCluster`')).toBe('securerediscluster');
  expect(anchorOf('Rotating secrets (on by default)')).toBe('rotating-secrets-on-by-default');
  expect(anchorOf('Valkey/Redis OSS or Memcached?')).toBe('valkeyredis-oss-or-memcached');
});

test('the links are found, anchors and all: a broken one would be reported', () => {
  const all = PAGES.flatMap(relativeLinks);
  expect(all).toEqual(expect.arrayContaining(['./docs/secure-redis-cluster.md#connecting-an-application', './docs/languages.md']));
  expect(anchors('docs/secure-redis-cluster.md')).toContain('connecting-an-application');
  expect(anchors('docs/secure-redis-cluster.md')).not.toContain('connecting-a-application');
});

test.each(PAGES)('%s: every relative link and anchor resolves', (file) => {
  const broken = relativeLinks(file).filter((target) => {
    const [target_, anchor] = target.split('#');
    const resolved = target_ ? path.normalize(path.join(path.dirname(file), target_)) : file;
    if (!fs.existsSync(path.join(ROOT, resolved))) return true;
    return anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor);
  });
  expect(broken).toEqual([]);
});
