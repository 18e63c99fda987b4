import { Annotations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { addAuthTokenRotation, addUserPasswordRotation, RotatedUser, RotationTarget } from './auth-token-rotation';
import { PropsValidator } from './validation';
import { SecretRotation } from '../auth-token-rotation';

/** The rules that report a secret without rotation (cdk-nag AwsSolutions, HIPAA Security, NIST 800-53 R5). */
export const ROTATION_RULES = [
  'AwsSolutions-SMG4',
  'HIPAA.Security-SecretsManagerRotationEnabled',
  'NIST.800.53.R5-SecretsManagerRotationEnabled',
];

/** The secrets of one construct that may rotate. */
export interface ConstructSecrets {
  /** The AUTH token secret, and whether the construct generated it. */
  readonly authToken?: { readonly secret: secretsmanager.ISecret; readonly generated: boolean };
  /** The RBAC password users, whose secrets the construct always generates. */
  readonly users: RotatedUser[];
}

/**
 * Attaches the library's rotation function to the secrets of a construct, as `secretRotation`
 * says: by default every secret the construct generated rotates every 30 days, and a token secret
 * of the user's rotates only when `secretRotation` is given. Turning rotation off while the
 * construct generated secrets brings back the rotation findings: the construct warns so.
 */
export function rotateSecrets(scope: Construct, target: RotationTarget, secrets: ConstructSecrets, rotation?: SecretRotation): void {
  const generated: secretsmanager.ISecret[] = [
    ...(secrets.authToken?.generated ? [secrets.authToken.secret] : []),
    ...secrets.users.map((u) => u.secret),
  ];
  if (rotation && !rotation.isEnabled) {
    if (generated.length > 0) {
      Annotations.of(scope).addWarningV2('cdk-secure-elasticache:secretRotationDisabled',
        `secretRotation is disabled: ${generated.map((s) => s.node.path).join(', ')} never change, and ${ROTATION_RULES.join(', ')} `
        + 'report each of them. If your policy allows secrets that do not rotate, acknowledge these rules on the secret with your reason: '
        + 'Validations.of(secret).acknowledge({ id, reason }) (docs/policy-checks.md). Otherwise leave secretRotation unset.');
    }
    return;
  }
  const v = new PropsValidator(scope);
  v.check(rotation !== undefined && !secrets.authToken && secrets.users.length === 0,
    'secretRotation is enabled, but there is no secret to rotate: the users authenticate with IAM, whose auth tokens expire on their own. '
    + 'Leave secretRotation unset.');
  // The function reads and writes the secret through Secrets Manager, which uses the secret's key
  // on its behalf: a customer managed key must allow the function, which the construct grants only
  // for a key it knows. A secret created in the app without a key is under the AWS managed key
  // aws/secretsmanager, whose key policy lets the account use it through Secrets Manager.
  const token = secrets.authToken?.secret;
  v.check(rotation !== undefined && token !== undefined && token.encryptionKey === undefined && !(token instanceof secretsmanager.Secret),
    `secretRotation is enabled, but the AUTH token secret ${token?.node.path} was given without its KMS key, and the rotation `
    + 'function could not decrypt it (AccessDenied at run time). Give the key with the secret: '
    + 'secretsmanager.Secret.fromSecretAttributes(this, id, { secretCompleteArn, encryptionKey }); '
    + "for a secret under the AWS managed key, encryptionKey: kms.Alias.fromAliasName(this, 'SecretsKey', 'alias/aws/secretsmanager').");
  v.throwIfInvalid();
  const options = rotation?.options ?? {};
  if (secrets.authToken && (secrets.authToken.generated || rotation)) {
    addAuthTokenRotation(scope, target, options);
  }
  for (const user of secrets.users) {
    addUserPasswordRotation(scope, target, user, options);
  }
}
