import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { accessStringProblems } from './access-string';
import { AUTH_TOKEN_EXCLUDED_CHARACTERS } from './auth-token-chars';
import { derivedId, validateCacheId } from './ids';
import { isLiteral, PropsValidator, quote } from './validation';
import { SecretRotation } from '../auth-token-rotation';
import { AccessString, CacheAuthentication, CacheUser, CacheUserAuthenticationType } from '../cache-authentication';
import { CacheEngineVersion } from '../cache-engine-version';
import { CacheUserAttributes, ICacheUserGroup, userGroupArn } from '../cache-user-group';

/**
 * The engine of the users and the user group. A user group with engine `valkey` may only hold
 * users that authenticate (password or IAM), which excludes the switched-off `default` user
 * without a password; Valkey clusters accept user groups of engine `redis` as well, and Redis OSS
 * clusters only those (ElastiCache user guide, "Role-Based Access Control (RBAC)").
 */
const RBAC_ENGINE = 'redis';

/** User ids and user group ids: 1 to 40 characters (CreateUser / CreateUserGroup API reference). */
const MAX_USER_ID_LENGTH = 40;

/** Users per user group (ElastiCache user guide, "Quotas for ElastiCache": 100 users per user group). */
const MAX_USERS_PER_GROUP = 100;

/** A user that a cache's grants know: created by the cache, or in a user group it was given. */
export interface KnownCacheUser {
  readonly userName: string;
  readonly authenticationType: CacheUserAuthenticationType;
  readonly userId: string;
  readonly userArn: string;
  readonly secret?: secretsmanager.ISecret;
}

/** A user after it was created. */
export interface BoundCacheUser extends KnownCacheUser {
  readonly user: CacheUser;
  readonly resource: elasticache.CfnUser;
}

/** The user group of a cache that authenticates with users: one it was given, or one it created. */
export interface CacheUserGroupBinding {
  /** The group, as other caches take it. */
  readonly userGroup: ICacheUserGroup;
  /** The group's resource, when the cache created it. */
  readonly cfnUserGroup?: elasticache.CfnUserGroup;
  /** The users the cache's grants know. */
  readonly knownUsers: KnownCacheUser[];
  /** The users whose passwords the cache generated and rotates: none with a group it was given. */
  readonly ownUsers: BoundCacheUser[];
}

/**
 * The user group of a cache: the one `CacheAuthentication.userGroup()` gave it, whose users it
 * only grants, or one it creates from `CacheAuthentication.users()`/`iam()`, with the users,
 * their secrets and the `default` user, switched off unless listed.
 */
export function bindUserGroup(scope: Construct, authentication: CacheAuthentication, groupId: string, key: kms.IKey): CacheUserGroupBinding {
  const shared = authentication.sharedUserGroup;
  if (shared) {
    return { userGroup: shared, knownUsers: knownUsersOf(scope, shared), ownUsers: [] };
  }
  const created = createUserGroup(scope, groupId, authentication.cacheUsers ?? [], key);
  return { ...created, knownUsers: created.ownUsers };
}

/** The user group a cache created, as other caches take it. */
class OwnedUserGroup implements ICacheUserGroup {
  public readonly userGroupId: string;
  public readonly userGroupArn: string;

  constructor(scope: Construct, public readonly resource: elasticache.CfnUserGroup, public readonly users: CacheUserAttributes[]) {
    this.userGroupId = resource.ref;
    this.userGroupArn = userGroupArn(scope, resource.ref);
  }
}

/**
 * The id that `consumer` names a user group by. In the group's own stack, a reference. From
 * another stack, the literal id with a dependency on the group, rather than an export: the
 * Control Tower rule CT.ELASTICACHE.PR.8 accepts a literal id or a reference to a group of the
 * same template, and cannot follow `Fn::ImportValue`. The dependency makes the consumer's stack
 * deploy after the group's, and `cdk destroy` remove it first.
 */
export function userGroupIdFor(consumer: Construct, group: ICacheUserGroup): string {
  if (group instanceof OwnedUserGroup && Stack.of(group.resource) !== Stack.of(consumer)) {
    consumer.node.addDependency(group.resource);
    return group.resource.userGroupId;
  }
  return group.userGroupId;
}

