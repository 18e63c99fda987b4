import { CfnParameter, Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MemcachedAlarmsOptions, MemcachedEngineVersion, ShardedMemcached, ShardedMemcachedProps } from '../src';
import { appSecurityGroup, encryptedTopic, eventTopic, importedVpc, newStack, oneZoneVpc } from './fixtures';
import { evaluate } from './names';
import {
  alarmsOf, Built, buildInFixtureVpc, DISALLOW_ALL_EGRESS, expectIngressOnlyFrom, expectInvalidConfiguration,
  expectNoCidrIngressAndNoEgress, getAtt, ingressRules, logicalIdOf, onlyProps, PropsFactory, securityGroupProps,
} from './support';

const CACHE_CLUSTER = 'AWS::ElastiCache::CacheCluster';

/** A cluster named `Cache` in `TestStack`, in the fixture VPC (isolated subnets in three zones). */
function build(props: PropsFactory<ShardedMemcachedProps> = {}): Built<ShardedMemcached> {
  return buildInFixtureVpc(ShardedMemcached, 'Cache', props);
}

function templateOf(props: PropsFactory<ShardedMemcachedProps> = {}): Template {
  return Template.fromStack(build(props).stack);
}

/** The properties of the only cache cluster of a template. */
function clusterProps(template: Template): Record<string, any> {
  return onlyProps(template, CACHE_CLUSTER);
}

describe('engine and nodes', () => {
  test('default to Memcached 1.6.22 on three cache.m7g.large nodes', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs(CACHE_CLUSTER, 1);
    template.hasResourceProperties(CACHE_CLUSTER, {
      Engine: 'memcached',
      EngineVersion: '1.6.22',
      NumCacheNodes: 3,
      CacheNodeType: 'cache.m7g.large',
    });
    expect(cache.engineVersion).toBe(MemcachedEngineVersion.VER_1_6_22);
  });

  test('use the given version, node count and node type', () => {
    templateOf({
      engineVersion: MemcachedEngineVersion.VER_1_6_17,
      nodes: 12,
      nodeType: 'cache.r7g.xlarge',
    }).hasResourceProperties(CACHE_CLUSTER, {
      Engine: 'memcached',
      EngineVersion: '1.6.17',
      NumCacheNodes: 12,
      CacheNodeType: 'cache.r7g.xlarge',
    });
  });

  test('MemcachedEngineVersion.of() accepts a version the library does not list, with its family', () => {
    const version = MemcachedEngineVersion.of('1.6.30', { parameterGroupFamily: 'memcached1.6' });
    const template = templateOf({ engineVersion: version, parameters: { max_item_size: '2097152' } });

    template.hasResourceProperties(CACHE_CLUSTER, { EngineVersion: '1.6.30', TransitEncryptionEnabled: true });
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'memcached1.6' });
  });
});

