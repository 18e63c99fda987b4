import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { importedVpc, newStack } from './fixtures';

// Helpers shared by the construct tests: reading templates, building a construct in the fixture
// VPC, and the assertions several constructs make alike (network, grants, synth-time errors).

/** What ElastiCache accepts as an id: a letter, then letters, digits and single hyphens; no trailing hyphen. */
export const VALID_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** CDK's placeholder rule for a security group without egress (`allowAllOutbound: false`). */
export const DISALLOW_ALL_EGRESS = [{
  CidrIp: '255.255.255.255/32',
  Description: 'Disallow all traffic',
  FromPort: 252,
  IpProtocol: 'icmp',
  ToPort: 86,
}];

/** Every punctuation character that Secrets Manager's GetRandomPassword may generate. */
export const SECRETS_MANAGER_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** The only non-alphanumeric characters ElastiCache accepts in an AUTH token or a password (user guide, AUTH). */
export const ELASTICACHE_ALLOWED_PUNCTUATION = '!&#$^<>-';

// Templates

/** The logical id of a construct's default child (its CloudFormation resource), or of the construct itself. */
export function logicalIdOf(construct: Construct): string {
  const child = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(child as any);
}

/** `Fn::GetAtt` of an attribute of a construct's resource. */
export function getAtt(construct: Construct, attribute: string): unknown {
  return { 'Fn::GetAtt': [logicalIdOf(construct), attribute] };
}

/** The properties of the only resource of a type. */
export function onlyProps(template: Template, type: string): Record<string, any> {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as any).Properties;
}

/** The standalone ingress rules of a template (`AWS::EC2::SecurityGroupIngress`). */
export function ingressRules(template: Template): any[] {
  return Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r: any) => r.Properties);
}

/** The properties of a security group of a template. */
export function securityGroupProps(template: Template, securityGroup: Construct): Record<string, any> {
  return (template.findResources('AWS::EC2::SecurityGroup')[logicalIdOf(securityGroup)] as any).Properties;
}

/** The CloudWatch alarms of a template, of one metric if given. */
export function alarmsOf(template: Template, metricName?: string): any[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm'))
    .map((a: any) => a.Properties)
    .filter((p) => metricName === undefined || p.MetricName === metricName);
}

// Building

/** Props on top of the fixture VPC, or a function of the stack and that VPC that makes them. */
export type PropsFactory<P> = Partial<P> | ((stack: Stack, vpc: ec2.IVpc) => Partial<P>);

/** The props a `PropsFactory` stands for. */
export function resolveProps<P>(props: PropsFactory<P> | undefined, stack: Stack, vpc: ec2.IVpc): Partial<P> | undefined {
  return typeof props === 'function' ? (props as (stack: Stack, vpc: ec2.IVpc) => Partial<P>)(stack, vpc) : props;
}

/** A construct under test, with its stack and the fixture VPC it was given. */
export interface Built<C> {
  readonly stack: Stack;
  readonly vpc: ec2.IVpc;
  readonly cache: C;
}

/** A construct of `type` named `id` in a new `TestStack`, in the fixture VPC (isolated subnets in three zones). */
export function buildInFixtureVpc<C, P extends { vpc: ec2.IVpc }>(
  type: new (scope: Construct, id: string, props: P) => C,
  id: string,
  props: PropsFactory<P> = {},
): Built<C> {
  const { stack } = newStack();
  const vpc = importedVpc(stack);
  const cache = new type(stack, id, { vpc, ...resolveProps(props, stack, vpc) } as P);
  return { stack, vpc, cache };
}

// Assertions

/**
 * Expects the standalone ingress rules to be exactly one per source, each admitting that source into
 * `securityGroup` on `port` over TCP.
 */
export function expectIngressOnlyFrom(template: Template, securityGroup: Construct, sources: Construct[], port: number): void {
  const rules = ingressRules(template);
  expect(rules).toHaveLength(sources.length);
  for (const rule of rules) {
    expect(rule).toMatchObject({
      GroupId: getAtt(securityGroup, 'GroupId'),
      IpProtocol: 'tcp',
      FromPort: port,
      ToPort: port,
    });
  }
  expect(rules.map((r) => r.SourceSecurityGroupId)).toEqual(expect.arrayContaining(sources.map((source) => getAtt(source, 'GroupId'))));
}

