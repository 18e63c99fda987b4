import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import * as library from '../src';
import { controlTowerFailures, findings } from './policy';

// Every TypeScript block (```ts or ```typescript) of README.md and docs/*.md runs here, as the body
// of a Stack constructor in rosetta/default.ts-fixture (the fixture's imports, with
// `cdk-secure-elasticache` mapped to src/). Each `declare const <name>: <type>;` of the snippet or
// of the fixture gets a real value from GIVENS, made in the same stack. Every snippet must compile
// with types (one program for all of them), must not throw,
// and the five cdk-nag packs must report nothing on the library's constructs (the snippet's own
// and the givens `cache` and `sessions`) or under them.
//
// Shell commands go in ```sh blocks, application code that runs in a Lambda function in ```js
// blocks (or in examples/): neither is stack code. There is no way to exempt a ```ts block.

const ROOT = path.join(__dirname, '..');
const FIXTURE = fs.readFileSync(path.join(ROOT, 'rosetta', 'default.ts-fixture'), 'utf8');

/** A value for each name that snippets declare, made in the snippet's stack; `library`: one of the library's constructs. */
const GIVENS: Record<string, { library?: boolean; make: (stack: Stack, given: (name: string) => any) => unknown }> = {
  vpc: {
    make: (stack) => new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    }),
  },
  appService: { make: (stack, given) => new ec2.SecurityGroup(stack, 'AppService', { vpc: given('vpc') }) },
  client: { make: (stack, given) => new ec2.SecurityGroup(stack, 'Client', { vpc: given('vpc') }) },
  sg: { make: (stack, given) => new ec2.SecurityGroup(stack, 'Sg', { vpc: given('vpc') }) },
  fn: {
    // The application's function, in the VPC's private subnets.
    make: (stack, given) => new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
      vpc: given('vpc'),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    }),
  },
  dashboard: { make: (stack) => new cloudwatch.Dashboard(stack, 'Dashboard') },
  apiRole: { make: (stack) => new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }) },
  ordersService: { make: (stack) => new iam.Role(stack, 'OrdersService', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }) },
  tokenSecret: {
    make: (stack) => new secretsmanager.Secret(stack, 'TokenSecret', {
      encryptionKey: new kms.Key(stack, 'TokenSecretKey', { enableKeyRotation: true }),
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'token', passwordLength: 64, excludePunctuation: true },
    }),
  },
  secretsManagerEndpoint: {
    make: (_stack, given) => (given('vpc') as ec2.Vpc).addInterfaceEndpoint('SecretsManagerEndpoint', {
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    }),
  },
  elastiCacheEndpoint: {
    make: (_stack, given) => (given('vpc') as ec2.Vpc).addInterfaceEndpoint('ElastiCacheEndpoint', {
      service: ec2.InterfaceVpcEndpointAwsService.ELASTICACHE,
    }),
  },
  deadLetterQueue: {
    make: (stack) => new sqs.Queue(stack, 'DeadLetterQueue', {
      encryptionMasterKey: new kms.Key(stack, 'DeadLetterQueueKey', { enableKeyRotation: true }),
      enforceSSL: true,
    }),
  },
  topic: {
    make: (stack) => new sns.Topic(stack, 'Topic', {
      masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }),
      enforceSSL: true,
    }),
  },
  vpcFunctions: {
    // A platform team's one policy for the network interfaces of VPC functions, acknowledged where it is kept.
    make: (stack) => {
      const policy = new iam.ManagedPolicy(stack, 'VpcFunctions', {
        statements: [new iam.PolicyStatement({
          actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
          resources: ['*'],
        })],
      });
      Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'No resource-level permissions for these actions.' });
      return policy;
    },
  },
  cache: { library: true, make: (stack, given) => new library.SecureRedisCluster(stack, 'GivenCache', { vpc: given('vpc') }) },
  sessions: { library: true, make: (stack, given) => new library.SessionStoreCache(stack, 'GivenSessions', { vpc: given('vpc') }) },
};

interface Snippet {
  /** `<file>:<line of the opening fence>`. */
  readonly where: string;
  readonly code: string;
  /**
   * A whole program (```ts nofixture, as jsii-rosetta calls it): its own imports and `new App()`,
   * which is the test's app. Otherwise the body of the fixture's stack constructor.
   */
  readonly program?: boolean;
}

/** The ```ts and ```typescript blocks of a Markdown file. */
export function typescriptBlocks(file: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*(\S*)(.*)$/.exec(lines[i]);
    if (!fence) continue;
    const [, indent, marker, language, info] = fence;
    const end = lines.findIndex((line, j) => j > i && line.startsWith(`${indent}${marker}`) && line.trim() === marker);
    if (end < 0) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    if (['ts', 'typescript'].includes(language.toLowerCase())) {
      const code = lines.slice(i + 1, end).map((line) => line.slice(indent.length)).join('\n');
      snippets.push({ where: `${file}:${i + 1}`, code, ...(/\bnofixture\b/.test(info) ? { program: true } : {}) });
    }
    i = end;
  }
  return snippets;
}

