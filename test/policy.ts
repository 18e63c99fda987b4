import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R4Checks, NIST80053R5Checks, NagPack, PCIDSS321Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ACKNOWLEDGEMENTS, AcknowledgementName } from '../src/private/acknowledgements';

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
      // Each entry maps `annotation::<rule id>` keys to reasons. Depending on the aws-cdk-lib
      // release, an acknowledge() adds an entry with all of the construct's acknowledgements so
      // far, or with its own only: the union covers both.
      const entries = c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
      const keys = new Set(entries.flatMap((m) => Object.keys(m.data as Record<string, string>)));
      return [...keys].map((key) => `${c.node.path}: ${key.replace(/^annotation::/, '')}`);
    });
}

/** The ids that the table says the library acknowledges on each kind of its resources. */
const ids = (name: AcknowledgementName): string[] => ACKNOWLEDGEMENTS[name].ids;

/**
 * What the table says must be acknowledged in an app, derived from the resources themselves:
 * the IAM5 wildcard on each rotation policy that holds one, LambdaDLQ on each rotation function and
 * LambdaConcurrency on those without reserved concurrency, AEC6 on groups with a user group.
 */
export function expectedAcknowledgements(root: IConstruct): string[] {
  const expected: string[] = [];
  for (const c of root.node.findAll()) {
    const at = (names: AcknowledgementName[]) => names.flatMap(ids).map((id) => `${c.node.path}: ${id}`);
    if (c instanceof iam.CfnManagedPolicy && /(AuthToken|Password)Rotation\/Policy\/Resource$/.test(c.node.path)
      && (Stack.of(c).resolve(c.policyDocument).Statement as Array<{ Resource: unknown }>).some((st) => [st.Resource].flat().includes('*'))) {
      expected.push(...at(['rotationPolicyWildcard']));
    }
    if (c instanceof lambda.CfnFunction && /(AuthToken|Password)Rotation\/Function\/Resource$/.test(c.node.path)) {
      expected.push(...at(c.reservedConcurrentExecutions === undefined
        ? ['rotationFunctionDeadLetterQueue', 'rotationFunctionConcurrency'] : ['rotationFunctionDeadLetterQueue']));
    }
    if (c instanceof elasticache.CfnReplicationGroup && c.userGroupIds !== undefined) {
      expected.push(...at(['userGroupAuthentication']));
    }
  }
  return expected.sort();
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
const CONTROL_TOWER_RULES = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
let ruleFiles: Array<{ file: string; types: string[] }> | undefined;

/** The Control Tower rule files bundled with the validator, with the resource types each names. */
function controlTowerRuleFiles(): Array<{ file: string; types: string[] }> {
  return ruleFiles ??= fs.readdirSync(CONTROL_TOWER_RULES, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.guard'))
    .map((f) => path.join(CONTROL_TOWER_RULES, f))
    .map((file) => ({ file, types: [...new Set(fs.readFileSync(file, 'utf8').match(/AWS::\w+::\w+/g) ?? [])] }));
}

export function controlTowerFailures(app: App): string[] {
  const assembly = app.synth();
  // cfn-guard fails without a template to read.
  if (assembly.stacks.length === 0) return [];
  // Templates carry no construct paths in tests: map `<template file>:<logical id>` to them.
  const paths = new Map<string, string>();
  for (const c of app.node.findAll()) {
    if (c instanceof CfnResource) {
      const stack = Stack.of(c);
      paths.set(`${stack.templateFile}:${stack.resolve(c.logicalId)}`, c.node.path);
    }
  }
  // Only the rule files that name a resource type of these templates: the others cannot report
  // anything on them, and cfn-guard's time grows with rules times templates.
  const types = new Set(assembly.stacks.flatMap((s) => Object.values<{ Type: string }>(s.template.Resources ?? {}).map((r) => r.Type)));
  const rules = controlTowerRuleFiles().filter((rule) => rule.types.some((type) => types.has(type))).map((rule) => rule.file);
  if (rules.length === 0) return [];
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules })
    .validate({ templatePaths: assembly.stacks.map((s) => s.templateFullPath), appConstruct: app });
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
