/**
 * Integration test of SecureRedisCluster, for a real account (docs/integration-tests.md).
 *
 * Two stacks:
 * - `SecureRedisClusterToken`: the defaults (Valkey, cluster mode on, one shard with a replica in
 *   another Availability Zone, TLS required, KMS at rest, a generated AUTH token rotated by the
 *   library's function);
 * - `SecureRedisClusterIam`: IAM authentication, cluster mode off.
 *
 * The assertions check that each group is available with TLS, at-rest encryption and Multi-AZ as
 * configured (DescribeReplicationGroups); that a function in the VPC connects with TLS and the
 * token (or an IAM token) and runs SET, GET and TTL, while a plain-text connection gets no answer;
 * then rotate the token once (RotateSecret), wait until the rotated version is current, and
 * connect again with it.
 *
 * The context value `integ-update` changes the token stack for the update sequences that
 * docs/updates-and-replacements.md calls risky, deployed over the first deployment (and its
 * rotation) with `cdk deploy -c integ-update=<value>`; the assertions run again after each:
 * - `description`: an in-place update of the group, in which CloudFormation resolves the AUTH
 *   token's `{{resolve:secretsmanager:...}}` again, to the token that the rotation made current;
 * - `users`: from the AUTH token to an RBAC password user (`integ-probe`): replaces the group;
 *   the probe then logs in as the user, with its secret, and that secret is rotated;
 * - `port`: 6380 (the default) to 6390: replaces the group, and the security group rules with it;
 * - `replicas`: one replica per shard to two, with cluster mode on: replaces the group.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CacheAuthentication, CacheUser, SecureRedisCluster } from '../src';
import { allowRotateSecret, expectSecureReplicationGroup, integVpc, ProbeFunction, WAIT_LONG } from './integ-support/probe-function';

const app = new App();
const update = app.node.tryGetContext('integ-update') as string | undefined;

// The token stack: the defaults, on small nodes, deleted without a final snapshot.
const tokenStack = new Stack(app, 'SecureRedisClusterToken');
const tokenVpc = integVpc(tokenStack);
const UPDATES = ['description', 'users', 'port', 'replicas'];
if (update !== undefined && !UPDATES.includes(update)) {
  throw new Error(`integ-update is ${JSON.stringify(update)}; use one of ${UPDATES.join(', ')}.`);
}
const withUser = update === 'users';
const tokenCache = new SecureRedisCluster(tokenStack, 'Cache', {
  vpc: tokenVpc,
  nodeType: 'cache.t4g.small',
  removalPolicy: RemovalPolicy.DESTROY,
  description: update === 'description' ? 'Integration test, updated after a rotation' : undefined,
  authentication: withUser ? CacheAuthentication.users([CacheUser.password('integ-probe')]) : undefined,
  port: update === 'port' ? 6390 : undefined,
  replicasPerShard: update === 'replicas' ? 2 : undefined,
});
const tokenSecret = withUser ? tokenCache.userSecret('integ-probe') : tokenCache.authTokenSecret!;
const tokenAuth = withUser ? 'password' : 'token';
const tokenProbe = new ProbeFunction(tokenStack, 'Probe', {
  vpc: tokenVpc,
  environment: {
    CACHE_ENGINE: 'redis',
    CACHE_HOST: tokenCache.endpoint.hostname,
    CACHE_PORT: tokenCache.port.toString(),
    CACHE_CLUSTER_MODE: String(tokenCache.clusterMode),
    CACHE_AUTH: tokenAuth,
    CACHE_SECRET_ARN: tokenSecret.secretArn,
    ...(withUser ? { CACHE_USERNAME: 'integ-probe' } : {}),
  },
});
tokenCache.connections.allowDefaultPortFrom(tokenProbe.function);
if (withUser) tokenCache.grantReadUserSecret(tokenProbe.function, 'integ-probe');
else tokenCache.grantReadAuthToken(tokenProbe.function);

// The IAM stack: no password; the probe signs a token for the user `integ-probe`.
const iamStack = new Stack(app, 'SecureRedisClusterIam');
const iamVpc = integVpc(iamStack);
const iamCache = new SecureRedisCluster(iamStack, 'Cache', {
  vpc: iamVpc,
  nodeType: 'cache.t4g.small',
  clusterMode: false,
  authentication: CacheAuthentication.users([CacheUser.iam('integ-probe')]),
  removalPolicy: RemovalPolicy.DESTROY,
});
const iamProbe = new ProbeFunction(iamStack, 'Probe', {
  vpc: iamVpc,
  environment: {
    CACHE_ENGINE: 'redis',
    CACHE_HOST: iamCache.endpoint.hostname,
    CACHE_PORT: iamCache.port.toString(),
    CACHE_CLUSTER_MODE: 'false',
    CACHE_AUTH: 'iam',
    CACHE_USERNAME: 'integ-probe',
    CACHE_NAME: iamCache.replicationGroupId,
  },
});
iamCache.connections.allowDefaultPortFrom(iamProbe.function);
iamCache.grantConnect(iamProbe.function, 'integ-probe');

const integ = new IntegTest(app, 'SecureRedisClusterInteg', {
  testCases: [tokenStack, iamStack],
  // The probe's bundle changes with every esbuild or client release: compare templates only.
  diffAssets: false,
});
const { assertions } = integ;

// Both groups: available, TLS required, encrypted at rest with the construct's key, Multi-AZ.
expectSecureReplicationGroup(assertions, {
  replicationGroupId: tokenCache.replicationGroupId, kmsKeyArn: tokenCache.encryptionKey.keyArn, clusterEnabled: true, authTokenEnabled: !withUser,
});

expectSecureReplicationGroup(assertions, {
  replicationGroupId: iamCache.replicationGroupId,
  kmsKeyArn: iamCache.encryptionKey.keyArn,
  clusterEnabled: false,
  authTokenEnabled: false,
  userGroupIds: [iamCache.userGroup!.userGroupId],
});

const connected = (auth: string) => ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({
    engine: 'redis',
    auth,
    roundTrip: true,
    ttlHonoured: true,
    plaintextRefused: true,
  })),
});

// IAM: connect, SET, GET, TTL.
assertions.invokeFunction({ functionName: iamProbe.function.functionName, payload: JSON.stringify({ key: 'integ:iam' }) })
  .expect(connected('iam'))
  .waitForAssertions(WAIT_LONG);

// Token (or, after `integ-update=users`, the user's password): connect, rotate once, wait for the
// rotated version to be current, connect with it.
const beforeRotation = assertions.invokeFunction({
  functionName: tokenProbe.function.functionName,
  payload: JSON.stringify({ key: 'integ:token' }),
});
beforeRotation.expect(connected(tokenAuth)).waitForAssertions(WAIT_LONG);

// The rotation schedule already rotated the token once when it was created: RotateSecret fails
// while a rotation is in progress, and the waiter calls it again until it is accepted.
const rotate = assertions.awsApiCall('SecretsManager', 'rotateSecret', { SecretId: tokenSecret.secretArn });
rotate.expect(ExpectedResult.objectLike({ VersionId: Match.stringLikeRegexp('.+') })).waitForAssertions(WAIT_LONG);
allowRotateSecret(rotate, tokenCache);

const afterRotation = assertions.invokeFunction({
  functionName: tokenProbe.function.functionName,
  payload: tokenStack.toJsonString({ key: 'integ:token:rotated', requireSecretVersion: rotate.getAttString('VersionId') }),
});
afterRotation.expect(connected(tokenAuth)).waitForAssertions(WAIT_LONG);

// The group is available again once the rotation has set the new token.
const settled = assertions.awsApiCall('ElastiCache', 'describeReplicationGroups', { ReplicationGroupId: tokenCache.replicationGroupId });
settled.expect(ExpectedResult.objectLike({
  ReplicationGroups: [Match.objectLike({ Status: 'available', AuthTokenEnabled: !withUser })],
})).waitForAssertions(WAIT_LONG);

beforeRotation.next(rotate).next(afterRotation).next(settled);

app.synth();
