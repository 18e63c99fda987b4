/**
 * Benchmark of synthesis: an app with N default `SecureRedisCluster`s against the same resources
 * written as raw `CfnResource`s (the floor: what any construct library must at least cost).
 *
 *   npx projen bench:synth        (or: npx tsx bench/synth.ts)
 *
 * For each N (10 and 50), it builds the library's app, takes its synthesized template, and rebuilds
 * that template resource by resource with `CfnResource` in a second app. Each app is built and
 * synthesized BENCH_SYNTH_ROUNDS times (default 5), alternating, after one unmeasured round of each;
 * the medians and their ratio are printed. Module loading is outside the figures (printed apart).
 * It prints figures; it asserts nothing about timing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const loadStart = performance.now();
/* eslint-disable @typescript-eslint/no-require-imports */
const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2') as typeof import('aws-cdk-lib/aws-ec2');
const cdkLoaded = performance.now();
const library = require('../src') as typeof import('../src');
/* eslint-enable @typescript-eslint/no-require-imports */
const libraryLoaded = performance.now();

const COUNTS = [10, 50];
const ROUNDS = Number(process.env.BENCH_SYNTH_ROUNDS ?? 5);
const ENV = { account: '111111111111', region: 'us-east-1' };

const outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
let outCount = 0;
function newApp(): import('aws-cdk-lib').App {
  return new cdk.App({ outdir: path.join(outRoot, String(outCount++)) });
}

/** The library's app: one VPC (isolated subnets) and `count` default clusters. */
function libraryApp(count: number): import('aws-cdk-lib').Stack {
  const app = newApp();
  const stack = new cdk.Stack(app, 'Bench', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 3,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  for (let i = 0; i < count; i++) new library.SecureRedisCluster(stack, `Cache${i}`, { vpc });
  return stack;
}

/** The same template, one `CfnResource` per resource, with the same logical ids and attributes. */
function floorApp(template: any): import('aws-cdk-lib').Stack {
  const app = newApp();
  const stack = new cdk.Stack(app, 'Bench', { env: ENV });
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    const cfn = new cdk.CfnResource(stack, logicalId, { type: resource.Type, properties: resource.Properties });
    cfn.overrideLogicalId(logicalId);
    if (resource.DependsOn) cfn.addOverride('DependsOn', [resource.DependsOn].flat());
    if (resource.DeletionPolicy) cfn.addOverride('DeletionPolicy', resource.DeletionPolicy);
    if (resource.UpdateReplacePolicy) cfn.addOverride('UpdateReplacePolicy', resource.UpdateReplacePolicy);
  }
  return stack;
}

/** Builds and synthesizes, in milliseconds. */
function timed(build: () => import('aws-cdk-lib').Stack): { ms: number; template: any } {
  const start = performance.now();
  const stack = build();
  const assembly = cdk.Stage.of(stack)!.synth();
  const ms = performance.now() - start;
  return { ms, template: assembly.getStackArtifact(stack.artifactId).template };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

try {
  console.log(`Module loading: aws-cdk-lib ${(cdkLoaded - loadStart).toFixed(0)} ms, the library (from src/ through tsx) ${(libraryLoaded - cdkLoaded).toFixed(0)} ms\n`);
  console.log(`| Clusters | Resources | Library (median of ${ROUNDS}) | Raw CfnResource floor | Ratio |`);
  console.log('|---:|---:|---:|---:|---:|');
  for (const count of COUNTS) {
    const { template } = timed(() => libraryApp(count));
    timed(() => floorApp(template));
    const libraryTimes: number[] = [];
    const floorTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      libraryTimes.push(timed(() => libraryApp(count)).ms);
      floorTimes.push(timed(() => floorApp(template)).ms);
    }
    const [lib, floor] = [median(libraryTimes), median(floorTimes)];
    console.log(`| ${count} | ${Object.keys(template.Resources).length} | ${lib.toFixed(0)} ms | ${floor.toFixed(0)} ms | ${(lib / floor).toFixed(2)}x |`);
  }
} finally {
  fs.rmSync(outRoot, { recursive: true, force: true });
}
