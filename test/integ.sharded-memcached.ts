/**
 * Integration test of ShardedMemcached, for a real account (docs/integration-tests.md).
 *
 * Two nodes across Availability Zones with TLS (the defaults but the node count and type). The
 * assertions check that the cluster is available with TLS and its nodes spread over zones
 * (DescribeCacheClusters), and that a function in the VPC discovers the nodes through the
 * configuration endpoint over TLS, writes and reads a key, sees a short TTL expire, and gets no
 * answer on a plain-text connection. Memcached has no AUTH token or secret: nothing rotates.
 *
 * `cdk deploy -c integ-update=port` over the first deployment changes the port from 11212 (the
 * default) to 11213, which replaces the cluster (docs/updates-and-replacements.md); the
 * assertions run again against the new cluster.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { ShardedMemcached } from '../src';
import { integVpc, ProbeFunction, WAIT_LONG } from './integ-support/probe-function';

const app = new App();
const update = app.node.tryGetContext('integ-update') as string | undefined;
if (update !== undefined && update !== 'port') {
  throw new Error(`integ-update is ${JSON.stringify(update)}; use port.`);
}
const stack = new Stack(app, 'ShardedMemcached');
const vpc = integVpc(stack);
const cache = new ShardedMemcached(stack, 'Cache', {
  vpc,
  nodes: 2,
  nodeType: 'cache.t4g.small',
  port: update === 'port' ? 11213 : undefined,
});
const probe = new ProbeFunction(stack, 'Probe', {
  vpc,
  environment: {
    CACHE_ENGINE: 'memcached',
    CACHE_HOST: cache.configurationEndpoint.hostname,
    CACHE_PORT: cache.port.toString(),
  },
});
cache.connections.allowDefaultPortFrom(probe.function);

const integ = new IntegTest(app, 'ShardedMemcachedInteg', {
  testCases: [stack],
  // The probe's bundle changes with every esbuild or client release: compare templates only.
  diffAssets: false,
});

const described = integ.assertions.awsApiCall('ElastiCache', 'describeCacheClusters', { CacheClusterId: cache.clusterName });
described.expect(ExpectedResult.objectLike({
  CacheClusters: [Match.objectLike({
    CacheClusterStatus: 'available',
    Engine: 'memcached',
    NumCacheNodes: 2,
    TransitEncryptionEnabled: true,
    // "Multiple" when the nodes are in different Availability Zones (CacheCluster, ElastiCache API reference).
    PreferredAvailabilityZone: 'Multiple',
  })],
})).waitForAssertions(WAIT_LONG);

const probed = integ.assertions.invokeFunction({ functionName: probe.function.functionName, payload: JSON.stringify({ key: 'integ:memcached' }) });
probed.expect(ExpectedResult.objectLike({
  Payload: Match.serializedJson(Match.objectLike({
    engine: 'memcached',
    roundTrip: true,
    ttlHonoured: true,
    plaintextRefused: true,
  })),
})).waitForAssertions(WAIT_LONG);

described.next(probed);

app.synth();
