import { CheckRule, TemplateResource, Verdict, engineOf, isTrue, literalNumber } from './template';

const CLUSTER = 'AWS::ElastiCache::CacheCluster';
const USER_GUIDE = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg';

function verdict(compliant: boolean): Verdict {
  return compliant ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
}

function memcachedOnly(r: TemplateResource, check: () => boolean): Verdict {
  return engineOf(r, '') === 'memcached' ? verdict(check()) : Verdict.NOT_APPLICABLE;
}

/** The rules for Memcached clusters (`AWS::ElastiCache::CacheCluster` with engine memcached). */
export const MEMCACHED_RULES: CheckRule[] = [
  {
    id: 'MC1',
    resourceTypes: [CLUSTER],
    problem: 'The Memcached cluster does not encrypt traffic in transit (TransitEncryptionEnabled is not true).',
    fix: 'Set TransitEncryptionEnabled to true (Memcached 1.6.12 or later).',
    documentation: `${USER_GUIDE}/in-transit-encryption.html`,
    check: (r) => memcachedOnly(r, () => isTrue(r.properties.TransitEncryptionEnabled)),
  },
  {
    id: 'MC2',
    resourceTypes: [CLUSTER],
    problem: 'The Memcached cluster listens on the default port (11211), the first one scanners try.',
    fix: 'Set Port to a port other than 11211.',
    documentation: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheCluster.html',
    check: (r) => memcachedOnly(r, () => {
      const port = literalNumber(r.properties.Port);
      return port !== undefined && port !== 11211;
    }),
  },
  {
    id: 'MC3',
    resourceTypes: [CLUSTER],
    problem: 'The Memcached cluster keeps all its data in one Availability Zone (one node, or AZMode not cross-az).',
    fix: 'Set NumCacheNodes to 2 or more and AZMode to cross-az.',
    documentation: `${USER_GUIDE}/RegionsAndAZs.html`,
    check: (r) => memcachedOnly(r, () => (literalNumber(r.properties.NumCacheNodes) ?? 0) > 1 && r.properties.AZMode === 'cross-az'),
  },
];
