import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Creates a customer managed key with yearly rotation whose policy lets only AWS services create
 * grants (Control Tower CT.KMS.PR.3, "Require an AWS KMS key policy to have a statement that
 * limits creation of AWS KMS grants to AWS services").
 *
 * The services that use the library's keys create their grants themselves, so the `Deny` leaves
 * them working: ElastiCache (at-rest encryption) and Lambda (environment variables) call
 * `CreateGrant` on the caller's behalf, which sets `kms:GrantIsForAWSResource` (AWS KMS developer
 * guide, "kms:GrantIsForAWSResource"); Secrets Manager, CloudWatch Logs and SNS use no grants.
 */
export function createKey(scope: Construct, id: string, props: kms.KeyProps): kms.Key {
  const key = new kms.Key(scope, id, { enableKeyRotation: true, ...props });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
  return key;
}
