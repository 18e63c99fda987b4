import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';
import { replacementAwareName } from './ids';
import { isLiteral, PropsValidator, quote } from './validation';

/** What a cache construct needs for its security group. */
export interface CacheSecurityProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly allowedConnections?: ec2.IConnectable[];
  /** The ports clients use; the first is the default port of `connections`. */
  readonly ports: number[];
  /** A word for descriptions, e.g. "valkey replication group". */
  readonly what: string;
}

/** The security group and connections of a cache. */
export interface CacheSecurity {
  readonly securityGroup: ec2.ISecurityGroup;
  readonly connections: ec2.Connections;
}

/**
 * Picks the subnets: isolated subnets when the VPC has them, else private subnets with egress;
 * never public ones. A cache in a public subnet is one security group mistake away from the
 * internet (AwsSolutions-AEC1 and CT.ELASTICACHE.PR.6 want a dedicated subnet group).
 */
export function selectCacheSubnets(v: PropsValidator, vpc: ec2.IVpc, selection?: ec2.SubnetSelection): ec2.SelectedSubnets | undefined {
  let effective = selection;
  if (!effective) {
    if (vpc.isolatedSubnets.length > 0) {
      effective = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    } else if (vpc.privateSubnets.length > 0) {
      effective = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    } else {
      v.check(true, `vpc ${vpc.node.path} has no isolated or private subnets. A cache never goes into public subnets: add PRIVATE_ISOLATED subnets to the VPC, or pass vpcSubnets that select private ones.`);
      return undefined;
    }
  }
  const selected = vpc.selectSubnets(effective);
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  // A subnet of a VPC defined in the app has a token for its id: name it by its path instead.
  const publicSelected = selected.subnets.filter((s) => publicIds.has(s.subnetId)).map((s) => (isLiteral(s.subnetId) ? s.subnetId : s.node.path));
  v.check(selected.hasPublic || publicSelected.length > 0,
    `vpcSubnets selects public subnets (${publicSelected.join(', ') || 'by subnet type'}). Select PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets instead.`);
  v.check(selected.subnetIds.length === 0, 'vpcSubnets selects no subnets. Select at least one private subnet of the VPC.');
  return selected;
}

/**
 * The dedicated subnet group (AwsSolutions-AEC1, CT.ELASTICACHE.PR.6: not the default one).
 *
 * Its name is derived from the VPC: ElastiCache cannot move a subnet group that a cache uses to
 * the subnets of another VPC, so a change of VPC must replace the group, and with it the cache
 * (`CacheSubnetGroupName` is create-only on both). Subnets of the same VPC change in place.
 */
export function createSubnetGroup(scope: Construct, vpc: ec2.IVpc, subnets: ec2.SelectedSubnets, what: string): elasticache.CfnSubnetGroup {
  return new elasticache.CfnSubnetGroup(scope, 'SubnetGroup', {
    description: `Subnets of the ${what} ${scope.node.path}`,
    subnetIds: subnets.subnetIds,
    cacheSubnetGroupName: replacementAwareName(scope, MAX_SUBNET_GROUP_NAME_LENGTH, () => ({ VpcId: vpc.vpcId })),
  });
}

/** CacheSubnetGroupName: at most 255 characters (CreateCacheSubnetGroup API reference). */
const MAX_SUBNET_GROUP_NAME_LENGTH = 255;

/**
 * Creates the cache's own security group: no egress, no CIDR ingress, and ingress on the cache
 * ports from the named sources only. Groups the user brings are attached as they are.
 */
export function createCacheSecurity(scope: Construct, props: CacheSecurityProps): CacheSecurity {
  const securityGroup = new ec2.SecurityGroup(scope, 'SecurityGroup', {
    vpc: props.vpc,
    description: `Clients of the ${props.what} ${scope.node.path}`,
    allowAllOutbound: false,
  });
  const connections = new ec2.Connections({
    securityGroups: [securityGroup, ...(props.securityGroups ?? [])],
    defaultPort: ec2.Port.tcp(props.ports[0]),
  });
  for (const source of props.allowedConnections ?? []) {
    for (const port of props.ports) {
      securityGroup.connections.allowFrom(source, ec2.Port.tcp(port), `Clients of ${scope.node.path}`);
    }
  }
  return { securityGroup, connections };
}

