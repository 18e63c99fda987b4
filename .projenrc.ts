import { awscdk, javascript, JsonFile, release } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-elasticache',
  description:
    'Secure, highly available Amazon ElastiCache (Valkey, Redis OSS, Memcached) constructs for the AWS CDK: TLS, KMS, generated AUTH tokens, least-privilege networking, backups, logs and alarms by default.',
  author: 'cdk-secure-elasticache contributors',
  authorAddress: 'maintainers@cdk-secure-elasticache.dev',
  repositoryUrl: 'https://github.com/cdk-secure-elasticache/cdk-secure-elasticache.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'aws-cdk', 'elasticache', 'valkey', 'redis', 'memcached', 'cache', 'security'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  // cdk-nag 3 needs aws-cdk-lib >= 2.257; its packs run as plugins (Validations.of(app).addPlugins) from 2.258,
  // the first release whose validation context carries the construct tree (appConstruct).
  cdkVersion: '2.258.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.0',
  projenVersion: '0.103.25',

  // The exported ElastiCacheChecks pack is a cdk-nag NagPack: users bring cdk-nag themselves.
  peerDeps: ['cdk-nag@^3.0.2'],

  devDeps: [
    // Policy checks in the tests: Control Tower guard rules (with the cfn-guard binary they ship),
    // property-based configuration matrices, and the alpha module as a comparison anchor.
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    'fast-check@^4',
    '@aws-cdk/aws-elasticache-alpha@2.235.1-alpha.0',
    // The integration tests (test/integ.*.ts, docs/integration-tests.md): IntegTest and its
    // assertions. 2.245.0-alpha.0 is the newest on the registry (no 2.258 build); its peer range is
    // aws-cdk-lib ^2.245.0. integ-runner is not added: its newest release (2.197.10) bundles a
    // toolkit that reads cloud assemblies up to schema 53, and aws-cdk-lib 2.258 writes 54.
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'tsx@^4',
    // The AUTH token rotation function (src/private/auth-token-rotation.lambda.ts): the SDK clients
    // for its types and tests (the Lambda runtime provides the SDK), the Valkey client that is
    // bundled into its asset, and the SDK mock for the handler tests.
    '@aws-sdk/client-elasticache@^3',
    '@aws-sdk/client-secrets-manager@^3',
    'aws-sdk-client-mock@^4',
    'iovalkey@^0.4',
    // The examples' app code (examples/patterns, examples/iam-auth) and its real-server tests.
    '@valkey/valkey-glide@^2.5.2',
    'pg@^8.23.1',
    '@types/pg@^8.23.1',
    '@smithy/signature-v4@^5',
    '@smithy/types@^4',
    // The CDK CLI, for `npx cdk synth` in an example's folder (examples/<name>/cdk.json). 2.1144 is the
    // first that reads the cloud assembly schema of aws-cdk-lib 2.258 (3.0.0 on npm is an old release).
    'aws-cdk@^2.1148.1',
  ],

  // Handlers named *.lambda.ts are bundled with esbuild into assets/ at build time, so users need
  // neither Docker nor bundling at deploy. nodejs24.x is the newest Node.js runtime that
  // aws-cdk-lib's lambda.Runtime knows, which is what cdk-nag's AwsSolutions-L1 compares with.
  // The runtime provides the AWS SDK v3 (kept external); iovalkey is bundled.
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    awsSdkConnectionReuse: false,
    bundlingOptions: { externals: ['@aws-sdk/*'], watchTask: false },
  },

  // Versions come from git tags (projen's tag-driven versioning): `npx projen release` bumps from
  // the latest tag and the commits since, builds every package into dist/, and adds the release to
  // CHANGELOG.md. No CI workflow is generated: publishing runs where the registries' credentials are.
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelog: true, changelogPath: 'CHANGELOG.md' }),
  github: false,
  publishToPypi: { distName: 'cdk-secure-elasticache', module: 'cdk_secure_elasticache' },
  publishToMaven: {
    javaPackage: 'io.github.cdksecureelasticache',
    mavenGroupId: 'io.github.cdk-secure-elasticache',
    mavenArtifactId: 'cdk-secure-elasticache',
  },
  publishToNuget: { dotNetNamespace: 'CdkSecureElasticache', packageId: 'CdkSecureElasticache' },
  publishToGo: { moduleName: 'github.com/cdk-secure-elasticache/cdk-secure-elasticache-go' },
  docgen: true,

  // The tests load the examples, which import the library by its package name: that name is this
  // repository's source for the tests' type checks too (examples/tsconfig.json maps it the same way).
  tsconfigDev: { compilerOptions: { paths: { 'cdk-secure-elasticache': ['../src/index.ts'] } } },

  jestOptions: {
    jestVersion: '^30',
    // A snapshot that rewrites itself cannot fail: updating is an explicit task (test:update).
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    coverageText: false,
    jestConfig: {
      // Two cores on CI machines.
      maxWorkers: 2,
      testTimeout: 60_000,
      coverageReporters: ['text-summary', 'lcov'],
      // Tests leave nothing behind: a temporary folder per run and per worker, in place of the
      // system's, emptied after each test file and checked empty at the end (test/jest/).
      globalSetup: '<rootDir>/test/jest/global-setup.ts',
      globalTeardown: '<rootDir>/test/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/jest/worker-temp-dir.ts'],
      // The examples import the library by its package name, as an app that installed it does:
      // here that name is this repository's source (as in examples/tsconfig.json).
      moduleNameMapper: { '^cdk-secure-elasticache$': '<rootDir>/src/index.ts' },
    },
  },

  gitignore: ['cdk.out/', '/test-reports/', '*.tsbuildinfo', '.jsii.tabl.json'],
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'scripts', 'bench', 'projenrc', '.projenrc.ts'] },
  npmignoreEnabled: true,
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/scripts/', '/.ci/', '/cdk.out/', '/bench/'] },
});


