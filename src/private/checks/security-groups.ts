import { CheckContext, CheckRule, TemplateResource, Verdict, isObject, listOf, referencedLogicalId } from './template';

const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';
const INGRESS = 'AWS::EC2::SecurityGroupIngress';
const SECURITY_GROUP_DOCS = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/elasticache-vpc-accessing.html';

/** Where each kind of cache names its security groups. */
const CACHE_SECURITY_GROUPS: Record<string, string> = {
  'AWS::ElastiCache::ReplicationGroup': 'SecurityGroupIds',
  'AWS::ElastiCache::ServerlessCache': 'SecurityGroupIds',
  'AWS::ElastiCache::CacheCluster': 'VpcSecurityGroupIds',
};

const OPEN = ['0.0.0.0/0', '::/0'];

/** The logical ids of the security groups of the template that a cache uses. */
function cacheSecurityGroups(context: CheckContext): Set<string> {
  return context.template.memo('cacheSecurityGroups', () => findCacheSecurityGroups(context));
}

function findCacheSecurityGroups(context: CheckContext): Set<string> {
  const ids = new Set<string>();
  for (const cache of context.template.ofTypes(Object.keys(CACHE_SECURITY_GROUPS))) {
    for (const group of listOf(cache.properties[CACHE_SECURITY_GROUPS[cache.type]])) {
      const id = referencedLogicalId(group);
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/** The ingress rules of a security group or an ingress resource, if it guards a cache. */
function cacheIngress(r: TemplateResource, context: CheckContext): Array<Record<string, unknown>> | undefined {
  const groups = cacheSecurityGroups(context);
  if (r.type === SECURITY_GROUP) {
    return groups.has(r.logicalId) ? listOf(r.properties.SecurityGroupIngress).filter(isObject) : undefined;
  }
  const target = referencedLogicalId(r.properties.GroupId);
  return target !== undefined && groups.has(target) ? [r.properties] : undefined;
}

function cidrRule(id: string, problem: string, fix: string, matches: (cidr: unknown) => boolean): CheckRule {
  return {
    id,
    resourceTypes: [SECURITY_GROUP, INGRESS],
    problem,
    fix,
    documentation: SECURITY_GROUP_DOCS,
    check: (r, context) => {
      const ingress = cacheIngress(r, context);
      if (ingress === undefined) return Verdict.NOT_APPLICABLE;
      const bad = ingress.some((rule) => [rule.CidrIp, rule.CidrIpv6].some((cidr) => cidr !== undefined && matches(cidr)));
      return bad ? Verdict.NON_COMPLIANT : Verdict.COMPLIANT;
    },
  };
}

/**
 * The rules for the security groups that caches of the same template use (inline ingress and
 * `AWS::EC2::SecurityGroupIngress`). A cache's security group serves only the cache, so any
 * ingress it has is on the cache port.
 */
export const SECURITY_GROUP_RULES: CheckRule[] = [
  cidrRule('SG1',
    'A security group of a cache admits the whole internet (0.0.0.0/0 or ::/0).',
    'Remove the rule; admit the clients\' security groups (SourceSecurityGroupId) instead.',
    (cidr) => typeof cidr === 'string' && OPEN.includes(cidr)),
  cidrRule('SG2',
    'A security group of a cache admits an address range (CidrIp or CidrIpv6) rather than the clients\' security groups.',
    'Replace the range with the clients\' security groups (SourceSecurityGroupId).',
    (cidr) => !(typeof cidr === 'string' && OPEN.includes(cidr))),
];
