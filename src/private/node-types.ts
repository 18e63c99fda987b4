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
    return `unknown node family ${JSON.stringify(family)}; current families are ${Object.keys(CURRENT_FAMILIES).join(', ')}`;
  }
  if (!sizes.includes(size)) {
    return `the ${family} family has no size ${JSON.stringify(size)}; available sizes are ${sizes.join(', ')}`;
  }
  return {
    family,
    size,
    vcpus: SIZE_VCPUS[size],
    burstable: family.startsWith('t'),
    dataTiering: family === 'r6gd',
  };
}

/** The engines a node runs. */
export type NodeEngine = 'valkey' | 'redis' | 'memcached';

/**
 * The oldest engine version each family runs, where one is documented; Valkey runs on every
 * current family. Sources: the ElastiCache API reference `CacheNode` (M6g, T4g, R6g: Redis OSS
 * 5.0.6 onward, Memcached 1.5.16 onward) and the user guide "Supported node types" tables
 * (M7g, R7g: Redis OSS 6.2 onward; R6gd: Redis OSS 6.2 onward, data tiering, no Memcached).
 * Families without a documented minimum (t3, m5, r5, c7gn, and M7g/R7g on Memcached) are not
 * checked.
 */
const MINIMUM_VERSIONS: Record<string, Partial<Record<NodeEngine, string | null>>> = {
  t4g: { redis: '5.0.6', memcached: '1.5.16' },
  m6g: { redis: '5.0.6', memcached: '1.5.16' },
  r6g: { redis: '5.0.6', memcached: '1.5.16' },
  m7g: { redis: '6.2' },
  r7g: { redis: '6.2' },
  // null: the engine does not run on the family at all.
  r6gd: { redis: '6.2', memcached: null },
};

/** Compares dotted versions numerically: negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number(p) || 0);
  const pb = b.split('.').map((p) => Number(p) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Why `engine` `version` cannot run on the node family, or undefined when it can (or nothing
 * is documented against it).
 */
export function nodeFamilyProblem(info: NodeTypeInfo, engine: NodeEngine, version: string): string | undefined {
  const rule = MINIMUM_VERSIONS[info.family]?.[engine];
  if (rule === undefined) return undefined;
  const name = engine === 'redis' ? 'Redis OSS' : engine === 'memcached' ? 'Memcached' : 'Valkey';
  if (rule === null) {
    return `${name} does not run on ${info.family} nodes`;
  }
  if (compareVersions(version, rule) >= 0) return undefined;
  return `${info.family} nodes need ${name} ${rule} or later, not ${version} (ElastiCache "Supported node types")`;
}

/** A node type of the same size class that `engine` `version` runs on, for the fix of a message. */
export function suggestedNodeType(engine: NodeEngine, version: string): string {
  for (const type of ['cache.m7g.large', 'cache.m6g.large', 'cache.m5.large']) {
    const info = describeNodeType(type) as NodeTypeInfo;
    if (nodeFamilyProblem(info, engine, version) === undefined) return type;
  }
  return 'cache.m5.large';
}