// Type-check and lint the examples, scripts and benchmarks with the test settings. The examples
// (and the script that synthesizes them) import the library by its package name, as an app that
// installed it does: `paths` maps that name to this repository's source, for tsc, for tsx (which
// reads the nearest tsconfig.json above the working folder: `npx cdk synth` in an example) and for
// esbuild (which reads the nearest tsconfig.json above each bundled file).
for (const dir of ['examples', 'scripts', 'bench']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../test/tsconfig.json',
      compilerOptions: dir !== 'examples' ? undefined : { paths: { 'cdk-secure-elasticache': ['../src/index.ts'] } },
      include: ['**/*.ts'],
      exclude: ['node_modules', 'cdk.out'],
    },
  });
}

// The lint's import resolver reads the examples' tsconfig too, where `cdk-secure-elasticache` is a path.
project.eslint?.file.addOverride('settings.import/resolver.typescript.project', ['./tsconfig.json', './examples/tsconfig.json']);
project.eslint?.file.addOverride('settings.import/resolver.typescript.noWarnOnMultipleProjects', true);

// Node 20 is supported by this project; jsii's end-of-life banner is noise in every build.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Every TypeScript example in the README and in doc comments must compile (fixture: rosetta/).
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile the README and API examples with jsii-rosetta, failing on any error',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);

// `npm run synth`: synthesize every app under examples/ into cdk.out/ and print a summary.
const synth = project.addTask('synth', {
  description: 'Synthesize the example apps into cdk.out/ and print their ElastiCache resources and policy findings',
  // With the examples' tsconfig, whose `paths` resolve `cdk-secure-elasticache` to src/.
  exec: 'tsx --tsconfig examples/tsconfig.json scripts/synth-examples.ts',
});

// `npx projen bindings`: the Python, Java, .NET and Go sources that jsii generates, checked offline
// (after compile and rosetta:extract): Python compiles, every public type is declared in each
// language, every example is translated into the four. The runtimes' registries are not reachable.
project.addTask('bindings', {
  description: 'Generate the Python, Java, .NET and Go sources (code only) and check them offline',
  exec: 'tsx scripts/check-bindings.ts',
});

// `npm run bench`: the caching patterns against local servers; prints figures, asserts nothing.
project.addTask('bench', {
  description: 'Benchmark the caching patterns against local redis-server and PostgreSQL (prints figures, asserts nothing)',
  exec: 'tsx bench/patterns.ts',
});

// `npx projen bench:synth`: synth time of default SecureRedisClusters against raw CfnResources (prints figures).
const benchSynth = project.addTask('bench:synth', {
  description: 'Benchmark synthesis: 10 and 50 default SecureRedisClusters against the same resources as raw CfnResources (prints figures, asserts nothing)',
  exec: 'tsx bench/synth.ts',
});

// The tests and the example apps load the rotation function's bundle from assets/: build it first.
project.testTask.prependSpawn(project.bundler.bundleTask);

// Before anything else, `npm test` checks for the programs the tests run (cfn-lint, redis-server,
// memcached, PostgreSQL, openssl): installs them as root with apt-get (pip for cfn-lint), or stops
// at once with the one line to run.
const prerequisites = project.addTask('test:prerequisites', {
  description: 'Check for (and, as root with apt-get, install) cfn-lint, redis-server, memcached, PostgreSQL and openssl',
  exec: 'tsx scripts/test-prerequisites.ts',
});
project.testTask.prependSpawn(prerequisites);
synth.prependSpawn(project.bundler.bundleTask);
benchSynth.prependSpawn(project.bundler.bundleTask);

project.synth();