const DECLARATION = /^declare const (\w+)\s*:\s*([^;]+);[ \t]*$/gm;

/** The `declare const` names and types of a text. */
function declarations(code: string): Map<string, string> {
  return new Map([...code.matchAll(DECLARATION)].map((m) => [m[1], m[2].trim()]));
}

/** The names a snippet uses that the fixture or the snippet declares. */
function usedGivens(snippet: Snippet): Map<string, string> {
  const declared = new Map([...declarations(FIXTURE), ...declarations(snippet.code)]);
  const body = snippet.code.replace(DECLARATION, '');
  return new Map([...declared].filter(([name]) => new RegExp(`\\b${name}\\b`).test(body)));
}

/** Runs a snippet in `app`: a program as it is, anything else as the body of the fixture's stack, with its givens. */
function runSnippet(app: App, snippet: Snippet): void {
  if (snippet.program) {
    runProgram(app, snippet);
    return;
  }
  const used = usedGivens(snippet);
  const unknown = [...used.keys()].filter((name) => !GIVENS[name]);
  if (unknown.length > 0) {
    throw new Error(`${snippet.where} declares ${unknown.join(', ')}, which have no value in GIVENS of test/snippets.test.ts (known: ${Object.keys(GIVENS).join(', ')})`);
  }
  const body = [
    ...[...used].map(([name, type]) => `const ${name}: ${type} = __given(this, '${name}');`),
    snippet.code.replace(DECLARATION, ''),
  ].join('\n');
  if (!FIXTURE.includes('/// here')) throw new Error('rosetta/default.ts-fixture has no "/// here" marker');
  const source = `${FIXTURE.replace(DECLARATION, '').replace('/// here', body)}\nexport { Fixture };\n`;
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: `${snippet.where}.ts`,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  if (diagnostics?.length) throw new Error(`${snippet.where}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);

  const module = { exports: {} as { Fixture?: new (scope: App, id: string) => Stack } };
  const load = (id: string): unknown => {
    if (id === 'cdk-secure-elasticache') return library;
    if (id === '__givens') return givenIn;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id);
  };
  const withGivens = `const { __given } = require('__givens');\n${outputText}`;
  new Function('require', 'module', 'exports', withGivens)(load, module, module.exports);
  new module.exports.Fixture!(app, 'Snippet');
}

/** Runs a whole program, whose `new App()` gives `app`; `cdk-secure-elasticache` is src/. */
function runProgram(app: App, snippet: Snippet): void {
  const { outputText, diagnostics } = ts.transpileModule(snippet.code, {
    fileName: `${snippet.where}.ts`,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  if (diagnostics?.length) throw new Error(`${snippet.where}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cdk = require('aws-cdk-lib');
  // A constructor that returns an object gives that object to `new`.
  const TheApp = function () { return app; };
  const withTheApp = new Proxy(cdk, { get: (target, key) => (key === 'App' ? TheApp : target[key]) });
  const load = (id: string): unknown => {
    if (id === 'cdk-secure-elasticache') return library;
    if (id === 'aws-cdk-lib') return withTheApp;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id);
  };
  const module = { exports: {} };
  // A validation plugin that reports a finding fails the synth by the exit code (`cdk synth`
  // exits with it): here, the snippet fails instead.
  const exitCode = process.exitCode;
  try {
    new Function('require', 'module', 'exports', outputText)(load, module, module.exports);
  } finally {
    const failed = process.exitCode !== exitCode;
    process.exitCode = exitCode;
    if (failed) throw new Error(`${snippet.where}: the synth failed the policy validation (see the report above)`);
  }
}

/**
 * The fixture with a snippet in it, as jsii-rosetta compiles it: the snippet's declarations at the
 * top level, the rest where the fixture says `/// here`.
 */
function fixtureSource(snippet: Snippet): string {
  if (snippet.program) return snippet.code;
  const declared = [...snippet.code.matchAll(DECLARATION)].map((m) => m[0]).join('\n');
  return FIXTURE.replace('class Fixture', `${declared}\n\nclass Fixture`).replace('/// here', snippet.code.replace(DECLARATION, ''));
}

/**
 * The type errors of the snippets, as `<file>:<line>: <message>`, from one program that compiles
 * each snippet in the fixture with the test settings, `cdk-secure-elasticache` being src/index.ts.
 */