describe('Availability Zones', () => {
  test('three nodes go cross-az, one in each zone of the subnets', () => {
    templateOf().hasResourceProperties(CACHE_CLUSTER, {
      AZMode: 'cross-az',
      PreferredAvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    });
  });

  test('five nodes are dealt round-robin over three zones', () => {
    templateOf({ nodes: 5 }).hasResourceProperties(CACHE_CLUSTER, {
      AZMode: 'cross-az',
      PreferredAvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1a', 'us-east-1b'],
    });
  });

  test('the zones are those of the selected subnets', () => {
    templateOf({ vpcSubnets: { availabilityZones: ['us-east-1a', 'us-east-1c'] } }).hasResourceProperties(CACHE_CLUSTER, {
      AZMode: 'cross-az',
      PreferredAvailabilityZones: ['us-east-1a', 'us-east-1c', 'us-east-1a'],
    });
  });

  test('one preferred zone per node', () => {
    const props = clusterProps(templateOf({ nodes: 40 }));

    expect(props.PreferredAvailabilityZones).toHaveLength(40);
    expect(new Set(props.PreferredAvailabilityZones)).toEqual(new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
  });

  test('a single node is single-az, without preferred zones', () => {
    templateOf({ nodes: 1 }).hasResourceProperties(CACHE_CLUSTER, {
      NumCacheNodes: 1,
      AZMode: 'single-az',
      PreferredAvailabilityZones: Match.absent(),
    });
  });

  test('crossAz false keeps several nodes single-az, without preferred zones', () => {
    templateOf({ nodes: 3, crossAz: false }).hasResourceProperties(CACHE_CLUSTER, {
      AZMode: 'single-az',
      PreferredAvailabilityZones: Match.absent(),
    });
  });

  test('crossAz false accepts subnets in one zone', () => {
    templateOf({ crossAz: false, vpcSubnets: { availabilityZones: ['us-east-1b'] } }).hasResourceProperties(CACHE_CLUSTER, {
      AZMode: 'single-az',
    });
  });
});

describe('encryption in transit', () => {
  test('TLS is on by default, without a warning', () => {
    const { stack } = build();

    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, { TransitEncryptionEnabled: true });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('TLS can be turned off, with a warning that carries an id', () => {
    const { stack } = build({ transitEncryption: false });

    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, { TransitEncryptionEnabled: false });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/TestStack/Cache', Match.stringLikeRegexp('transitEncryption is off: .*clear text'));
    annotations.hasWarning('/TestStack/Cache', Match.stringLikeRegexp('\\[ack: cdk-secure-elasticache:memcachedWithoutTls\\]'));
  });

  test('Memcached 1.6.12, the first version with TLS, keeps TLS on', () => {
    templateOf({ engineVersion: MemcachedEngineVersion.VER_1_6_12 }).hasResourceProperties(CACHE_CLUSTER, {
      EngineVersion: '1.6.12',
      TransitEncryptionEnabled: true,
    });
  });
});

describe('port', () => {
  test('defaults to 11212, not the well-known 11211', () => {
    const { stack, cache } = build();

    expect(cache.port).toBe(11212);
    expect(cache.connections.defaultPort?.toString()).toBe('11212');
    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, { Port: 11212 });
  });

  test('uses the given port for the cluster, its rules and its endpoint', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const cache = new ShardedMemcached(stack, 'Cache', { vpc, port: 11500, allowedConnections: [appSecurityGroup(stack, vpc)] });
    const template = Template.fromStack(stack);

    expect(cache.port).toBe(11500);
    expect(cache.configurationEndpoint.port).toBe(11500);
    template.hasResourceProperties(CACHE_CLUSTER, { Port: 11500 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 11500, ToPort: 11500 });
  });
});

describe('subnet group', () => {
  test('is dedicated and uses the isolated subnets by default', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ElastiCache::SubnetGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: ['subnet-0a000000000000001', 'subnet-0b000000000000002', 'subnet-0c000000000000003'],
      Description: Match.stringLikeRegexp('TestStack/Cache'),
    });
    template.hasResourceProperties(CACHE_CLUSTER, {
      CacheSubnetGroupName: { Ref: logicalIdOf(cache.subnetGroup) },
    });
  });

  test('uses the given subnets', () => {
    templateOf({ vpcSubnets: { availabilityZones: ['us-east-1a', 'us-east-1c'] } }).hasResourceProperties('AWS::ElastiCache::SubnetGroup', {
      SubnetIds: ['subnet-0a000000000000001', 'subnet-0c000000000000003'],
    });
  });
});