/**
 * Expects no ingress rule of the template, inline or standalone, to admit a CIDR range; no standalone
 * egress rule; and `securityGroup` to have no egress but CDK's disallow-all placeholder.
 * Returns the ingress rules it looked at.
 */
export function expectNoCidrIngressAndNoEgress(template: Template, securityGroup: Construct): any[] {
  const inline = Object.values(template.findResources('AWS::EC2::SecurityGroup'))
    .flatMap((sg: any) => sg.Properties.SecurityGroupIngress ?? []);
  const rules = [...inline, ...ingressRules(template)];
  for (const rule of rules) {
    expect(rule.CidrIp).toBeUndefined();
    expect(rule.CidrIpv6).toBeUndefined();
  }
  template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  expect(securityGroupProps(template, securityGroup).SecurityGroupEgress).toEqual(DISALLOW_ALL_EGRESS);
  return rules;
}

/**
 * Expects `role` to be granted secretsmanager:GetSecretValue on `secret` by an IAM policy, and kms:Decrypt
 * through Secrets Manager by the key policy.
 */
export function expectSecretReadGrant(template: Template, role: Construct, secret: Construct): void {
  const secretId = logicalIdOf(secret);
  const keyArn = template.findResources('AWS::SecretsManager::Secret')[secretId].Properties.KmsKeyId;
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalIdOf(role) }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
  // Reading this one secret.
  expect(statements).toContainEqual({
    Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    Effect: 'Allow',
    Resource: { Ref: secretId },
  });
  // Decrypting through Secrets Manager, for this secret only: Secrets Manager passes the secret's
  // ARN as encryption context, so another secret under the same key does not match.
  const kms = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('kms:')));
  expect(kms).toContainEqual({
    Action: 'kms:Decrypt',
    Effect: 'Allow',
    Resource: keyArn,
    Condition: {
      StringEquals: {
        'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com',
        'kms:EncryptionContext:SecretARN': { Ref: secretId },
      },
    },
  });
  for (const st of kms) {
    expect(st.Condition?.StringEquals?.['kms:EncryptionContext:SecretARN']).toBeDefined();
  }
  // Nothing in the key policy: a key-policy grant could not name one secret.
  const keyId = keyArn['Fn::GetAtt'][0];
  expect(JSON.stringify(template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy)).not.toContain(logicalIdOf(role));
}

/**
 * Expects the ExcludeCharacters of a generated secret to be exactly the punctuation Secrets Manager may
 * generate and ElastiCache rejects, and none that ElastiCache accepts.
 */
export function expectExcludesRejectedPunctuation(excluded: string): void {
  const rejected = [...SECRETS_MANAGER_PUNCTUATION].filter((c) => !ELASTICACHE_ALLOWED_PUNCTUATION.includes(c));
  expect([...excluded].sort()).toEqual(rejected.sort());
  for (const allowed of ELASTICACHE_ALLOWED_PUNCTUATION) {
    expect(excluded).not.toContain(allowed);
  }
}

// Errors

/** Runs `act`, expects it to throw, and returns the message. */
export function errorOf(act: () => unknown): string {
  let error: Error | undefined;
  try {
    act();
  } catch (e) {
    error = e as Error;
  }
  expect(error).toBeDefined();
  return error!.message;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** `[path] `: how every error of the library starts, naming the construct. */
export function errorHeader(path: string): RegExp {
  return new RegExp(`^\\[${escapeRegExp(path)}\\] `);
}

/** `[path] invalid configuration:` and the first problem: how a synth-time validation error starts. */
export function invalidConfigurationHeader(path: string): RegExp {
  return new RegExp(`^\\[${escapeRegExp(path)}\\] invalid configuration:\\n {2}- `);
}

/** Expects `act` to throw a synth-time validation error of the construct at `path` that matches `message`. */
export function expectInvalidConfiguration(path: string, message: RegExp, act: () => unknown): void {
  const error = errorOf(act);
  expect(error).toMatch(invalidConfigurationHeader(path));
  expect(error).toMatch(message);
}
