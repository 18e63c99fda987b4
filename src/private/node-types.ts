/**
 * ElastiCache node types that can be created today, with their vCPU count.
 *
 * Source: the ElastiCache user guide "Supported node types" and the `CacheNodeType` list that
 * cfn-lint ships for us-east-1. Previous-generation families (t2, m1, m3, m4, r3, r4) cannot be
 * created for new clusters and are rejected here.
 */
const SIZE_VCPUS: Record<string, number> = {
  'micro': 2,
  'small': 2,
  'medium': 2,
  'large': 2,
  'xlarge': 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '10xlarge': 40,
  '12xlarge': 48,
  '16xlarge': 64,
  '24xlarge': 96,
};

const CURRENT_FAMILIES: Record<string, string[]> = {
  t3: ['micro', 'small', 'medium'],
  t4g: ['micro', 'small', 'medium'],
  m5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  m6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  m7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r5: ['large', 'xlarge', '2xlarge', '4xlarge', '12xlarge', '24xlarge'],
  r6g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r6gd: ['xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  r7g: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
  c7gn: ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'],
};

const PREVIOUS_GENERATION = ['t1', 't2', 'm1', 'm2', 'm3', 'm4', 'c1', 'r3', 'r4'];

/** What the library knows about a node type. */
export interface NodeTypeInfo {
  readonly family: string;
  readonly size: string;
  readonly vcpus: number;
  /** Burstable (T-family) nodes: CPU credits, and AWS advises more reserved memory. */
  readonly burstable: boolean;
  /** r6gd nodes tier data to SSD and require data tiering to be enabled. */
  readonly dataTiering: boolean;
}

/** Parses `cache.<family>.<size>`; returns a reason string when the type cannot be created. */
export function describeNodeType(nodeType: string): NodeTypeInfo | string {
  const m = /^cache\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(nodeType);
  if (!m) {
    return 'a node type has the form cache.<family>.<size>, e.g. cache.m7g.large';
  }
  const [, family, size] = m;
  if (PREVIOUS_GENERATION.includes(family)) {
    return `the ${family} family is previous generation and cannot be used for new clusters; use a current family such as m7g, r7g or t4g`;
  }
  const sizes = CURRENT_FAMILIES[family];
  if (!sizes) {
    return `unknown node family '${family}'; current families are ${Object.keys(CURRENT_FAMILIES).join(', ')}`;
  }
  if (!sizes.includes(size)) {
    return `the ${family} family has no size '${size}'; available sizes are ${sizes.join(', ')}`;
  }
  return {
    family,
    size,
    vcpus: SIZE_VCPUS[size],
    burstable: family.startsWith('t'),
    dataTiering: family === 'r6gd',
  };
}