/** The users of a group that a cache was given, with their ARNs in the cache's account and Region. */
function knownUsersOf(scope: Construct, group: ICacheUserGroup): KnownCacheUser[] {
  return group.users.map((u) => {
    const userId = u.userId ?? u.userName;
    return { userName: u.userName, authenticationType: u.authenticationType, userId, userArn: userArn(scope, userId), secret: u.secret };
  });
}

/** The id of a user derived from its group: `<group>-<name>`, shortened to fit. */
function derivedUserId(groupId: string, userName: string): string {
  const name = userName.toLowerCase().replace(/[^a-z0-9]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '') || 'user';
  return derivedId(groupId, name.slice(0, 20).replace(/-+$/, ''), MAX_USER_ID_LENGTH);
}

/** The users with their ids, and the `default` user added when the list has none. */
export function planUsers(groupId: string, users: CacheUser[]): Array<{ user: CacheUser; userId: string }> {
  const planned = users.map((user) => ({ user, userId: user.userId ?? derivedUserId(groupId, user.userName) }));
  if (!users.some((u) => u.userName === 'default')) {
    // Every user group must contain a user named `default`; this one cannot log in.
    planned.unshift({
      user: CacheUser.password('default', { accessString: AccessString.disabled() }),
      userId: derivedId(groupId, 'default', MAX_USER_ID_LENGTH),
    });
  }
  return planned;
}

/**
 * The RBAC rules of ElastiCache: users need Valkey or Redis OSS 6.0+ (and TLS, which is always
 * on here); IAM users need Valkey 7.2+ or Redis OSS 7.0+ and a name that is a valid user id;
 * names and ids are unique.
 */
export function validateUsers(v: PropsValidator, engine: CacheEngineVersion, groupId: string, users: CacheUser[]): void {
  v.check(users.length === 0, 'CacheAuthentication.users() needs at least one user. Give the users your clients log in as.');
  v.check(users.length > 0 && !engine.supportsRbac,
    `RBAC users need Valkey or Redis OSS 6.0+, not ${engine}. Upgrade the engine, or use CacheAuthentication.authToken().`);
  const iamUsers = users.filter((u) => u.authenticationType === CacheUserAuthenticationType.IAM);
  v.check(iamUsers.length > 0 && !engine.supportsIamAuthentication,
    `IAM authentication needs Valkey 7.2+ or Redis OSS 7.0+, not ${engine}. Upgrade the engine, or use password users.`);
  const names = users.map((u) => u.userName);
  const duplicateNames = names.filter((n, i) => names.indexOf(n) !== i);
  v.check(duplicateNames.length > 0, `user names must be unique, but ${[...new Set(duplicateNames)].map(quote).join(', ')} appear more than once.`);
  const planned = planUsers(groupId, users);
  v.check(planned.length > MAX_USERS_PER_GROUP,
    `authentication has ${planned.length} users${planned.length > users.length ? ' (with the switched-off "default" user the library adds)' : ''}, `
    + `but a user group holds at most ${MAX_USERS_PER_GROUP}. Share users between applications, or list a user named "default" yourself.`);
  const ids = planned.map((p) => p.userId);
  const duplicateIds = ids.filter((id, i) => ids.indexOf(id) !== i);
  v.check(duplicateIds.length > 0, `user ids must be unique, but ${[...new Set(duplicateIds)].join(', ')} appear more than once. Give distinct userId values.`);
  for (const { user, userId } of planned) {
    // validateCacheId appends the id itself; an IAM user's id is its name.
    const what = user.authenticationType === CacheUserAuthenticationType.IAM ? 'IAM user name (also its id)' : `userId of user ${quote(user.userName)}`;
    validateCacheId(v, what, userId, MAX_USER_ID_LENGTH);
    // The CloudFormation schema allows lowercase user ids only; `default` is the account's own user.
    v.check(isLiteral(userId) && /[A-Z]/.test(userId), `${what} ${quote(userId)} must be lowercase (ElastiCache user ids are). Use ${quote(userId.toLowerCase())}.`);
    v.check(userId === 'default', `${what} "default" is taken: every account and Region has a built-in user with that id. Choose another id.`);
    v.check(user.userName.length === 0 || /\s/.test(user.userName), `user name ${quote(user.userName)} must be non-empty and contain no spaces.`);
    // The user's construct id and those of its secret and rotation come from its name.
    v.check(!isLiteral(user.userName), `user name ${quote(user.userName)} comes from a token, but user names must be known at synth: `
      + 'they name the users\' resources, which keeps them stable when the list changes. Give the name as a string.');
    v.check(user.passwordLength !== undefined && (user.passwordLength < 16 || user.passwordLength > 128 || !Number.isInteger(user.passwordLength)),
      `passwordLength of user ${quote(user.userName)} must be an integer from 16 to 128, got ${quote(user.passwordLength)}.`);
    for (const problem of accessStringProblems(user.accessString.value)) {
      v.check(true, `accessString of user ${quote(user.userName)}: ${problem}.`);
    }
  }
}

