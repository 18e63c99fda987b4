import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CacheUserAuthenticationType } from './cache-authentication';
import { validateCacheId } from './private/ids';
import { validateIamUserNames } from './private/imports';
import { isLiteral, PropsValidator, quote } from './private/validation';

/** UserGroupId: 1 to 40 characters (CreateUserGroup API reference). */
const MAX_USER_GROUP_ID_LENGTH = 40;

/**
 * A user of a user group, as far as grants need it: its name, its id, how it authenticates, and
 * the secret of a password user.
 */
export interface CacheUserAttributes {
  /** The user name clients send with AUTH. */
  readonly userName: string;

  /** How the user authenticates. */
  readonly authenticationType: CacheUserAuthenticationType;

  /**
   * The user id. An IAM user's id is its name (ElastiCache user guide, "Authenticating with IAM").
   *
   * @default - the user name
   */
  readonly userId?: string;

  /**
   * The secret of a password user, JSON `{"username", "password", "user_arn"}`. Give it with its
   * KMS key (`secretsmanager.Secret.fromSecretAttributes(this, id, { secretCompleteArn,
   * encryptionKey })`), so that `grantReadUserSecret` can grant decrypting it.
   *
   * @default - none: `userSecret()` and `grantReadUserSecret()` fail for this user
   */
  readonly secret?: secretsmanager.ISecret;
}

/**
 * An RBAC user group that caches can share: the group a `SecureRedisCluster` or a
 * `SecureServerlessCache` created (`cache.userGroup`), or an existing one imported with
 * `CacheUserGroup.fromUserGroupAttributes()`. Give it to another cache with
 * `CacheAuthentication.userGroup(group)`.
 */
export interface ICacheUserGroup {
  /** The user group id. */
  readonly userGroupId: string;

  /** The ARN of the user group. */
  readonly userGroupArn: string;

  /**
   * The users that this object knows: every user of a group a cache created (the switched-off
   * `default` user included), and those given to an import.
   */
  readonly users: CacheUserAttributes[];
}

/**
 * Attributes of an existing user group.
 */
export interface CacheUserGroupAttributes {
  /** The user group id. */
  readonly userGroupId: string;

  /**
   * The users of the group that grants should know: IAM users for `grantConnect`, password users
   * with their secrets for `grantReadUserSecret`.
   *
   * @default - none: grants that name a user fail at synth
   */
  readonly users?: CacheUserAttributes[];
}

/**
 * User groups that caches share. A group belongs to the cache that creates it from
 * `CacheAuthentication.users()`: that cache generates the passwords into Secrets Manager and
 * rotates them, checking each new password against its own endpoint. Other caches use the same
 * group with `CacheAuthentication.userGroup(owner.userGroup!)`; ElastiCache applies a password
 * change to every cache of the group (API reference, `UserGroup`: `ReplicationGroups` and
 * `ServerlessCaches` list the caches of one group).
 */
export class CacheUserGroup {
  /**
   * Imports an existing user group with the users that grants should know.
   */
  public static fromUserGroupAttributes(scope: Construct, id: string, attrs: CacheUserGroupAttributes): ICacheUserGroup {
    return new ImportedCacheUserGroup(scope, id, attrs);
  }

  /**
   * Imports an existing user group by its id. The import knows no users: to grant
   * `elasticache:Connect` or a user's secret through a cache, use `fromUserGroupAttributes()`
   * and list the users.
   */
  public static fromUserGroupId(scope: Construct, id: string, userGroupId: string): ICacheUserGroup {
    return new ImportedCacheUserGroup(scope, id, { userGroupId });
  }

  private constructor() {}
}

/** The ARN of a user group. */
export function userGroupArn(scope: Construct, userGroupId: string): string {
  return Stack.of(scope).formatArn({ service: 'elasticache', resource: 'usergroup', resourceName: userGroupId, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

class ImportedCacheUserGroup extends Construct implements ICacheUserGroup {
  public readonly userGroupId: string;
  public readonly userGroupArn: string;
  public readonly users: CacheUserAttributes[];

  constructor(scope: Construct, id: string, attrs: CacheUserGroupAttributes) {
    super(scope, id);
    const v = new PropsValidator(this);
    validateCacheId(v, 'userGroupId', attrs.userGroupId, MAX_USER_GROUP_ID_LENGTH);
    const users = attrs.users ?? [];
    const names = users.map((u) => u.userName);
    const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
    v.check(duplicates.length > 0, `users lists ${[...new Set(duplicates)].map(quote).join(', ')} more than once. List each user once.`);
    for (const user of users) {
      v.check(isLiteral(user.userName) && (user.userName.length === 0 || /\s/.test(user.userName)),
        `user name ${quote(user.userName)} must be non-empty and contain no spaces.`);
      if (user.authenticationType === CacheUserAuthenticationType.IAM) {
        validateIamUserNames(v, 'IAM user name', [user.userName]);
        v.check(user.userId !== undefined && user.userId !== user.userName,
          `IAM user ${quote(user.userName)} has userId ${quote(user.userId)}, but an IAM user's id is its name. Leave userId out.`);
        v.check(user.secret !== undefined,
          `IAM user ${quote(user.userName)} is given a secret, but IAM users sign short-lived tokens and have none. Leave secret out, or import the user as a password user.`);
      } else {
        validateCacheId(v, `userId of user ${quote(user.userName)}`, user.userId, MAX_USER_GROUP_ID_LENGTH);
      }
    }
    v.throwIfInvalid();
    this.userGroupId = attrs.userGroupId;
    this.userGroupArn = userGroupArn(this, attrs.userGroupId);
    this.users = users.map((u) => ({ ...u, userId: u.userId ?? u.userName }));
  }
}