describe('security group', () => {
  test('admits only the named sources, only on the cache port', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const web = appSecurityGroup(stack, vpc, 'Web');
    const worker = appSecurityGroup(stack, vpc, 'Worker');
    const cache = new ShardedMemcached(stack, 'Cache', { vpc, allowedConnections: [web, worker] });
    const template = Template.fromStack(stack);

    expectIngressOnlyFrom(template, cache.securityGroup, [web, worker], 11212);
    template.hasResourceProperties(CACHE_CLUSTER, {
      VpcSecurityGroupIds: [getAtt(cache.securityGroup, 'GroupId')],
    });
  });

  test('has no ingress without sources', () => {
    const template = templateOf();

    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: Match.absent() });
  });

  test('has no CIDR ingress anywhere and no egress but the disallow-all placeholder', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const cache = new ShardedMemcached(stack, 'Cache', { vpc, allowedConnections: [appSecurityGroup(stack, vpc)] });

    const rules = expectNoCidrIngressAndNoEgress(Template.fromStack(stack), cache.securityGroup);
    expect(rules.length).toBeGreaterThan(0);
  });

  test('connections.allowDefaultPortFrom admits a client on the cache port', () => {
    const { stack, vpc, cache } = build({ port: 11300 });
    const client = appSecurityGroup(stack, vpc, 'Client');
    cache.connections.allowDefaultPortFrom(client);

    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: getAtt(cache.securityGroup, 'GroupId'),
      SourceSecurityGroupId: getAtt(client, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: 11300,
      ToPort: 11300,
    });
  });

  test('attaches the given security groups without adding rules to them', () => {
    const { stack } = newStack();
    const vpc = importedVpc(stack);
    const own = new ec2.SecurityGroup(stack, 'Own', { vpc, allowAllOutbound: false });
    const imported = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Imported', 'sg-0123456789abcdef0');
    const cache = new ShardedMemcached(stack, 'Cache', {
      vpc,
      additionalSecurityGroups: [own, imported],
      allowedConnections: [appSecurityGroup(stack, vpc)],
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties(CACHE_CLUSTER, {
      VpcSecurityGroupIds: [getAtt(cache.securityGroup, 'GroupId'), getAtt(own, 'GroupId'), 'sg-0123456789abcdef0'],
    });
    expect(cache.connections.securityGroups).toEqual([cache.securityGroup, own, imported]);
    const rules = ingressRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0].GroupId).toEqual(getAtt(cache.securityGroup, 'GroupId'));
    const ownGroup = securityGroupProps(template, own);
    expect(ownGroup.SecurityGroupIngress).toBeUndefined();
    expect(ownGroup.SecurityGroupEgress).toEqual(DISALLOW_ALL_EGRESS);
  });
});

describe('parameter group', () => {
  test('is not created without parameters', () => {
    const { stack, cache } = build();
    const template = Template.fromStack(stack);

    expect(cache.parameterGroup).toBeUndefined();
    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 0);
    template.hasResourceProperties(CACHE_CLUSTER, { CacheParameterGroupName: Match.absent() });
  });

  test('is created with the parameters, in the family of the version', () => {
    const { stack, cache } = build({ parameters: { max_item_size: '2097152', chunk_size_growth_factor: '1.5' } });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::ElastiCache::ParameterGroup', 1);
    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'memcached1.6',
      Properties: { max_item_size: '2097152', chunk_size_growth_factor: '1.5' },
    });
    template.hasResourceProperties(CACHE_CLUSTER, {
      CacheParameterGroupName: { Ref: logicalIdOf(cache.parameterGroup!) },
    });
  });

  test('Memcached 1.5.16 without TLS uses the memcached1.5 family', () => {
    const template = templateOf({
      engineVersion: MemcachedEngineVersion.VER_1_5_16,
      transitEncryption: false,
      parameters: { max_item_size: '2097152' },
    });

    template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', { CacheParameterGroupFamily: 'memcached1.5' });
    template.hasResourceProperties(CACHE_CLUSTER, { EngineVersion: '1.5.16', TransitEncryptionEnabled: false });
  });
});

describe('other properties', () => {
  test('the maintenance window defaults to Sunday 05:00-06:00 UTC', () => {
    templateOf().hasResourceProperties(CACHE_CLUSTER, { PreferredMaintenanceWindow: 'sun:05:00-sun:06:00' });
  });

  test('the maintenance window can be moved', () => {
    templateOf({ maintenanceWindow: 'wed:02:00-wed:03:00' }).hasResourceProperties(CACHE_CLUSTER, {
      PreferredMaintenanceWindow: 'wed:02:00-wed:03:00',
    });
  });

  test('a maintenance window across the end of the week is accepted', () => {
    templateOf({ maintenanceWindow: 'sat:23:30-sun:00:30' }).hasResourceProperties(CACHE_CLUSTER, {
      PreferredMaintenanceWindow: 'sat:23:30-sun:00:30',
    });
  });

  test('minor version upgrades are automatic by default', () => {
    templateOf().hasResourceProperties(CACHE_CLUSTER, { AutoMinorVersionUpgrade: true });
  });

  test('minor version upgrades can be turned off', () => {
    templateOf({ autoMinorVersionUpgrade: false }).hasResourceProperties(CACHE_CLUSTER, { AutoMinorVersionUpgrade: false });
  });

  test('no notification topic by default', () => {
    templateOf().hasResourceProperties(CACHE_CLUSTER, { NotificationTopicArn: Match.absent() });
  });

  test('events go to the notification topic', () => {
    templateOf((s) => ({ notificationTopic: eventTopic(s) })).hasResourceProperties(CACHE_CLUSTER, {
      NotificationTopicArn: { Ref: Match.stringLikeRegexp('^Events') },
    });
  });
});