/**
 * The rules of a user group a cache is given: RBAC needs Valkey or Redis OSS 6.0+, the IAM users
 * it lists need Valkey 7.2+ or Redis OSS 7.0+, and the cache rotates none of its passwords (the
 * cache that created the group does, or whoever manages an imported one).
 */
export function validateSharedUserGroup(v: PropsValidator, engine: CacheEngineVersion, group: ICacheUserGroup, rotation?: SecretRotation): void {
  v.check(!engine.supportsRbac,
    `a user group needs Valkey or Redis OSS 6.0+, not ${engine}. Upgrade the engine, or use CacheAuthentication.authToken().`);
  const iamUsers = group.users.filter((u) => u.authenticationType === CacheUserAuthenticationType.IAM);
  v.check(iamUsers.length > 0 && !engine.supportsIamAuthentication,
    `the user group lists IAM users (${iamUsers.map((u) => quote(u.userName)).join(', ')}), which need Valkey 7.2+ or Redis OSS 7.0+, not ${engine}. Upgrade the engine.`);
  v.check(rotation !== undefined && rotation.isEnabled,
    'secretRotation is enabled, but the cache was given a user group whose passwords it does not own: the cache that created the group rotates them '
    + '(an imported group\'s passwords are rotated where they are managed). Leave secretRotation unset.');
}

/** The fix when a cache given a user group knows none of its IAM users. */
export const SHARED_GROUP_IAM_FIX = 'It was given a user group without IAM users: list them in the users of CacheUserGroup.fromUserGroupAttributes(), '
  + 'or grant through the cache that created the group.';

/** What a user group is called in messages and acknowledgements: its id when known at synth. */
export function describeUserGroup(group: ICacheUserGroup): string {
  return isLiteral(group.userGroupId) ? `the user group ${group.userGroupId}` : 'a user group created by another cache of the app';
}

/** The ARN of an ElastiCache user, built without a reference to the user (the secret names it). */
export function userArn(scope: Construct, userId: string, env: { readonly account?: string; readonly region?: string } = {}): string {
  return Stack.of(scope).formatArn({ service: 'elasticache', resource: 'user', resourceName: userId, arnFormat: ArnFormat.COLON_RESOURCE_NAME, ...env });
}

/** The construct id of the user named `userName`. */
export function userConstructId(userName: string): string {
  return `User:${userName}`;
}

/** The construct id of the secret of the password user named `userName`. */
export function userSecretConstructId(userName: string): string {
  return `UserSecret:${userName}`;
}

