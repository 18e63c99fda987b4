import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A resource as it appears in the synthesized CloudFormation template. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly deletionPolicy?: unknown;
  readonly updateReplacePolicy?: unknown;
}

/** What a rule decides about one resource. */
export enum Verdict {
  COMPLIANT = 'compliant',
  NON_COMPLIANT = 'non-compliant',
  NOT_APPLICABLE = 'not-applicable',
}

/** What a rule may look at besides the resource itself. */
export interface CheckContext {
  /** The template of the resource's stack, to follow `Ref` and `Fn::GetAtt`. */
  readonly template: StackTemplate;
  /** The shortest backup retention that passes, in days. */
  readonly minimumBackupRetentionDays: number;
}

/** A rule of the pack: the same rule is written in `rules/elasticache.guard`. */
export interface CheckRule {
  /** The id after the pack name: `RG1` is reported as `ElastiCache-RG1`. */
  readonly id: string;
  /** The CloudFormation types the rule reads. */
  readonly resourceTypes: string[];
  /** What is wrong, in one line. */
  readonly problem: string;
  /** What to change. */
  readonly fix: string;
  /** The AWS documentation behind the rule. */
  readonly documentation: string;
  check(resource: TemplateResource, context: CheckContext): Verdict;
}

/**
 * The resources of one stack, rendered to CloudFormation once (property overrides included) and
 * indexed by logical id, so that references between resources can be followed.
 */
export class StackTemplate {
  private readonly resources = new Map<string, TemplateResource>();
  private readonly byConstruct = new Map<CfnResource, TemplateResource>();
  private readonly derived = new Map<string, unknown>();

  constructor(stack: Stack) {
    for (const construct of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(construct) || Stack.of(construct) !== stack) continue;
      const rendered = render(stack, construct);
      if (rendered) {
        this.resources.set(rendered.logicalId, rendered);
        this.byConstruct.set(construct, rendered);
      }
    }
  }

  /** The rendered form of a resource of this stack. */
  public of(construct: CfnResource): TemplateResource | undefined {
    return this.byConstruct.get(construct);
  }

  /** The resource of this stack that a `Ref` or `Fn::GetAtt` names, if any. */
  public referenced(value: unknown): TemplateResource | undefined {
    const id = referencedLogicalId(value);
    return id === undefined ? undefined : this.resources.get(id);
  }

  /** A value computed once per template, for what rules derive from the whole stack. */
  public memo<T>(key: string, compute: () => T): T {
    if (!this.derived.has(key)) this.derived.set(key, compute());
    return this.derived.get(key) as T;
  }

  /** Every resource of this stack of the given types. */
  public ofTypes(types: string[]): TemplateResource[] {
    return [...this.resources.values()].filter((r) => types.includes(r.type));
  }
}

/** Renders one resource the way the stack's template shows it; undefined if it cannot be. */
function render(stack: Stack, construct: CfnResource): TemplateResource | undefined {
  try {
    // `_toCloudFormation` is the rendering `cdk synth` writes, with overrides and removal policies.
    const fragment = stack.resolve((construct as unknown as { _toCloudFormation(): object })._toCloudFormation()) as {
      Resources?: Record<string, Record<string, unknown>>;
    };
    const [logicalId, body] = Object.entries(fragment.Resources ?? {})[0] ?? [];
    if (logicalId === undefined || body === undefined) return undefined;
    return {
      logicalId,
      type: String(body.Type),
      properties: isObject(body.Properties) ? body.Properties : {},
      deletionPolicy: body.DeletionPolicy,
      updateReplacePolicy: body.UpdateReplacePolicy,
    };
  } catch {
    return undefined;
  }
}

/** Keeps one `StackTemplate` per stack for one validation run. */
export class TemplateCache {
  private readonly stacks = new Map<Stack, StackTemplate>();

  public templateOf(construct: IConstruct): StackTemplate {
    const stack = Stack.of(construct);
    let template = this.stacks.get(stack);
    if (!template) {
      template = new StackTemplate(stack);
      this.stacks.set(stack, template);
    }
    return template;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The logical id that `{Ref}` or `{Fn::GetAtt}` names. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** `true` as CloudFormation accepts it: the boolean or the string. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A literal number, or a string holding one; undefined for anything else (intrinsics). */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * True when a KMS key property names a customer managed key (or a reference to one): AWS managed
 * keys go by aliases under `alias/aws/` (AWS KMS developer guide, "AWS managed keys").
 */
export function isCustomerManagedKey(value: unknown): boolean {
  if (!isGiven(value)) return false;
  return !(typeof value === 'string' && /alias\/aws\//.test(value));
}

/** A literal string; undefined for anything else. */
export function literalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** True when a property is given at all (a literal or an intrinsic); a list must not be empty. */
export function isGiven(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** The elements of a list property; an intrinsic list gives none. */
export function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The engine of a cache, lower-cased; `redis` when a replication group does not say. */
export function engineOf(resource: TemplateResource, fallback: string): string | undefined {
  const engine = resource.properties.Engine;
  if (engine === undefined) return fallback;
  return typeof engine === 'string' ? engine.toLowerCase() : undefined;
}
