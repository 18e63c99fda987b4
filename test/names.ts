import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** The stack UUID that `evaluate` gives `AWS::StackId`, as CloudFormation would after creating the stack. */
export const SAMPLE_STACK_UUID = '1c2fa620-982a-11e3-aff7-50e2416294e0';
/** The first group of `SAMPLE_STACK_UUID`: what the library's names carry. */
export const SAMPLE_UUID_FRAGMENT = '1c2fa620';

/** The property that holds the physical name of each resource type whose `Ref` is that name. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::ElastiCache::ReplicationGroup': 'ReplicationGroupId',
  'AWS::ElastiCache::CacheCluster': 'ClusterName',
  'AWS::ElastiCache::ServerlessCache': 'ServerlessCacheName',
  'AWS::ElastiCache::User': 'UserId',
  'AWS::ElastiCache::UserGroup': 'UserGroupId',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/**
 * Evaluates a value of the stack's template as CloudFormation would: `Fn::Join`, `Fn::Select`,
 * `Fn::Split`, and `Ref` to the pseudo parameters and to resources whose `Ref` is their name.
 * A resource without a given name evaluates to `<generated name of LOGICALID>`, the place of the
 * name CloudFormation generates.
 */
export function evaluate(stack: Stack, value: unknown): any {
  const resources = Template.fromStack(stack).toJSON().Resources ?? {};
  return evaluateIn(resources, stack, stack.resolve(value));
}

/** `evaluate` for a value that is already resolved, against the resources of a synthesized template. */
export function evaluateIn(resources: Record<string, any>, stack: Pick<Stack, 'stackName' | 'region' | 'account'>, value: unknown): any {
  const ev = (v: unknown): any => {
    if (Array.isArray(v)) return v.map(ev);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, any>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'];
      return (ev(parts) as unknown[]).join(sep);
    }
    if ('Fn::Select' in obj) {
      const [index, list] = obj['Fn::Select'];
      return ev(list)[ev(index)];
    }
    if ('Fn::Split' in obj) {
      const [sep, text] = obj['Fn::Split'];
      return String(ev(text)).split(sep);
    }
    if ('Ref' in obj) {
      const ref = obj.Ref as string;
      if (ref === 'AWS::StackId') return `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/${SAMPLE_STACK_UUID}`;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return stack.region;
      if (ref === 'AWS::AccountId') return stack.account;
      const resource = resources[ref];
      const nameProperty = resource ? NAME_PROPERTY[resource.Type] : undefined;
      if (!nameProperty) return `<ref of ${ref}>`;
      const name = resource.Properties?.[nameProperty];
      return name === undefined ? `<generated name of ${ref}>` : ev(name);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, ev(x)]));
  };
  return ev(value);
}
