import { CheckRule, Verdict, engineOf, isCustomerManagedKey, isGiven, literalNumber } from './template';

const SERVERLESS = 'AWS::ElastiCache::ServerlessCache';
const USER_GUIDE = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg';

function verdict(compliant: boolean): Verdict {
  return compliant ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
}

/** The rules for `AWS::ElastiCache::ServerlessCache`. */
export const SERVERLESS_CACHE_RULES: CheckRule[] = [
  {
    id: 'SC1',
    resourceTypes: [SERVERLESS],
    problem: 'The serverless cache has no user group, so its default user connects without a password.',
    fix: 'Set UserGroupId to a user group whose default user is switched off or has a password.',
    documentation: `${USER_GUIDE}/Clusters.RBAC.html`,
    // Serverless Memcached has no users (ElastiCache user guide, RBAC: Valkey and Redis OSS only).
    check: (r) => {
      const engine = engineOf(r, '');
      if (engine !== 'valkey' && engine !== 'redis') return Verdict.NOT_APPLICABLE;
      return verdict(isGiven(r.properties.UserGroupId));
    },
  },
  {
    id: 'SC2',
    resourceTypes: [SERVERLESS],
    problem: 'The serverless cache is not encrypted with a customer managed KMS key (KmsKeyId missing or an AWS managed key).',
    fix: 'Set KmsKeyId to a customer managed key.',
    documentation: `${USER_GUIDE}/at-rest-encryption.html`,
    check: (r) => verdict(isCustomerManagedKey(r.properties.KmsKeyId)),
  },
  {
    id: 'SC3',
    resourceTypes: [SERVERLESS],
    problem: 'Automatic backups of the serverless cache are kept for fewer days than the policy asks.',
    fix: 'Set SnapshotRetentionLimit to at least the minimum retention (15 days unless configured).',
    documentation: `${USER_GUIDE}/backups-automatic.html`,
    check: (r, c) => verdict((literalNumber(r.properties.SnapshotRetentionLimit) ?? 0) >= c.minimumBackupRetentionDays),
  },
  {
    id: 'SC4',
    resourceTypes: [SERVERLESS],
    problem: 'The serverless cache has no security groups of its own and falls back to the VPC default security group.',
    fix: 'Set SecurityGroupIds to a security group that admits only the cache clients.',
    documentation: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html',
    check: (r) => verdict(isGiven(r.properties.SecurityGroupIds)),
  },
];