/** Creates the users, their secrets and the user group. */
function createUserGroup(scope: Construct, groupId: string, users: CacheUser[], key: kms.IKey): Omit<CacheUserGroupBinding, 'knownUsers'> {
  const bound: BoundCacheUser[] = planUsers(groupId, users).map(({ user, userId }) => {
    // The construct ids come from the user name, never from the list position: removing or
    // reordering users must leave the other users and their secrets as they are (UserId and
    // UserName are create-only, and a secret that moved to another user would hold its password).
    // Users and secrets have different prefixes, so that no user name can make the two collide.
    const id = userConstructId(user.userName);
    const arn = userArn(scope, userId);
    const isDefaultOff = user.userName === 'default' && user.accessString.value === AccessString.disabled().value;
    if (user.authenticationType === CacheUserAuthenticationType.IAM) {
      const resource = new elasticache.CfnUser(scope, id, {
        engine: RBAC_ENGINE,
        userId,
        userName: user.userName,
        accessString: user.accessString.value,
        authenticationMode: { Type: 'iam' },
      });
      return { user, userName: user.userName, authenticationType: user.authenticationType, userId, userArn: arn, resource };
    }
    if (isDefaultOff) {
      const resource = new elasticache.CfnUser(scope, id, {
        engine: RBAC_ENGINE,
        userId,
        userName: 'default',
        accessString: user.accessString.value,
        noPasswordRequired: true,
      });
      return { user, userName: user.userName, authenticationType: user.authenticationType, userId, userArn: arn, resource };
    }
    const secret = new secretsmanager.Secret(scope, userSecretConstructId(user.userName), {
      description: `Password of the ElastiCache user ${user.userName} (${userId}) of ${scope.node.path}`,
      encryptionKey: key,
      generateSecretString: {
        // The format of AWS's SecretsManagerElasticacheUserRotation function.
        secretStringTemplate: JSON.stringify({ username: user.userName, user_arn: arn }),
        generateStringKey: 'password',
        passwordLength: user.passwordLength ?? 64,
        excludeCharacters: AUTH_TOKEN_EXCLUDED_CHARACTERS,
        includeSpace: false,
      },
    });
    const resource = new elasticache.CfnUser(scope, id, {
      engine: RBAC_ENGINE,
      userId,
      userName: user.userName,
      accessString: user.accessString.value,
      authenticationMode: { Type: 'password', Passwords: [secret.secretValueFromJson('password').unsafeUnwrap()] },
    });
    return { user, userName: user.userName, authenticationType: user.authenticationType, userId, userArn: arn, resource, secret };
  });

  const userGroup = new elasticache.CfnUserGroup(scope, 'UserGroup', {
    engine: RBAC_ENGINE,
    userGroupId: derivedId(groupId, 'users', MAX_USER_ID_LENGTH),
    userIds: bound.map((b) => b.resource.ref),
  });
  const handle = new OwnedUserGroup(scope, userGroup,
    bound.map((b) => ({ userName: b.userName, authenticationType: b.authenticationType, userId: b.userId, secret: b.secret })));
  return { userGroup: handle, cfnUserGroup: userGroup, ownUsers: bound };
}

/** The bound user named `userName`; the error lists the users, or says `whenNone` when there are none. */
export function findBoundUser(scope: IConstruct, users: KnownCacheUser[], userName: string, whenNone = 'none'): KnownCacheUser {
  const user = users.find((u) => u.userName === userName);
  if (!user) {
    const names = users.map((u) => u.userName).join(', ') || whenNone;
    throw new Error(`[${scope.node.path}] has no user ${quote(userName)}. Its users: ${names}.`);
  }
  return user;
}

/** The secret of the password user `userName`. */
export function boundUserSecret(scope: IConstruct, users: KnownCacheUser[], userName: string, whenNone?: string): secretsmanager.ISecret {
  const user = findBoundUser(scope, users, userName, whenNone);
  if (!user.secret) {
    throw new Error(user.authenticationType === CacheUserAuthenticationType.IAM
      ? `[${scope.node.path}] user ${quote(userName)} authenticates with iam and has no secret. Grant it with grantConnect(grantee, userName).`
      : `[${scope.node.path}] user ${quote(userName)} has no secret known here: the switched-off "default" user has none, and a user of an `
        + 'imported user group has one only when given: give secret in the users of CacheUserGroup.fromUserGroupAttributes(), or grant the secret where it was created.');
  }
  return user.secret;
}

/** The IAM users that `grantConnect(grantee, userName?)` covers: the one named, or every IAM user. */
export function iamUsersToConnect(scope: IConstruct, users: KnownCacheUser[], userName?: string, whenNone?: string,
  noIamUsersFix = 'Use authentication: CacheAuthentication.iam([...]) to connect with IAM.'): KnownCacheUser[] {
  const iamUsers = userName !== undefined
    ? [findBoundUser(scope, users, userName, whenNone)]
    : users.filter((u) => u.authenticationType === CacheUserAuthenticationType.IAM);
  for (const user of iamUsers) {
    if (user.authenticationType !== CacheUserAuthenticationType.IAM) {
      throw new Error(`[${scope.node.path}] user ${quote(user.userName)} authenticates with a password, not IAM. `
        + 'Create it with CacheUser.iam() to grant elasticache:Connect, or grant its secret with grantReadUserSecret().');
    }
  }
  if (iamUsers.length === 0) {
    throw new Error(`[${scope.node.path}] has no IAM users. ${noIamUsersFix}`);
  }
  return iamUsers;
}