describe('clusterName', () => {
  test('is left to CloudFormation by default, which generates a new one on every replacement', () => {
    const { stack, cache } = build();

    expect(onlyProps(Template.fromStack(stack), CACHE_CLUSTER).ClusterName).toBeUndefined();
    // Everything else refers to the cluster through its resolved reference.
    expect(stack.resolve(cache.clusterName)).toEqual({ Ref: logicalIdOf(cache.cacheCluster) });
    expect(stack.resolve(cache.metricCpuUtilization().dimensions)).toEqual({ CacheClusterId: { Ref: logicalIdOf(cache.cacheCluster) }, CacheNodeId: '0001' });
  });

  test('a given name is lowercased', () => {
    const { stack, cache } = build({ clusterName: 'Catalog-Cache' });

    expect(evaluate(stack, cache.clusterName)).toBe('catalog-cache');
    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, { ClusterName: 'catalog-cache' });
  });

  test('a given name of 50 characters is accepted', () => {
    const name = `a${'b'.repeat(49)}`;

    templateOf({ clusterName: name }).hasResourceProperties(CACHE_CLUSTER, { ClusterName: name });
  });
});

describe('removal policy', () => {
  test('deletes the cluster by default: Memcached has nothing to keep', () => {
    templateOf().hasResource(CACHE_CLUSTER, { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  test('RETAIN keeps the cluster', () => {
    templateOf({ removalPolicy: RemovalPolicy.RETAIN }).hasResource(CACHE_CLUSTER, {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('endpoints and node ids', () => {
  test('configurationEndpoint is the ConfigurationEndpoint.Address attribute and the port', () => {
    const { stack, cache } = build({ port: 11500 });

    expect(stack.resolve(cache.configurationEndpoint.hostname)).toEqual(getAtt(cache, 'ConfigurationEndpoint.Address'));
    expect(cache.configurationEndpoint.port).toBe(11500);
    expect(stack.resolve(cache.configurationEndpoint.socketAddress)).toEqual({
      'Fn::Join': ['', [getAtt(cache, 'ConfigurationEndpoint.Address'), ':11500']],
    });
  });

  test('cacheNodeIds count from 0001, one per node', () => {
    expect(build().cache.cacheNodeIds).toEqual(['0001', '0002', '0003']);
    expect(build({ nodes: 1 }).cache.cacheNodeIds).toEqual(['0001']);
    expect(build({ nodes: 12 }).cache.cacheNodeIds.slice(-3)).toEqual(['0010', '0011', '0012']);
  });

  test('a node count from a token reaches the template, without preferred zones', () => {
    const { stack } = newStack();
    const nodes = new CfnParameter(stack, 'Nodes', { type: 'Number' }).valueAsNumber;
    const cache = new ShardedMemcached(stack, 'Cache', { vpc: importedVpc(stack), nodes });

    expect(cache.cacheNodeIds).toEqual(['0001']);
    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, {
      NumCacheNodes: { Ref: 'Nodes' },
      AZMode: 'cross-az',
      PreferredAvailabilityZones: Match.absent(),
    });
  });
});

describe('metrics', () => {
  test.each([
    ['metricCpuUtilization', 'CPUUtilization', 'Average'],
    ['metricSwapUsage', 'SwapUsage', 'Maximum'],
    ['metricEvictions', 'Evictions', 'Sum'],
    ['metricCurrConnections', 'CurrConnections', 'Maximum'],
    ['metricGetHits', 'GetHits', 'Sum'],
    ['metricGetMisses', 'GetMisses', 'Sum'],
    ['metricFreeableMemory', 'FreeableMemory', 'Minimum'],
  ] as const)('%s reads %s of node 0001, %s over 5 minutes', (method, metricName, statistic) => {
    const { stack, cache } = build({ clusterName: 'catalog' });
    const metric = cache[method]();

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe(metricName);
    expect(metric.statistic).toBe(statistic);
    expect(metric.period.toSeconds()).toBe(300);
    expect(evaluate(stack, metric.dimensions)).toEqual({ CacheClusterId: 'catalog', CacheNodeId: '0001' });
  });

  test('read the given node', () => {
    const { stack, cache } = build({ clusterName: 'catalog' });

    expect(evaluate(stack, cache.metricEvictions({ cacheNodeId: '0003' }).dimensions)).toEqual({ CacheClusterId: 'catalog', CacheNodeId: '0003' });
  });

  test('take a statistic and period', () => {
    const { cache } = build();
    const metric = cache.metricCpuUtilization({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) });

    expect(metric.statistic).toBe('Maximum');
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('metric() reads any ElastiCache metric, of the default cluster name', () => {
    const { cache } = build();
    const metric = cache.metric('BytesUsedForCacheItems', { statistic: 'Maximum' });

    expect(metric.namespace).toBe('AWS/ElastiCache');
    expect(metric.metricName).toBe('BytesUsedForCacheItems');
    expect(metric.statistic).toBe('Maximum');
    expect(metric.dimensions).toEqual({ CacheClusterId: cache.clusterName, CacheNodeId: '0001' });
  });
});

describe('addRecommendedAlarms', () => {
  function nodeDimensions(clusterName: string, nodeId: string) {
    return [{ Name: 'CacheClusterId', Value: clusterName }, { Name: 'CacheNodeId', Value: nodeId }];
  }

  test('watch CPU, swap, evictions and connections of every node', () => {
    const { stack, cache } = build({ clusterName: 'catalog' });
    const created = cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    expect(created).toHaveLength(12);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    for (const [metricName, statistic, threshold] of [
      ['CPUUtilization', 'Average', 90],
      ['SwapUsage', 'Maximum', 50 * 1024 * 1024],
      ['Evictions', 'Sum', 1000],
      ['CurrConnections', 'Maximum', 52000],
    ] as const) {
      const alarms = alarmsOf(template, metricName);
      expect(evaluate(stack, alarms.map((a) => a.Dimensions))).toEqual(['0001', '0002', '0003'].map((n) => nodeDimensions('catalog', n)));
      for (const alarm of alarms) {
        expect(alarm).toMatchObject({
          Namespace: 'AWS/ElastiCache',
          Statistic: statistic,
          Period: 300,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    }
  });

  test('swap is alarmed above 50 MB, in bytes', () => {
    const { stack, cache } = build({ nodes: 1 });
    cache.addRecommendedAlarms();

    expect(alarmsOf(Template.fromStack(stack), 'SwapUsage').map((a) => a.Threshold)).toEqual([52428800]);
  });

  test('evictions alarm after one period and treat missing data as fine', () => {
    const { stack, cache } = build({ nodes: 1 });
    cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);

    expect(alarmsOf(template, 'Evictions')).toEqual([expect.objectContaining({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' })]);
    expect(alarmsOf(template, 'CPUUtilization')).toEqual([expect.objectContaining({ EvaluationPeriods: 3, TreatMissingData: 'missing' })]);
  });

  test('take thresholds', () => {
    const { stack, cache } = build({ nodes: 2 });
    const options: MemcachedAlarmsOptions = {
      cpuUtilizationPercent: 75,
      swapUsageMegabytes: 10,
      evictionsPerFiveMinutes: 50,
      currConnections: 4000,
    };
    cache.addRecommendedAlarms(options);
    const template = Template.fromStack(stack);

    expect(alarmsOf(template, 'CPUUtilization').map((a) => a.Threshold)).toEqual([75, 75]);
    expect(alarmsOf(template, 'SwapUsage').map((a) => a.Threshold)).toEqual([10485760, 10485760]);
    expect(alarmsOf(template, 'Evictions').map((a) => a.Threshold)).toEqual([50, 50]);
    expect(alarmsOf(template, 'CurrConnections').map((a) => a.Threshold)).toEqual([4000, 4000]);
  });

  test('accept the bounds of the CPU threshold', () => {
    expect(() => build().cache.addRecommendedAlarms({ cpuUtilizationPercent: 100 })).not.toThrow();
    expect(() => build().cache.addRecommendedAlarms({ cpuUtilizationPercent: 1 })).not.toThrow();
  });

  test('notify the alarm topic on alarm and OK', () => {
    const { stack, cache } = build();
    const topic = new sns.Topic(stack, 'Oncall');
    cache.addRecommendedAlarms({ alarmTopic: topic });

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(topic) }],
      OKActions: [{ Ref: logicalIdOf(topic) }],
    });
  });

  test('notify the notification topic when no alarm topic is given', () => {
    const { stack, cache } = build((s) => ({ notificationTopic: eventTopic(s) }));
    cache.addRecommendedAlarms();

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Events') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^Events') }],
    });
  });

  test('prefer the alarm topic over the notification topic', () => {
    const { stack, cache } = build((s) => ({ notificationTopic: eventTopic(s) }));
    const topic = encryptedTopic(stack);
    cache.addRecommendedAlarms({ alarmTopic: topic });

    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: logicalIdOf(topic) }],
      OKActions: [{ Ref: logicalIdOf(topic) }],
    });
  });

  test('without a topic, notify the construct\'s own topic, encrypted with a key of its own that CloudWatch may use', () => {
    const { stack, cache } = build();
    cache.addRecommendedAlarms();
    const template = Template.fromStack(stack);
    const topic = { Ref: logicalIdOf(cache.alarmTopic as sns.Topic) };

    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topic], OKActions: [topic] });
  });

  test('cannot be added twice', () => {
    const { cache } = build();
    cache.addRecommendedAlarms();

    expect(() => cache.addRecommendedAlarms()).toThrow(/^\[TestStack\/Cache\] invalid configuration:\n {2}- addRecommendedAlarms\(\) was already called\. Call it once, with all options\./);
  });
});

