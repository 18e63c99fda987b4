/**
 * Synthesizes every `examples/<name>/app.ts` into `cdk.out/<name>/` and prints, for each stack, its
 * ElastiCache resources, its synth warnings and errors, and the findings of the five cdk-nag packs.
 *
 *   npm run synth                      (the projen task)
 *   npx tsx --tsconfig examples/tsconfig.json scripts/synth-examples.ts
 *
 * The examples import `cdk-secure-elasticache`, which examples/tsconfig.json maps to src/.
 *
 * Needs no AWS credentials: the examples use a fixed dummy environment and do no lookups.
 * Exits non-zero when an example fails to synthesize or reports a synth error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, AppProps, CfnResource, Stack, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R4Checks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const OUT_DIR = path.join(ROOT, 'cdk.out');

/** What an example module must export. */
interface ExampleModule {
  createApp(props?: AppProps): App;
}

/** One cdk-nag finding, resolved to the stack and logical id it is on. */
interface Finding {
  readonly rule: string;
  readonly stack?: Stack;
  readonly where: string;
}

function packs(): NagPack[] {
  return [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R4Checks(), new NIST80053R5Checks(), new PCIDSS321Checks()];
}

function discoverExamples(): string[] {
  if (!fs.existsSync(EXAMPLES_DIR)) return [];
  return fs.readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(EXAMPLES_DIR, entry.name, 'app.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** Runs every pack over the app; findings name the resource by logical id and construct path. */
function policyFindings(app: App): Map<string, Finding[]> {
  const byPath = new Map<string, IConstruct>(app.node.findAll().map((c) => [c.node.path, c]));
  const result = new Map<string, Finding[]>();
  for (const pack of packs()) {
    const findings: Finding[] = [];
    for (const violation of pack.validateScope(app).violations) {
      for (const resource of violation.violatingResources) {
        // cdk-nag 3 reports the construct path; the logical id is what the template shows.
        const constructPath = resource.constructPath;
        const construct = constructPath === undefined ? undefined : byPath.get(constructPath);
        const stack = construct ? Stack.of(construct) : undefined;
        const logicalId = construct && CfnResource.isCfnResource(construct) ? stack!.resolve(construct.logicalId) : resource.resourceLogicalId;
        const where = [logicalId, constructPath && `(${constructPath})`].filter(Boolean).join(' ') || 'an unnamed resource';
        findings.push({ rule: violation.ruleName, stack, where });
      }
    }
    result.set(pack.readPackName, findings);
  }
  return result;
}

/** The rules acknowledged with `Validations.of(x).acknowledge()` inside a stack, as `id on path`. */
function acknowledgements(stack: Stack): string[] {
  return stack.node.findAll()
    .filter((c) => Stack.of(c) === stack)
    .flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data ?? {}).map((id) => `${id.replace(/^annotation::/i, '')} on ${c.node.path}`)));
}

/** Synthesizes one example and prints its summary; returns false when it failed. */
function synthExample(name: string): boolean {
  const appFile = path.join(EXAMPLES_DIR, name, 'app.ts');
  const outdir = path.join(OUT_DIR, name);
  console.log(`\n=== ${name} (${path.relative(ROOT, appFile)} -> ${path.relative(ROOT, outdir)}/)`);

  let app: App;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const example = require(appFile) as Partial<ExampleModule>;
    if (typeof example.createApp !== 'function') {
      throw new Error(`${path.relative(ROOT, appFile)} does not export createApp(props?: AppProps): App`);
    }
    fs.rmSync(outdir, { recursive: true, force: true });
    app = example.createApp({ outdir });
    app.synth();
  } catch (error) {
    console.log(`  FAILED to synthesize: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    return false;
  }

  const findings = policyFindings(app);
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  let ok = true;
  for (const stack of stacks) {
    const templateFile = path.join(Stage.of(stack)!.outdir, stack.templateFile);
    const template = JSON.parse(fs.readFileSync(templateFile, 'utf-8'));
    const resources = Object.entries<{ Type: string }>(template.Resources ?? {});
    console.log(`\n  Stack ${stack.stackName}: ${path.relative(ROOT, templateFile)}, ${resources.length} resources`);

    const cacheResources = resources.filter(([, r]) => r.Type.startsWith('AWS::ElastiCache::'));
    console.log(`    ElastiCache resources: ${cacheResources.length === 0 ? 'none' : cacheResources.length}`);
    for (const [logicalId, r] of cacheResources.sort(([a, x], [b, y]) => x.Type.localeCompare(y.Type) || a.localeCompare(b))) {
      console.log(`      ${r.Type.padEnd(36)} ${logicalId}`);
    }

    const messages = stack.node.findAll()
      .filter((c) => Stack.of(c) === stack)
      .flatMap((c) => c.node.metadata
        .filter((m) => m.type === 'aws:cdk:warning' || m.type === 'aws:cdk:error')
        .map((m) => ({ level: m.type === 'aws:cdk:error' ? 'error' : 'warning', text: `${m.data} (${c.node.path})` })));
    for (const message of messages) console.log(`    Synth ${message.level}: ${message.text}`);
    if (messages.some((m) => m.level === 'error')) ok = false;

    console.log('    Policy findings:');
    for (const [pack, all] of findings) {
      const mine = all.filter((f) => f.stack === stack);
      console.log(`      ${pack.padEnd(16)} ${mine.length}`);
      for (const f of mine) console.log(`        ${f.rule} on ${f.where}`);
    }
    // Validations writes earlier acknowledgements of a construct again with each new one.
    const acks = [...new Set(acknowledgements(stack))];
    if (acks.length > 0) {
      console.log(`    Acknowledged (not counted above): ${acks.length}`);
      for (const ack of acks) console.log(`        ${ack}`);
    }
  }
  // Findings on constructs outside any stack cannot happen for CfnResources, but never hide one.
  for (const [pack, all] of findings) {
    for (const f of all.filter((x) => x.stack === undefined)) console.log(`  ${pack}: ${f.rule} on ${f.where}`);
  }
  return ok;
}

function main(): number {
  const examples = discoverExamples();
  if (examples.length === 0) {
    console.log(`No examples found: expected ${path.relative(ROOT, EXAMPLES_DIR)}/<name>/app.ts`);
    return 1;
  }
  console.log(`Synthesizing ${examples.length} example(s) into ${path.relative(ROOT, OUT_DIR)}/`);
  const failed = examples.filter((name) => !synthExample(name));
  console.log(failed.length === 0
    ? `\nAll ${examples.length} example(s) synthesized.`
    : `\n${failed.length} of ${examples.length} example(s) failed: ${failed.join(', ')}`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main();
