import { CfnResource, Duration, IPolicyValidationContext, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ALL_RULES } from './private/checks';
import { CheckRule, TemplateCache, Verdict } from './private/checks/template';

/** Options of the `ElastiCacheChecks` pack. */
export interface ElastiCacheChecksProps extends NagPackProps {
  /**
   * The shortest automatic backup retention that passes (rules RG7 and SC3), in whole days
   * from 1 to 35.
   *
   * @default Duration.days(15) - as the HIPAA Security and NIST 800-53 packs ask
   */
  readonly minimumBackupRetention?: Duration;
}

/**
 * A cdk-nag pack for Amazon ElastiCache: replication groups of every engine (Valkey included),
 * serverless caches, Memcached clusters, users and user groups, the security groups of caches and
 * their final snapshots.
 *
 * It reads the CloudFormation that each resource synthesizes, so it checks L1 resources, the L2s
 * of aws-cdk-lib and its alpha modules, and this library's constructs alike. References to other
 * resources of the same stack (`Ref`, `Fn::GetAtt`) are followed; a value that cannot be known
 * at synth time never passes a rule that needs a literal. The same rules ship as
 * `rules/elasticache.guard` for cfn-guard.
 *
 * Rule ids are `ElastiCache-<id>` (e.g. `ElastiCache-RG1`); acknowledge one with
 * `Validations.of(scope).acknowledge({ id: 'ElastiCache-RG1', reason: '...' })`.
 *
 * @example
 * // In the app's entry point, on the whole app:
 * const app = this.node.root;
 * Validations.of(app).addPlugins(new ElastiCacheChecks(app));
 */
export class ElastiCacheChecks extends NagPack {
  public readonly name = 'ElastiCache';
  private readonly minimumBackupRetentionDays: number;
  private readonly scope?: IConstruct;
  private templates = new TemplateCache();

  /**
   * @param scope the app (or stage) to check when the pack runs as a policy validation plugin
   * @param props options
   */
  constructor(scope?: IConstruct, props: ElastiCacheChecksProps = {}) {
    super(scope, props);
    this.packName = 'ElastiCache';
    this.scope = scope;
    const retention = props.minimumBackupRetention;
    if (retention !== undefined && retention.isUnresolved()) {
      throw new Error('ElastiCacheChecks: minimumBackupRetention must be a literal duration, got a token. Pass Duration.days(n).');
    }
    const days = retention === undefined ? 15 : retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1 || days > 35) {
      throw new Error(`ElastiCacheChecks: minimumBackupRetention must be a whole number of days from 1 to 35, got ${JSON.stringify(days)} days. `
        + 'ElastiCache keeps automatic backups for at most 35 days; pass Duration.days(n).');
    }
    this.minimumBackupRetentionDays = days;
  }

  /**
   * Called by `Validations.of(app).addPlugins(...)` after synthesis. It checks the construct tree of
   * the validation context (aws-cdk-lib 2.258 and later), else the scope it was given.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const tree = context.appConstruct ?? this.scope;
    if (tree === undefined) {
      throw new Error('ElastiCacheChecks needs the construct tree to check: pass the app, as in `new ElastiCacheChecks(app)`, '
        + 'or call validateScope(app).');
    }
    return this.validateScope(tree);
  }

  /** Checks every resource under `scope` and reports the violations. */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    // Each run reads the templates as they are now.
    this.templates = new TemplateCache();
    return super.validateScope(scope);
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of ALL_RULES) {
      if (rule.resourceTypes.includes(node.cfnResourceType)) {
        this.applyCheck(node, rule);
      }
    }
  }

  private applyCheck(node: CfnResource, rule: CheckRule): void {
    this.applyRule({
      ruleSuffixOverride: rule.id,
      info: `${rule.problem} Fix: ${rule.fix}`,
      explanation: `See ${rule.documentation}`,
      level: NagMessageLevel.ERROR,
      node,
      rule: (resource: CfnResource) => {
        const template = this.templates.templateOf(resource);
        const rendered = template.of(resource);
        if (rendered === undefined) return NagRuleCompliance.NOT_APPLICABLE;
        const verdict = rule.check(rendered, { template, minimumBackupRetentionDays: this.minimumBackupRetentionDays });
        return verdict === Verdict.COMPLIANT ? NagRuleCompliance.COMPLIANT
          : verdict === Verdict.NON_COMPLIANT ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
      },
    });
  }
}
