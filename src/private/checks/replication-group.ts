import {
  CheckRule, TemplateResource, Verdict, engineOf, isCustomerManagedKey, isGiven, isObject, isTrue, literalNumber, literalString,
} from './template';

const RG = 'AWS::ElastiCache::ReplicationGroup';
const USER_GUIDE = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg';

function verdict(compliant: boolean): Verdict {
  return compliant ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
}

/**
 * Engine versions that are past end of life or in paid Extended Support, by engine. As of
 * 2026-12-01, from the ElastiCache user guide, "Redis OSS versions end of life schedule"
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/deprecated-engine-versions.html):
 * Redis OSS 2 reached end of life on 2023-01-13 and 3 on 2023-07-31; the standard support of
 * Redis OSS 4 and 5 ended on 2026-01-31 (paid Extended Support since). The standard support of
 * Redis OSS 6 is announced to end on 2027-01-31 (confirm on the same page); no Valkey version is
 * affected. The same table is in
 * rules/elasticache.guard: update both, with the date.
 */
export const RETIRED_ENGINE_VERSIONS: Record<string, RegExp> = {
  redis: /^[2-5]\./,
};

/** A value that CloudFormation resolves from Secrets Manager when it deploys. */
export function isSecretsManagerReference(value: unknown): boolean {
  const prefix = '{{resolve:secretsmanager:';
  if (typeof value === 'string') return value.startsWith(prefix);
  if (!isObject(value)) return false;
  const join = value['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1]) && typeof join[1][0] === 'string') {
    return join[1][0].startsWith(prefix);
  }
  const sub = value['Fn::Sub'];
  const template = Array.isArray(sub) ? sub[0] : sub;
  return typeof template === 'string' && template.startsWith(prefix);
}

function defaultPortOf(resource: TemplateResource): number {
  return engineOf(resource, 'redis') === 'memcached' ? 11211 : 6379;
}

