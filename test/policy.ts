import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
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
    .flatMap((c) => {
      // Each acknowledge() adds an entry holding all of the construct's acknowledgements so far;
      // cdk reads the last one. It maps `annotation::<rule id>` keys to reasons.
      const entries = c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      const last = entries[entries.length - 1]?.data as Record<string, string> | undefined;
      return Object.keys(last ?? {}).map((key) => `${c.node.path}: ${key.replace(/^annotation::/, '')}`);
    });
}

/**
 * Rotation options as a platform team gives them: its one policy for the network interfaces of
 * VPC functions (`VpcFunctions`), acknowledged where it is kept.
 */
export function teamRotationOptions(stack: Stack): { networkInterfacesPolicy: iam.ManagedPolicy } {
  const networkInterfacesPolicy = new iam.ManagedPolicy(stack, 'VpcFunctions', {
    statements: [new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: ['*'],
    })],
  });
  Validations.of(networkInterfacesPolicy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'No resource-level permissions for these actions.' });
  return { networkInterfacesPolicy };
}

/**
 * The Control Tower proactive controls (the guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`) over every stack of a synthesized app, as
 * `<rule name> on <construct path>`. The app must have been synthesized into its outdir.
 */
export function controlTowerFailures(app: App): string[] {
  const assembly = app.synth();
  // Templates carry no construct paths in tests: map `<template file>:<logical id>` to them.
  const paths = new Map<string, string>();
  for (const c of app.node.findAll()) {
    if (c instanceof CfnResource) {
      const stack = Stack.of(c);
      paths.set(`${stack.templateFile}:${stack.resolve(c.logicalId)}`, c.node.path);
    }
  }
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: true })
    .validate({ templatePaths: assembly.stacks.map((s) => s.templateFullPath) });
  const result = new Set<string>();
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      if (!resource.resourceLogicalId) continue;
      const key = `${path.basename(resource.templatePath)}:${resource.resourceLogicalId}`;
      result.add(`${violation.ruleName} on ${paths.get(key) ?? key}`);
    }
  }
  return [...result].sort();
}
