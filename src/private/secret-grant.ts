import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Grants reading one secret, in the grantee's identity policy only: `GetSecretValue` and
 * `DescribeSecret` on the secret, and `kms:Decrypt` on its key for Secrets Manager decrypting this
 * secret. Secrets Manager decrypts with the secret's ARN as encryption context (Secrets Manager
 * user guide, "Secret encryption and decryption"), so `kms:EncryptionContext:SecretARN` keeps the
 * grantee from decrypting the other secrets under the same key. `ISecret.grantRead` is not used:
 * it grants the key through the key policy with `kms:ViaService` only, which lets the grantee
 * decrypt every secret of the key.
 *
 * A grantee without an identity policy (an imported role, a service principal) gets nothing:
 * the returned grant is not successful, and `grant.assertSuccess()` says so.
 */
export function grantReadSecret(grantee: iam.IGrantable, secret: secretsmanager.ISecret): iam.Grant {
  // An imported secret known by name only: its ARN ends in six random characters.
  const secretArn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  const read = iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resourceArns: [secretArn],
  });
  if (!secret.encryptionKey) {
    return read;
  }
  const viaService = `secretsmanager.${Stack.of(secret).region}.amazonaws.com`;
  const decrypt = iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [secret.encryptionKey.keyArn],
    conditions: secret.secretFullArn
      ? { StringEquals: { 'kms:ViaService': viaService, 'kms:EncryptionContext:SecretARN': secretArn } }
      : { StringEquals: { 'kms:ViaService': viaService }, StringLike: { 'kms:EncryptionContext:SecretARN': secretArn } },
  });
  return read.combine(decrypt);
}
