import { isDeepStrictEqual } from 'util';

/** What the CloudFormation registry schema of a resource type says about updates. */
export interface ResourceSchema {
  /** Top-level properties whose change replaces the resource (`createOnlyProperties`). */
  readonly createOnly: string[];
  /** The property that holds a physical name you may give, if the type has one. */
  readonly nameProperty?: string;
}

/** How one resource fares when a template is deployed over another. */
export type Outcome = 'in place' | 'replaced' | 'added' | 'removed' | 'failing';

export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly outcome: Outcome;
  /** The properties that changed, or that refer to a replaced resource. */
  readonly properties: string[];
  /** Why, for replaced and failing resources. */
  readonly reason?: string;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown }>;

/**
 * Changes of properties that CloudFormation or ElastiCache cannot apply in place although the
 * schema does not list them as create-only. Each names its source. `replaces` means
 * CloudFormation replaces the resource; otherwise the update fails.
 */
interface ServiceRule {
  readonly type: string;
  readonly applies: (before: Record<string, unknown>, after: Record<string, unknown>, resource: Record<string, any>) => boolean;
  readonly replaces: boolean;
  readonly reason: string;
}

const SERVICE_RULES: ServiceRule[] = [
  {
    type: 'AWS::ElastiCache::ReplicationGroup',
    applies: (b, a) => !isDeepStrictEqual(b.ClusterMode, a.ClusterMode),
    replaces: false,
    reason: 'ElastiCache turns cluster mode on only through compatible mode, and never off (user guide, "Modifying cluster mode")',
  },
  {
    type: 'AWS::ElastiCache::ReplicationGroup',
    applies: (b, a) => (b.AuthToken === undefined) !== (a.AuthToken === undefined)
      && (b.UserGroupIds === undefined) !== (a.UserGroupIds === undefined),
    replaces: true,
    reason: 'CloudFormation replaces a group that moves between AUTH token and user group (cloudformation-coverage-roadmap issue 2356)',
  },
  {
    type: 'AWS::ElastiCache::ReplicationGroup',
    applies: (b, a, resource) => b.NumNodeGroups !== a.NumNodeGroups && a.NumNodeGroups !== undefined && b.NumNodeGroups !== undefined
      && resource.UpdatePolicy?.UseOnlineResharding !== true,
    replaces: true,
    reason: 'NumNodeGroups replaces the group without the UseOnlineResharding update policy (CloudFormation UpdatePolicy attribute)',
  },
];

/** Every logical id that `value` refers to with `Ref` or `Fn::GetAtt`. */
function references(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => references(v, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') found.add(v);
      else if (key === 'Fn::GetAtt' && Array.isArray(v)) found.add(String(v[0]));
      else references(v, found);
    }
  }
  return found;
}

/**
 * Classifies every resource that differs between two templates of one stack, as CloudFormation
 * would update `before` to `after`: a changed create-only property (or a service rule) replaces
 * the resource; a property that refers to a replaced resource changes with it, and may replace
 * its own resource in turn; a replaced resource whose given physical name stays the same fails
 * (CloudFormation creates the new resource before it deletes the old one, "Name type").
 */
export function classify(before: Resources, after: Resources, schemas: Record<string, ResourceSchema>): ResourceChange[] {
  const changes = new Map<string, { props: Set<string>; replaced?: string; failing?: string }>();
  const common = Object.keys(after).filter((id) => id in before && before[id].Type === after[id].Type);
  for (const id of common) {
    const b = before[id].Properties ?? {};
    const a = after[id].Properties ?? {};
    const props = new Set([...Object.keys(b), ...Object.keys(a)].filter((p) => !isDeepStrictEqual(b[p], a[p])));
    const attributes = ['DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'DependsOn', 'Metadata', 'Condition']
      .filter((attr) => !isDeepStrictEqual(before[id][attr], after[id][attr]));
    if (props.size > 0 || attributes.length > 0) changes.set(id, { props });
  }

  let grew = true;
  while (grew) {
    grew = false;
    const replaced = new Set([...changes].filter(([, c]) => c.replaced).map(([id]) => id));
    for (const id of common) {
      const a = after[id].Properties ?? {};
      const schema = schemas[after[id].Type];
      if (!schema) throw new Error(`no schema for ${after[id].Type}: add it to the extracted schemas`);
      const change = changes.get(id) ?? { props: new Set<string>() };
      for (const [prop, value] of Object.entries(a)) {
        if ([...references(value)].some((ref) => replaced.has(ref)) && !change.props.has(prop)) {
          change.props.add(prop);
          grew = true;
        }
      }
      if (change.props.size === 0 && !changes.has(id)) continue;
      changes.set(id, change);
      if (change.replaced || change.failing) continue;
      const createOnly = [...change.props].filter((p) => schema.createOnly.includes(p));
      const b = before[id].Properties ?? {};
      const rules = SERVICE_RULES.filter((r) => r.type === after[id].Type && r.applies(b, a, after[id]));
      if (createOnly.length > 0) {
        change.replaced = `create-only ${createOnly.join(', ')} changed (schema)`;
      } else if (rules.some((r) => r.replaces)) {
        change.replaced = rules.find((r) => r.replaces)!.reason;
      } else if (rules.length > 0) {
        change.failing = rules[0].reason;
        continue;
      } else {
        continue;
      }
      grew = true;
      // A given name that stays the same keeps CloudFormation from creating the replacement.
      const name = schema.nameProperty;
      if (name && a[name] !== undefined && isDeepStrictEqual(b[name], a[name]) && ![...references(a[name])].some((ref) => replaced.has(ref))) {
        change.failing = `${change.replaced}, but its ${name} stays the same: CloudFormation cannot replace a resource with a fixed name`;
      }
    }
  }

  const result: ResourceChange[] = [];
  for (const [id, change] of changes) {
    const outcome: Outcome = change.failing ? 'failing' : change.replaced ? 'replaced' : 'in place';
    result.push({ logicalId: id, type: after[id].Type, outcome, properties: [...change.props].sort(), reason: change.failing ?? change.replaced });
  }
  const removedIds = Object.keys(before).filter((i) => !(i in after) || before[i].Type !== after[i].Type);
  for (const id of Object.keys(after).filter((i) => !(i in before) || before[i].Type !== after[i].Type)) {
    // A new resource that takes the given name of one being removed is created first, and collides.
    const name = schemas[after[id].Type]?.nameProperty;
    const value = name ? after[id].Properties?.[name] : undefined;
    const collides = value !== undefined
      && removedIds.some((r) => before[r].Type === after[id].Type && isDeepStrictEqual(before[r].Properties?.[name!], value));
    result.push(collides
      ? { logicalId: id, type: after[id].Type, outcome: 'failing', properties: [], reason: `new logical id with the ${name} of a removed resource: CloudFormation creates it before it deletes the old one` }
      : { logicalId: id, type: after[id].Type, outcome: 'added', properties: [] });
  }
  for (const id of removedIds) {
    result.push({ logicalId: id, type: before[id].Type, outcome: 'removed', properties: [] });
  }
  return result.sort((x, y) => x.logicalId.localeCompare(y.logicalId));
}