function typeErrors(snippets: readonly Snippet[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'test', 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => { throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')); },
  })!;
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    paths: { 'cdk-secure-elasticache': [path.join(ROOT, 'src', 'index.ts')] },
  };
  // Virtual files next to the tests, so that node_modules resolve as for them.
  const files = new Map(snippets.map((snippet, index) => [path.join(ROOT, 'test', `snippet-${index}.generated.ts`), snippet] as const));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const snippet = files.get(path.resolve(fileName));
    return snippet ? ts.createSourceFile(fileName, fixtureSource(snippet), languageVersion, true) : getSourceFile(fileName, languageVersion, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => files.has(path.resolve(fileName)) || fileExists(fileName);
  const program = ts.createProgram([...files.keys()], options, host);
  return [...files].flatMap(([fileName, snippet]) => ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((diagnostic) => {
    const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
    return `${snippet.where} (line ${line} with the fixture): ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  }));
}

/** Memoized givens, per stack. */
const made = new WeakMap<Stack, Map<string, unknown>>();
const givenIn = {
  __given(stack: Stack, name: string): unknown {
    if (!made.has(stack)) made.set(stack, new Map());
    const values = made.get(stack)!;
    if (!values.has(name)) values.set(name, GIVENS[name].make(stack, (other) => givenIn.__given(stack, other)));
    return values.get(name);
  },
};

/** The classes of the library's constructs (the exported classes that are constructs). */
const LIBRARY_CONSTRUCTS = (Object.values(library) as unknown[])
  .filter((value): value is new (...args: any[]) => Construct => typeof value === 'function' && value.prototype instanceof Construct);

/** The findings of the five packs on the library's constructs and everything under them. */
/** The entries of `list` (`<rule> on <construct path>`) on the library's constructs or under them. */
function onLibrary(app: App, list: string[]): string[] {
  const paths = app.node.findAll()
    .filter((construct) => LIBRARY_CONSTRUCTS.some((type) => construct instanceof type))
    .map((construct) => construct.node.path);
  return list.filter((finding) => {
    const on = finding.slice(finding.indexOf(' on ') + ' on '.length);
    return paths.some((p) => on === p || on.startsWith(`${p}/`));
  });
}

function libraryFindings(app: App): string[] {
  return onLibrary(app, findings(app));
}

const DOCS = path.join(ROOT, 'docs');
const MARKDOWN = ['README.md', ...(fs.existsSync(DOCS) ? fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`) : [])];
const SNIPPETS = MARKDOWN.flatMap((file) => typescriptBlocks(file, fs.readFileSync(path.join(ROOT, file), 'utf8')));

test('the README has TypeScript snippets', () => {
  expect(SNIPPETS.filter((s) => s.where.startsWith('README.md:')).length).toBeGreaterThan(0);
});

/** A snippet that must not compile, checked in the same program (one program takes seconds). */
const MISSPELLED: Snippet = { where: 'misspelled.md:1', code: 'declare const vpc: ec2.IVpc;\nnew SecureRedisCluster(this, "Cache", { vpc, notAProp: 1 });' };
let compiled: string[] | undefined;
function compileErrors(): string[] {
  return compiled ??= typeErrors([...SNIPPETS, MISSPELLED]);
}

test('every snippet compiles in the fixture, with types', () => {
  expect(compileErrors().filter((error) => !error.startsWith(MISSPELLED.where))).toEqual([]);
});

describe.each(SNIPPETS.map((s) => [s.where, s] as const))('%s', (_where, snippet) => {
  test('synthesizes, and the five cdk-nag packs report nothing on what it adds', () => {
    const app = new App();
    runSnippet(app, snippet);
    expect(libraryFindings(app)).toEqual([]);
    // The README's blocks also pass the Control Tower proactive controls (a few seconds each).
    if (snippet.where.startsWith('README.md:')) {
      expect(onLibrary(app, controlTowerFailures(app))).toEqual([]);
    }
  });
});

describe('the runner', () => {
  test('extracts ```ts and ```typescript blocks only, with the line of their fence', () => {
    const markdown = ['# T', '```ts', 'a();', '```', '```sh', 'npm test', '```', '```typescript', 'b();', '```', '```js', 'c();', '```'].join('\n');
    expect(typescriptBlocks('x.md', markdown)).toEqual([{ where: 'x.md:2', code: 'a();' }, { where: 'x.md:8', code: 'b();' }]);
  });

  test('a snippet with a prop that does not exist does not compile', () => {
    expect(compileErrors().filter((error) => error.startsWith(MISSPELLED.where))).toEqual([expect.stringMatching(/'notAProp' does not exist/)]);
  });

  test('a snippet that throws fails', () => {
    expect(() => runSnippet(new App(), { where: 'x.md:1', code: 'throw new Error("boom");' })).toThrow('boom');
  });

  test('a declared name without a value fails with the known names', () => {
    expect(() => runSnippet(new App(), { where: 'x.md:1', code: 'declare const unknownThing: ec2.IVpc;\nunknownThing.vpcId;' }))
      .toThrow(/x.md:1 declares unknownThing, which have no value in GIVENS/);
  });

  test('findings on the library\'s constructs are reported, those on the givens are not', () => {
    const app = new App();
    runSnippet(app, {
      where: 'x.md:1',
      // A weakness the constructs do not refuse: Multi-AZ turned off on the L1 underneath.
      code: 'declare const vpc: ec2.IVpc;\nconst cache = new SecureRedisCluster(this, "Cache", { vpc });\n(cache.node.defaultChild as any).multiAzEnabled = false;',
    });
    expect(findings(app).some((finding) => finding.includes(' on Snippet/Vpc'))).toBe(true);
    expect(libraryFindings(app)).toEqual(expect.arrayContaining(['AwsSolutions-AEC4 on Snippet/Cache/Resource']));
    expect(libraryFindings(app).filter((finding) => finding.includes(' on Snippet/Vpc'))).toEqual([]);
  });
});
