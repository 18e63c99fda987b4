import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R4Checks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** The five cdk-nag packs that users' CI gates on. */
export function allPacks(): NagPack[] {
  return [
    new AwsSolutionsChecks(),
    new HIPAASecurityChecks(),
    new NIST80053R4Checks(),
    new NIST80053R5Checks(),
    new PCIDSS321Checks(),
  ];
}

/** One finding: `<rule id> on <construct path>`. */
export function findings(app: App): string[] {
  app.synth();
  const result: string[] = [];
  for (const pack of allPacks()) {
    for (const violation of pack.validateScope(app).violations) {
      for (const resource of violation.violatingResources) {
        result.push(`${violation.ruleName} on ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`);
      }
    }
  }
  return result.sort();
}

/** The acknowledgements anywhere in a construct tree, as `<path>: <data>`. */
export function acknowledgements(root: IConstruct): string[] {
  return root.node.findAll()
    .flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // cdk's metadata is an object of `annotation::<rule id>` keys to reasons.
      .flatMap((m) => Object.keys(m.data as object).map((key) => `${c.node.path}: ${key.replace(/^annotation::/, '')}`)));
}
