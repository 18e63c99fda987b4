import { CheckRule, Verdict, engineOf, isGiven } from './template';

/** The rule for caches that hold data: a final snapshot when the resource is deleted. */
export const SNAPSHOT_RULES: CheckRule[] = [
  {
    id: 'ST1',
    resourceTypes: ['AWS::ElastiCache::ReplicationGroup', 'AWS::ElastiCache::CacheCluster', 'AWS::ElastiCache::ServerlessCache'],
    problem: 'Deleting the cache loses its data: no Snapshot deletion policy (node-based) or FinalSnapshotName (serverless).',
    fix: 'Set DeletionPolicy and UpdateReplacePolicy to Snapshot (RemovalPolicy.SNAPSHOT), or FinalSnapshotName on a serverless cache.',
    documentation: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html',
    check: (r) => {
      if (r.type === 'AWS::ElastiCache::ServerlessCache') {
        return isGiven(r.properties.FinalSnapshotName) ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
      }
      // A Memcached cluster keeps nothing to snapshot (ElastiCache user guide, "Comparing engines").
      if (r.type === 'AWS::ElastiCache::CacheCluster' && engineOf(r, '') !== 'redis') return Verdict.NOT_APPLICABLE;
      return r.deletionPolicy === 'Snapshot' ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
    },
  },
];
