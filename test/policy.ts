import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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

/**
 * Rotation options as a platform team gives them: its one policy for the network interfaces of
 * VPC functions (`VpcFunctions`), acknowledged where it is kept, and a dead-letter queue (`Dlq`).
 */
export function teamRotationOptions(stack: Stack): { networkInterfacesPolicy: iam.ManagedPolicy; deadLetterQueue: sqs.Queue } {
  const networkInterfacesPolicy = new iam.ManagedPolicy(stack, 'VpcFunctions', {
    statements: [new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
    })],
  });
  Validations.of(networkInterfacesPolicy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'No resource-level permissions for these actions.' });
  const deadLetterQueue = new sqs.Queue(stack, 'Dlq', { encryptionMasterKey: new kms.Key(stack, 'DlqKey', { enableKeyRotation: true }), enforceSSL: true });
  return { networkInterfacesPolicy, deadLetterQueue };
}