describe('synth-time rules', () => {
  interface Row {
    /** The rule, as the test name. */
    readonly case: string;
    /** Props on top of the fixture VPC. */
    readonly props?: PropsFactory<ShardedMemcachedProps>;
    /** Options of `addRecommendedAlarms()`, for the rules it checks. */
    readonly alarms?: MemcachedAlarmsOptions;
    /** The expected message: the bad value and the fix. */
    readonly message: RegExp;
  }

  const rows: Row[] = [
    // Nodes and zones
    { case: 'no nodes', props: { nodes: 0 }, message: /nodes must be a whole number, at least 1, got 0\. A Memcached cluster has 1 to 60 nodes \(more with a raised quota\)\./ },
    { case: 'a fractional node count', props: { nodes: 2.5 }, message: /nodes must be a whole number, at least 1, got 2\.5\. A Memcached cluster has 1 to 60 nodes/ },
    {
      case: 'crossAz on a single node',
      props: { nodes: 1, crossAz: true },
      message: /crossAz needs more than one node: a single node lives in one Availability Zone\. Raise nodes, or set crossAz: false\./,
    },
    {
      case: 'crossAz with the selected subnets in one zone',
      props: { vpcSubnets: { availabilityZones: ['us-east-1b'] } },
      message: /crossAz needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1b\. Select subnets in two or more zones, or set crossAz: false\./,
    },
    {
      case: 'crossAz in a VPC with one zone',
      props: (stack) => ({ vpc: oneZoneVpc(stack), crossAz: true }),
      message: /crossAz needs subnets in at least two Availability Zones, but the selected subnets are all in us-east-1a\. Select subnets in two or more zones, or set crossAz: false\./,
    },
    // Engine
    {
      case: 'an unknown engine version',
      props: { engineVersion: MemcachedEngineVersion.of('1.7.1') },
      message: /engineVersion "memcached 1\.7\.1" does not exist\. Known versions: .*1\.6\.22\. For a newer one, give its parameterGroupFamily in MemcachedEngineVersion\.of\(\)\./,
    },
    {
      case: 'TLS on Memcached 1.6.6',
      props: { engineVersion: MemcachedEngineVersion.VER_1_6_6 },
      message: /memcached 1\.6\.6 has no TLS; in-transit encryption needs Memcached 1\.6\.12 or later\. Use MemcachedEngineVersion\.VER_1_6_22\./,
    },
    {
      case: 'TLS on Memcached 1.5.16',
      props: { engineVersion: MemcachedEngineVersion.VER_1_5_16 },
      message: /memcached 1\.5\.16 has no TLS; in-transit encryption needs Memcached 1\.6\.12 or later\. Use MemcachedEngineVersion\.VER_1_6_22\./,
    },
    // Port
    { case: 'port 0', props: { port: 0 }, message: /port must be an integer from 1 to 65535, got 0\. Leave it unset for 11212\./ },
    { case: 'port above 65535', props: { port: 65536 }, message: /port must be an integer from 1 to 65535, got 65536\. Leave it unset for 11212\./ },
    { case: 'port not an integer', props: { port: 11211.5 }, message: /port must be an integer from 1 to 65535, got 11211\.5\. Leave it unset for 11212\./ },
    // Node type
    {
      case: 'a malformed node type',
      props: { nodeType: 'm7g.large' },
      message: /nodeType "m7g\.large" cannot be used: a node type has the form cache\.<family>\.<size>, e\.g\. cache\.m7g\.large\./,
    },
    {
      case: 'a previous-generation t2 node',
      props: { nodeType: 'cache.t2.micro' },
      message: /nodeType "cache\.t2\.micro" cannot be used: the t2 family is previous generation .*use a current family such as m7g, r7g or t4g\./,
    },
    {
      case: 'an unknown node family',
      props: { nodeType: 'cache.x9.large' },
      message: /nodeType "cache\.x9\.large" cannot be used: unknown node family "x9"; current families are .*m7g.*\./,
    },
    {
      case: 'an r6gd data-tiering node',
      props: { nodeType: 'cache.r6gd.xlarge' },
      message: /nodeType "cache\.r6gd\.xlarge" is a data-tiering node, which Memcached does not support\. Use an r7g or m7g node\./,
    },
    // Cluster name
    { case: 'clusterName of 51 characters', props: { clusterName: 'a'.repeat(51) }, message: /clusterName "a{51}" has 51 characters; ElastiCache allows 1 to 50\./ },
    { case: 'clusterName empty', props: { clusterName: '' }, message: /clusterName "" has 0 characters; ElastiCache allows 1 to 50\./ },
    {
      case: 'clusterName starting with a digit',
      props: { clusterName: '9catalog' },
      message: /clusterName "9catalog" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'clusterName with an underscore',
      props: { clusterName: 'catalog_cache' },
      message: /clusterName "catalog_cache" must start with a letter and contain only letters, digits and hyphens\./,
    },
    {
      case: 'clusterName with two hyphens in a row',
      props: { clusterName: 'catalog--cache' },
      message: /clusterName "catalog--cache" must not contain two hyphens in a row or end with a hyphen\./,
    },
    {
      case: 'clusterName ending with a hyphen',
      props: { clusterName: 'catalog-' },
      message: /clusterName "catalog-" must not contain two hyphens in a row or end with a hyphen\./,
    },
    // Maintenance window
    {
      case: 'a malformed maintenance window',
      props: { maintenanceWindow: 'sunday:05:00-sunday:06:00' },
      message: /maintenanceWindow "sunday:05:00-sunday:06:00" is not of the form ddd:hh24:mi-ddd:hh24:mi \(UTC\), e\.g\. "sun:05:00-sun:06:00"\./,
    },
    {
      case: 'a maintenance window with an hour out of range',
      props: { maintenanceWindow: 'sun:24:00-mon:01:00' },
      message: /maintenanceWindow "sun:24:00-mon:01:00" is not of the form ddd:hh24:mi-ddd:hh24:mi \(UTC\), e\.g\. "sun:05:00-sun:06:00"\./,
    },
    {
      case: 'a maintenance window shorter than 60 minutes',
      props: { maintenanceWindow: 'sun:05:00-sun:05:59' },
      message: /maintenanceWindow "sun:05:00-sun:05:59" is shorter than the 60 minutes ElastiCache requires\./,
    },
    // Events
    {
      case: 'a KMS-encrypted notificationTopic',
      props: (stack) => ({ notificationTopic: encryptedTopic(stack) }),
      message: /notificationTopic TestStack\/Alerts is encrypted with KMS, but ElastiCache cannot publish events to an encrypted topic\. Give an unencrypted topic .* and the encrypted one to addRecommendedAlarms\(\{ alarmTopic \}\)\./,
    },
    // Removal policy
    {
      case: 'removalPolicy SNAPSHOT',
      props: { removalPolicy: RemovalPolicy.SNAPSHOT },
      message: /removalPolicy is SNAPSHOT, but Memcached has no backups\. Use RemovalPolicy\.DESTROY \(the default\) or RETAIN\./,
    },
    // Network
    {
      case: 'vpcSubnets selecting public subnets',
      props: { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } },
      message: /vpcSubnets selects public subnets \(subnet-0d000000000000004, subnet-0e000000000000005, subnet-0f000000000000006\)\. Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead\./,
    },
    // Alarms
    { case: 'CPU alarm threshold 0', alarms: { cpuUtilizationPercent: 0 }, message: /cpuUtilizationPercent must be from 1 to 100, got 0\./ },
    { case: 'CPU alarm threshold above 100', alarms: { cpuUtilizationPercent: 101 }, message: /cpuUtilizationPercent must be from 1 to 100, got 101\./ },
  ];

  test.each(rows)('$case', ({ props, alarms, message }) => {
    expectInvalidConfiguration('TestStack/Cache', message, () => {
      const { cache } = build(props);
      if (alarms) {
        cache.addRecommendedAlarms(alarms);
      }
    });
  });

  test('every error of a configuration is reported in one throw', () => {
    const { stack } = newStack();

    expect(() => new ShardedMemcached(stack, 'Cache', {
      vpc: importedVpc(stack),
      nodes: 0,
      port: 0,
      nodeType: 'cache.t2.micro',
      clusterName: '9catalog',
      removalPolicy: RemovalPolicy.SNAPSHOT,
    })).toThrow(new RegExp([
      '^\\[TestStack/Cache\\] invalid configuration:',
      '  - nodes must be a whole number, at least 1, got 0\\..*',
      '  - port must be an integer from 1 to 65535, got 0\\..*',
      '  - nodeType "cache\\.t2\\.micro" cannot be used: .*',
      '  - clusterName "9catalog" must start with a letter.*',
      '  - removalPolicy is SNAPSHOT.*$',
    ].join('\n')));
  });

  test('the bounds are accepted', () => {
    const { stack } = newStack();

    expect(() => new ShardedMemcached(stack, 'Cache', {
      vpc: importedVpc(stack),
      nodes: 60,
      port: 65535,
      clusterName: 'a'.repeat(50),
      maintenanceWindow: 'sun:05:00-sun:06:00',
      nodeType: 'cache.t4g.micro',
    })).not.toThrow();
  });

  test('unresolved tokens are skipped, not rejected, and reach the template', () => {
    const { stack } = newStack();
    const port = new CfnParameter(stack, 'Port', { type: 'Number' }).valueAsNumber;
    const clusterName = Token.asString({ Ref: 'Name' });
    const window = Token.asString({ Ref: 'Window' });
    const nodeType = Token.asString({ Ref: 'NodeType' });

    new ShardedMemcached(stack, 'Cache', { vpc: importedVpc(stack), port, clusterName, maintenanceWindow: window, nodeType });

    Template.fromStack(stack).hasResourceProperties(CACHE_CLUSTER, {
      Port: { Ref: 'Port' },
      ClusterName: { Ref: 'Name' },
      PreferredMaintenanceWindow: { Ref: 'Window' },
      CacheNodeType: { Ref: 'NodeType' },
    });
  });
});
