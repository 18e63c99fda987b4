/**
 * Benchmark of synthesis: an app with N default `SecureRedisCluster`s against the same resources
 * written as raw `CfnResource`s (the floor: what any construct library must at least cost).
 *
 *   npx projen bench:synth        (or: npx tsx bench/synth.ts)
 *
 * For each N (10 and 50), it builds the library's app, takes its synthesized template, and rebuilds
 * that template resource by resource with `CfnResource` in a second app. Each app is built and
 * synthesized BENCH_SYNTH_ROUNDS times (default 5), alternating, after one unmeasured round of each;
 * the medians and their ratio are printed ("in process": modules loaded). Then each app runs once in
 * a new process, timed from the process's start to the end of its synth ("whole process": Node's
 * start, module loading, construction, synthesis; the floor's process never loads the library).
 * It prints figures; it asserts nothing about timing.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/* eslint-disable @typescript-eslint/no-require-imports */
const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2') as typeof import('aws-cdk-lib/aws-ec2');
/** The library, loaded on first use: the floor's process never loads it. */
let loadedLibrary: typeof import('../src') | undefined;
function library(): typeof import('../src') {
  return loadedLibrary ??= require('../src') as typeof import('../src');
}
/* eslint-enable @typescript-eslint/no-require-imports */

const COUNTS = [10, 50];
const ROUNDS = Number(process.env.BENCH_SYNTH_ROUNDS ?? 5);
const ENV = { account: '111111111111', region: 'us-east-1' };

const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
let outCount = 0;
function newApp(): import('aws-cdk-lib').App {
  return new cdk.App({ outdir: path.join(outRoot, String(outCount++)) });
}

/**
 * Clusters per stack: each default cluster brings about 25 resources (its rotation function
 * included), and a CloudFormation stack holds at most 500.
 */
const CLUSTERS_PER_STACK = 10;

/** The library's app: stacks of up to `CLUSTERS_PER_STACK` default clusters, each stack with one VPC (isolated subnets). */
function libraryApp(count: number): import('aws-cdk-lib').App {
  const app = newApp();
  for (let first = 0; first < count; first += CLUSTERS_PER_STACK) {
    const stack = new cdk.Stack(app, `Bench${first / CLUSTERS_PER_STACK}`, { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 3,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    for (let i = first; i < Math.min(count, first + CLUSTERS_PER_STACK); i++) new (library().SecureRedisCluster)(stack, `Cache${i}`, { vpc });
  }
  return app;
}

/** The same templates, one `CfnResource` per resource, with the same stacks, logical ids and attributes. */
function floorApp(templates: Record<string, any>): import('aws-cdk-lib').App {
  const app = newApp();
  for (const [stackName, template] of Object.entries(templates)) {
    const stack = new cdk.Stack(app, stackName, { env: ENV });
    for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
      const cfn = new cdk.CfnResource(stack, logicalId, { type: resource.Type, properties: resource.Properties });
      cfn.overrideLogicalId(logicalId);
      if (resource.DependsOn) cfn.addOverride('DependsOn', [resource.DependsOn].flat());
      if (resource.DeletionPolicy) cfn.addOverride('DeletionPolicy', resource.DeletionPolicy);
      if (resource.UpdateReplacePolicy) cfn.addOverride('UpdateReplacePolicy', resource.UpdateReplacePolicy);
    }
  }
  return app;
}

/** Builds and synthesizes, in milliseconds; the templates by stack name. */
function timed(build: () => import('aws-cdk-lib').App): { ms: number; templates: Record<string, any> } {
  const start = performance.now();
  const app = build();
  const assembly = app.synth();
  const ms = performance.now() - start;
  return { ms, templates: Object.fromEntries(assembly.stacks.map((stack) => [stack.stackName, stack.template])) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Child mode: `--child <library|floor> <count|template file>`: one app, from process start to the end of synth. */
function child(kind: string, argument: string): void {
  const build = kind === 'library' ? () => libraryApp(Number(argument)) : () => floorApp(JSON.parse(fs.readFileSync(argument, 'utf8')));
  timed(build);
  process.stdout.write(`${performance.now()}\n`);
}

/** Runs one app in a new process; returns the milliseconds from that process's start to the end of its synth. */
function inNewProcess(kind: string, argument: string): number {
  const output = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', kind, argument], { encoding: 'utf8' });
  return Number(output.trim().split('\n').pop());
}

function main(): void {
  const loadStart = performance.now();
  library();
  console.log(`Loading the library (from src/ through tsx, which compiles TypeScript on the fly): ${(performance.now() - loadStart).toFixed(0)} ms\n`);
  console.log(`| Clusters | Resources | Library, in process (median of ${ROUNDS}) | Floor, in process | Ratio | Library, whole process | Floor, whole process | Ratio |`);
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const count of COUNTS) {
    const { templates } = timed(() => libraryApp(count));
    timed(() => floorApp(templates));
    const libraryTimes: number[] = [];
    const floorTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      libraryTimes.push(timed(() => libraryApp(count)).ms);
      floorTimes.push(timed(() => floorApp(templates)).ms);
    }
    const [lib, floor] = [median(libraryTimes), median(floorTimes)];
    const templateFile = path.join(outRoot, `template-${count}.json`);
    fs.writeFileSync(templateFile, JSON.stringify(templates));
    const [libProcess, floorProcess] = [inNewProcess('library', String(count)), inNewProcess('floor', templateFile)];
    const resources = Object.values(templates).reduce((sum, t) => sum + Object.keys(t.Resources).length, 0);
    console.log(`| ${count} | ${resources} | ${lib.toFixed(0)} ms | ${floor.toFixed(0)} ms | ${(lib / floor).toFixed(2)}x `
      + `| ${libProcess.toFixed(0)} ms | ${floorProcess.toFixed(0)} ms | ${(libProcess / floorProcess).toFixed(2)}x |`);
  }
}

try {
  if (process.argv[2] === '--child') child(process.argv[3], process.argv[4]);
  else main();
} finally {
  fs.rmSync(outRoot, { recursive: true, force: true });
}