/** The rules for `AWS::ElastiCache::ReplicationGroup` (Valkey and Redis OSS, every version). */
export const REPLICATION_GROUP_RULES: CheckRule[] = [
  {
    id: 'RG1',
    resourceTypes: [RG],
    problem: 'The replication group does not encrypt traffic in transit (TransitEncryptionEnabled is not true).',
    fix: 'Set TransitEncryptionEnabled to true.',
    documentation: `${USER_GUIDE}/in-transit-encryption.html`,
    check: (r) => verdict(isTrue(r.properties.TransitEncryptionEnabled)),
  },
  {
    id: 'RG2',
    resourceTypes: [RG],
    problem: 'The replication group accepts unencrypted connections (TransitEncryptionMode is preferred).',
    fix: 'Set TransitEncryptionMode to required once clients connect with TLS, or leave it out.',
    documentation: `${USER_GUIDE}/in-transit-encryption.html`,
    // The mode only matters with TLS on, and RG1 already reports TLS off.
    check: (r) => !isTrue(r.properties.TransitEncryptionEnabled) ? Verdict.NOT_APPLICABLE
      : verdict(r.properties.TransitEncryptionMode === undefined || r.properties.TransitEncryptionMode === 'required'),
  },
  {
    id: 'RG3',
    resourceTypes: [RG],
    problem: 'The replication group is not encrypted at rest with a customer managed KMS key.',
    fix: 'Set AtRestEncryptionEnabled to true and KmsKeyId to a customer managed key.',
    documentation: `${USER_GUIDE}/at-rest-encryption.html`,
    check: (r) => verdict(isTrue(r.properties.AtRestEncryptionEnabled) && isCustomerManagedKey(r.properties.KmsKeyId)),
  },
  {
    id: 'RG4',
    resourceTypes: [RG],
    problem: 'The AUTH token is in the template (a literal or a parameter) instead of a Secrets Manager dynamic reference.',
    fix: 'Keep the token in Secrets Manager and pass {{resolve:secretsmanager:...}} (secret.secretValue in CDK).',
    documentation: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html',
    check: (r) => r.properties.AuthToken === undefined ? Verdict.NOT_APPLICABLE
      : verdict(isSecretsManagerReference(r.properties.AuthToken)),
  },
  {
    id: 'RG5',
    resourceTypes: [RG],
    problem: 'Clients connect without authenticating: no AUTH token and no user group.',
    fix: 'Give UserGroupIds (RBAC or IAM users) or an AuthToken from Secrets Manager.',
    documentation: `${USER_GUIDE}/auth.html`,
    check: (r) => verdict(isGiven(r.properties.AuthToken) || isGiven(r.properties.UserGroupIds)),
  },
  {
    id: 'RG6',
    resourceTypes: [RG],
    problem: 'The replication group does not fail over to another Availability Zone (Multi-AZ or automatic failover off).',
    fix: 'Set MultiAZEnabled and AutomaticFailoverEnabled to true, with at least one replica per shard.',
    documentation: `${USER_GUIDE}/AutoFailover.html`,
    check: (r) => verdict(isTrue(r.properties.MultiAZEnabled) && isTrue(r.properties.AutomaticFailoverEnabled)),
  },
  {
    id: 'RG7',
    resourceTypes: [RG],
    problem: 'Automatic backups are kept for fewer days than the policy asks (SnapshotRetentionLimit).',
    fix: 'Set SnapshotRetentionLimit to at least the minimum retention (15 days unless configured).',
    documentation: `${USER_GUIDE}/backups-automatic.html`,
    check: (r, c) => verdict((literalNumber(r.properties.SnapshotRetentionLimit) ?? 0) >= c.minimumBackupRetentionDays),
  },
  {
    id: 'RG8',
    resourceTypes: [RG],
    problem: 'The replication group delivers no logs (LogDeliveryConfigurations is empty).',
    fix: 'Deliver the slow log and the engine log to CloudWatch Logs or Kinesis Data Firehose.',
    documentation: `${USER_GUIDE}/Log_Delivery.html`,
    check: (r) => verdict(isGiven(r.properties.LogDeliveryConfigurations)),
  },
  {
    id: 'RG9',
    resourceTypes: [RG],
    problem: 'Automatic minor version upgrades are switched off (AutoMinorVersionUpgrade is false).',
    fix: 'Leave AutoMinorVersionUpgrade out or set it to true.',
    documentation: `${USER_GUIDE}/VersionManagement.html`,
    // Left out, ElastiCache upgrades minor versions (CreateReplicationGroup API reference).
    check: (r) => verdict(r.properties.AutoMinorVersionUpgrade === undefined || isTrue(r.properties.AutoMinorVersionUpgrade)),
  },
  {
    id: 'RG10',
    resourceTypes: [RG],
    problem: 'The replication group listens on the default port (6379), the first one scanners try.',
    fix: 'Set Port to a port other than 6379.',
    documentation: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html',
    check: (r) => {
      const port = literalNumber(r.properties.Port);
      return verdict(port !== undefined && port !== defaultPortOf(r));
    },
  },
  {
    id: 'RG11',
    resourceTypes: [RG],
    problem: 'The replication group has no subnet group of its own (CacheSubnetGroupName missing or "default").',
    fix: 'Create an AWS::ElastiCache::SubnetGroup of private subnets and name it in CacheSubnetGroupName.',
    documentation: `${USER_GUIDE}/SubnetGroups.html`,
    check: (r) => verdict(isGiven(r.properties.CacheSubnetGroupName) && r.properties.CacheSubnetGroupName !== 'default'),
  },
  {
    id: 'RG12',
    resourceTypes: [RG],
    problem: 'The engine version is past end of life or in paid Extended Support.',
    fix: 'Upgrade to Valkey, or to Redis OSS 6.2 or later.',
    documentation: `${USER_GUIDE}/deprecated-engine-versions.html`,
    check: (r) => {
      const retired = RETIRED_ENGINE_VERSIONS[engineOf(r, 'redis') ?? ''];
      const version = r.properties.EngineVersion;
      if (retired === undefined) return Verdict.NOT_APPLICABLE;
      if (version === undefined) return Verdict.COMPLIANT;
      const literal = literalString(version);
      return verdict(literal !== undefined && !retired.test(literal));
    },
  },
];

