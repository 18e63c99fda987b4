/**
 * Integration test of SessionStoreCache, for a real account (docs/integration-tests.md).
 *
 * Two stacks, each with a function connected through `grantSessionAccess` (which sets the
 * `SESSION_STORE_*` environment the probe reads):
 * - `SessionStoreNodes`: on nodes (a primary and a replica in another Availability Zone, cluster
 *   mode off, TLS required, KMS at rest, a generated AUTH token);
 * - `SessionStoreServerless`: ElastiCache Serverless with a password user.
 *
 * The assertions check that each cache is available with TLS, encryption at rest and Multi-AZ as
 * configured (DescribeReplicationGroups, DescribeServerlessCaches), that the function connects
 * with TLS and the secret and runs SET, GET and TTL, then rotate each secret once (RotateSecret)
 * and connect again with the rotated one.
 */
import { ExpectedResult, IDeployAssert, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { SessionStoreCache, SessionStoreConsumer, SessionStoreDeployment } from '../src';
import { allowRotateSecret, expectSecureReplicationGroup, integVpc, ProbeFunction, WAIT_LONG } from './integ-support/probe-function';

const app = new App();

const nodesStack = new Stack(app, 'SessionStoreNodes');
const nodesVpc = integVpc(nodesStack);
const nodes = new SessionStoreCache(nodesStack, 'Sessions', {
  vpc: nodesVpc,
  deployment: SessionStoreDeployment.nodeBased({ nodeType: 'cache.t4g.small' }),
  removalPolicy: RemovalPolicy.DESTROY,
});
const nodesProbe = new ProbeFunction(nodesStack, 'Probe', { vpc: nodesVpc });
nodes.grantSessionAccess(SessionStoreConsumer.lambdaFunction(nodesProbe.function));

const serverlessStack = new Stack(app, 'SessionStoreServerless');
const serverlessVpc = integVpc(serverlessStack);
const serverless = new SessionStoreCache(serverlessStack, 'Sessions', {
  vpc: serverlessVpc,
  deployment: SessionStoreDeployment.serverless({ cacheUsageLimits: { dataStorageMaximumSize: Size.gibibytes(1), requestRateLimitMaximum: 1000 } }),
  removalPolicy: RemovalPolicy.DESTROY,
});
const serverlessProbe = new ProbeFunction(serverlessStack, 'Probe', { vpc: serverlessVpc });
serverless.grantSessionAccess(SessionStoreConsumer.lambdaFunction(serverlessProbe.function));

const integ = new IntegTest(app, 'SessionStoreCacheInteg', {
  testCases: [nodesStack, serverlessStack],
  // The probe's bundle changes with every esbuild or client release: compare templates only.
  diffAssets: false,
});
const { assertions } = integ;

expectSecureReplicationGroup(assertions, {
  replicationGroupId: nodes.cluster!.replicationGroupId,
  kmsKeyArn: nodes.cluster!.encryptionKey.keyArn,
  clusterEnabled: false,
  authTokenEnabled: true,
});

// Serverless caches are always encrypted in transit and spread over Availability Zones; the
// key is the store's own.
assertions.awsApiCall('ElastiCache', 'describeServerlessCaches', { ServerlessCacheName: serverless.serverlessCacheName! })
  .expect(ExpectedResult.objectLike({
    ServerlessCaches: [Match.objectLike({
      Status: 'available',
      KmsKeyId: serverless.serverlessCache!.kmsKeyId!,
      UserGroupId: serverless.userGroup!.userGroupId,
    })],
  }))
  .waitForAssertions(WAIT_LONG);

/**
 * Connects, rotates the secret once (RotateSecret, called again while the rotation that the
 * schedule started at creation is still running), waits until the rotated version is current,
 * and connects with it.
 */
function connectRotateConnect(deployAssert: IDeployAssert, name: string, store: SessionStoreCache, functionName: string, auth: string): void {
  const secretArn = store.secret!.secretArn;
  const connected = ExpectedResult.objectLike({
    Payload: Match.serializedJson(Match.objectLike({ engine: 'redis', auth, roundTrip: true, ttlHonoured: true, plaintextRefused: true })),
  });
  const before = deployAssert.invokeFunction({ functionName, payload: JSON.stringify({ key: `integ:${name}` }) });
  before.expect(connected).waitForAssertions(WAIT_LONG);
  const rotate = deployAssert.awsApiCall('SecretsManager', 'rotateSecret', { SecretId: secretArn });
  rotate.expect(ExpectedResult.objectLike({ VersionId: Match.stringLikeRegexp('.+') })).waitForAssertions(WAIT_LONG);
  allowRotateSecret(rotate, store);
  const after = deployAssert.invokeFunction({
    functionName,
    payload: Stack.of(nodesStack).toJsonString({ key: `integ:${name}:rotated`, requireSecretVersion: rotate.getAttString('VersionId') }),
  });
  after.expect(connected).waitForAssertions(WAIT_LONG);
  before.next(rotate).next(after);
}

connectRotateConnect(assertions, 'nodes', nodes, nodesProbe.function.functionName, 'token');
connectRotateConnect(assertions, 'serverless', serverless, serverlessProbe.function.functionName, 'password');

app.synth();