/**
 * The distinct zones of the selected subnets, and an error when a feature that spreads nodes
 * over zones (`what`, e.g. "multiAz") finds them all in one zone. Zones that are tokens are not
 * checked.
 */
export function checkZoneSpread(v: PropsValidator, subnets: ec2.SelectedSubnets | undefined, what: string, fix: string): string[] {
  const zones = [...new Set(subnets?.availabilityZones ?? [])];
  if (zones.length > 0 && zones.every((az) => isLiteral(az))) {
    v.check(zones.length < 2,
      `${what} needs subnets in at least two Availability Zones, but the selected subnets are all in ${zones.join(', ')}. Select subnets in two or more zones${fix}.`);
  }
  return zones;
}

/**
 * A range that admits every address (prefix length 0: `0.0.0.0/0`, `::/0`, however spelled):
 * nothing but the cache's own authentication stands in the way.
 */
function isWorldOpen(range: string): boolean {
  return /\/0+$/.test(range.trim());
}

/** What a source of `allowedConnections` admits, when it is an address range rather than a security group. */
function rangeOf(source: ec2.IConnectable): string | undefined {
  const peer = source as Partial<ec2.IPeer>;
  // Security groups are peers too, but their rule names a group (sourceSecurityGroupId), not a range.
  if (typeof peer.toIngressRuleConfig !== 'function') return undefined;
  const rule = peer.toIngressRuleConfig();
  return rule.cidrIp ?? rule.cidrIpv6 ?? rule.sourcePrefixListId;
}

/**
 * The sources of `allowedConnections`. Security groups are the intended sources. A world-open
 * range (`ec2.Peer.anyIpv4()`, `0.0.0.0/0`, `::/0`) is always refused: for Memcached, which has no
 * authentication on ElastiCache, it is the whole access control. Other ranges and prefix lists
 * admit every address in them, so they need `allowCidrIngress: true`; a range that is a token
 * cannot be checked and is refused.
 */
export function validateAllowedConnections(v: PropsValidator, sources: ec2.IConnectable[] | undefined, allowCidrIngress: boolean): void {
  for (const source of sources ?? []) {
    const range = rangeOf(source);
    if (range === undefined) continue;
    if (!isLiteral(range)) {
      v.check(true, 'allowedConnections has an address range that is a token, which cannot be checked at synth. '
        + 'Give the CIDR as a literal (e.g. ec2.Peer.ipv4("10.0.0.0/16")), or admit a security group instead.');
    } else if (isWorldOpen(range)) {
      v.check(true, `allowedConnections admits ${quote(range)}, every address. Admit the clients' security groups instead `
        + '(e.g. allowedConnections: [appService]), or a narrow range with allowCidrIngress: true.');
    } else {
      v.check(!allowCidrIngress, `allowedConnections admits the address range ${quote(range)}, but allowCidrIngress is not set. `
        + 'Admit the clients\' security groups instead, or set allowCidrIngress: true to admit every address in the range.');
    }
  }
}

/**
 * Refuses, at synth, a world-open ingress rule on the cache's own security group however it was
 * added (e.g. later with `cache.connections.allowDefaultPortFrom(ec2.Peer.anyIpv4())`).
 */
export function refuseWorldOpenIngress(scope: Construct, securityGroup: ec2.ISecurityGroup): void {
  scope.node.addValidation({
    validate: () => {
      const cfn = securityGroup.node.defaultChild;
      if (!(cfn instanceof ec2.CfnSecurityGroup)) return [];
      type Rule = { cidrIp?: string; cidrIpv6?: string; CidrIp?: string; CidrIpv6?: string };
      const rules = (Stack.of(scope).resolve(cfn.securityGroupIngress) ?? []) as Rule[];
      return rules
        .map((r) => r.cidrIp ?? r.CidrIp ?? r.cidrIpv6 ?? r.CidrIpv6)
        .filter((range): range is string => range !== undefined && isLiteral(range) && isWorldOpen(range))
        .map((range) => `[${scope.node.path}] the security group ${securityGroup.node.path} admits ${quote(range)}, every address. `
          + 'Admit the clients\' security groups instead (cache.connections.allowDefaultPortFrom(appService)).');
    },
  });
}
