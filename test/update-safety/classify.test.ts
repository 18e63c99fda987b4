import { classify, ResourceSchema } from './classify';

// The classifier on small templates: each rule of docs/updates-and-replacements.md, attack first.
const SCHEMAS: Record<string, ResourceSchema> = {
  'AWS::ElastiCache::ReplicationGroup': { createOnly: ['Port', 'CacheSubnetGroupName', 'ReplicationGroupId'], nameProperty: 'ReplicationGroupId' },
  'AWS::ElastiCache::SubnetGroup': { createOnly: ['CacheSubnetGroupName'], nameProperty: 'CacheSubnetGroupName' },
  'AWS::ElastiCache::User': { createOnly: ['UserId', 'UserName'], nameProperty: 'UserId' },
};
const group = (props: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ Type: 'AWS::ElastiCache::ReplicationGroup', Properties: props, ...extra });

test.each([
  ['a create-only change with a fixed name fails', group({ ReplicationGroupId: 'a', Port: 1 }), group({ ReplicationGroupId: 'a', Port: 2 }), 'failing'],
  ['a create-only change with a new name replaces', group({ ReplicationGroupId: 'a', Port: 1 }), group({ ReplicationGroupId: 'b', Port: 2 }), 'replaced'],
  ['a create-only change without a name replaces', group({ Port: 1 }), group({ Port: 2 }), 'replaced'],
  ['another change is in place', group({ ReplicationGroupId: 'a', CacheNodeType: 'x' }), group({ ReplicationGroupId: 'a', CacheNodeType: 'y' }), 'in place'],
  ['ClusterMode in place fails (ElastiCache)', group({ ClusterMode: 'enabled' }), group({ ClusterMode: 'disabled' }), 'failing'],
  ['AUTH token to user group replaces (CloudFormation)', group({ AuthToken: 't' }), group({ UserGroupIds: ['g'] }), 'replaced'],
  ['AUTH token to user group with a fixed name fails', group({ ReplicationGroupId: 'a', AuthToken: 't' }), group({ ReplicationGroupId: 'a', UserGroupIds: ['g'] }), 'failing'],
  ['NumNodeGroups without online resharding replaces', group({ NumNodeGroups: 1 }), group({ NumNodeGroups: 2 }), 'replaced'],
  ['NumNodeGroups with online resharding is in place', group({ NumNodeGroups: 1 }, { UpdatePolicy: { UseOnlineResharding: true } }),
    group({ NumNodeGroups: 2 }, { UpdatePolicy: { UseOnlineResharding: true } }), 'in place'],
])('%s', (_, before, after, outcome) => {
  const [change] = classify({ Cache: before as any }, { Cache: after as any }, SCHEMAS);
  expect(change.outcome).toBe(outcome);
});

test('a replaced resource replaces those whose create-only properties refer to it', () => {
  const before = {
    Subnets: { Type: 'AWS::ElastiCache::SubnetGroup', Properties: { CacheSubnetGroupName: 'one' } },
    Cache: group({ CacheSubnetGroupName: { Ref: 'Subnets' } }),
  };
  const after = {
    Subnets: { Type: 'AWS::ElastiCache::SubnetGroup', Properties: { CacheSubnetGroupName: 'two' } },
    Cache: group({ CacheSubnetGroupName: { Ref: 'Subnets' } }),
  };
  expect(classify(before, after, SCHEMAS).map((c) => [c.logicalId, c.outcome])).toEqual([['Cache', 'replaced'], ['Subnets', 'replaced']]);
});

test('a new logical id that takes the name of a removed resource fails; a new name is added', () => {
  const user = (id: string) => ({ Type: 'AWS::ElastiCache::User', Properties: { UserId: id, UserName: 'app' } });
  expect(classify({ User1: user('app-1') }, { UserApp: user('app-1') }, SCHEMAS).map((c) => c.outcome)).toEqual(['removed', 'failing']);
  expect(classify({ User1: user('app-1') }, { UserApp: user('app-2') }, SCHEMAS).map((c) => c.outcome)).toEqual(['removed', 'added']);
});
