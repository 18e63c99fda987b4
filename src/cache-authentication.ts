import { AuthToken } from './auth-token';
import type { ICacheUserGroup } from './cache-user-group';

/**
 * The commands that cluster-aware clients discover the shards with (CLUSTER SLOTS, SHARDS,
 * NODES; iovalkey also checks CLUSTER INFO). They are in no `@read` category (Valkey
 * `src/commands/cluster-slots.json`, `cluster-shards.json`, `cluster-nodes.json`,
 * `cluster-info.json`: `@slow` only), so a read-only user needs them by name.
 */
const TOPOLOGY_COMMANDS = '+cluster|slots +cluster|shards +cluster|nodes +cluster|info';

/**
 * The connection commands clients send on their own: handshake and authentication (HELLO,
 * AUTH), liveness (PING, ECHO), naming (CLIENT SETNAME, GETNAME, ID), the database and replica
 * reads (SELECT, READONLY, READWRITE), and closing (QUIT). Not `@connection` as a whole: it also
 * holds CLIENT KILL, CLIENT LIST and CLIENT PAUSE, which let a user drop, see or stall other
 * clients' connections. Only commands that exist in Redis OSS 6.0: an ACL rule that names an
 * unknown command is refused (CLIENT SETINFO and RESET came later; clients ignore a refused
 * CLIENT SETINFO).
 */
const CLIENT_CONNECTION_COMMANDS = '+hello +auth +ping +echo +client|setname +client|getname +client|id +select +readonly +readwrite +quit';

/**
 * A Valkey/Redis OSS ACL access string: which keys and commands a user may use.
 *
 * The factories cover the common cases; `AccessString.of()` takes any ACL rule string
 * (ElastiCache user guide, "Specifying permissions using an access string").
 */
export class AccessString {
  /**
   * Reads and writes on the keys that match `keyPattern`; no dangerous commands
   * (FLUSHALL, KEYS, CONFIG, DEBUG, CLIENT KILL, ...) except INFO, which clients such as ioredis
   * and Valkey GLIDE send on connect, and the cluster topology commands (CLUSTER SLOTS, SHARDS,
   * NODES, INFO) that cluster-aware clients read the shards from.
   *
   * @param keyPattern a glob over key names; every key when omitted
   */
  public static readWrite(keyPattern: string = '*'): AccessString {
    return new AccessString(`on ~${keyPattern} +@all -@dangerous +info ${TOPOLOGY_COMMANDS}`);
  }

  /**
   * Reads on the keys that match `keyPattern`, plus what clients send on connect: the
   * connection commands they need (PING, HELLO, CLIENT SETNAME, READONLY, ...; not the whole
   * `@connection` category, which holds CLIENT KILL and CLIENT LIST), INFO, and the cluster
   * topology commands (CLUSTER SLOTS, SHARDS, NODES, INFO carry no `@read` category).
   *
   * @param keyPattern a glob over key names; every key when omitted
   */
  public static readOnly(keyPattern: string = '*'): AccessString {
    return new AccessString(`on ~${keyPattern} -@all +@read ${CLIENT_CONNECTION_COMMANDS} +info ${TOPOLOGY_COMMANDS}`);
  }

  /** Every key and every command, dangerous ones included: for administrators only. */
  public static fullAccess(): AccessString {
    return new AccessString('on ~* +@all');
  }

  /** A user that cannot log in. */
  public static disabled(): AccessString {
    return new AccessString('off -@all');
  }

  /** Any access string, as ElastiCache takes it. */
  public static of(value: string): AccessString {
    return new AccessString(value);
  }

  /** The access string. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/**
 * How an RBAC user proves who it is.
 */
export enum CacheUserAuthenticationType {
  /** A password that Secrets Manager generates and keeps. */
  PASSWORD = 'password',
  /** An IAM identity: a short-lived SigV4 token instead of a password. */
  IAM = 'iam',
}

/**
 * Options of a password user.
 */
export interface PasswordUserOptions {
  /**
   * What the user may do.
   *
   * @default AccessString.readWrite()
   */
  readonly accessString?: AccessString;

  /**
   * The user id (unique in the account and region): 1 to 40 letters, digits and hyphens,
   * starting with a letter.
   *
   * @default - derived from the replication group id and the user name
   */
  readonly userId?: string;

  /**
   * The password length, 16 to 128.
   *
   * @default 64
   */
  readonly passwordLength?: number;
}

/**
 * Options of an IAM user.
 */
export interface IamUserOptions {
  /**
   * What the user may do.
   *
   * @default AccessString.readWrite()
   */
  readonly accessString?: AccessString;
}

/**
 * An RBAC user of a replication group (Valkey, Redis OSS 6.0+).
 */
export class CacheUser {
  /**
   * A user with a password generated into Secrets Manager. The secret is JSON
   * `{"username", "password", "user_arn"}`, the format AWS's own rotation function for
   * ElastiCache users reads.
   */
  public static password(userName: string, options: PasswordUserOptions = {}): CacheUser {
    return new CacheUser(userName, CacheUserAuthenticationType.PASSWORD, options.accessString ?? AccessString.readWrite(),
      options.userId, options.passwordLength);
  }

  /**
   * A user that authenticates with IAM (Valkey 7.2+, Redis OSS 7.0+). ElastiCache requires its
   * user id to equal its user name, so the name must be a valid id. Grant it with
   * `cluster.grantConnect(role, userName)`.
   */
  public static iam(userName: string, options: IamUserOptions = {}): CacheUser {
    return new CacheUser(userName, CacheUserAuthenticationType.IAM, options.accessString ?? AccessString.readWrite(), userName, undefined);
  }

  /** The user name clients send with AUTH. */
  public readonly userName: string;
  /** How the user authenticates. */
  public readonly authenticationType: CacheUserAuthenticationType;
  /** What the user may do. */
  public readonly accessString: AccessString;
  /** The user id, when given. */
  public readonly userId?: string;
  /** The password length, for password users. */
  public readonly passwordLength?: number;

  private constructor(userName: string, type: CacheUserAuthenticationType, accessString: AccessString, userId?: string, passwordLength?: number) {
    this.userName = userName;
    this.authenticationType = type;
    this.accessString = accessString;
    this.userId = userId;
    this.passwordLength = passwordLength;
  }
}

/**
 * How clients authenticate to a replication group.
 */
export class CacheAuthentication {
  /**
   * One AUTH token shared by all clients (the default).
   *
   * @param token the token; a generated one when omitted
   */
  public static authToken(token?: AuthToken): CacheAuthentication {
    return new CacheAuthentication(token ?? AuthToken.generated(), undefined);
  }

  /**
   * RBAC users in a user group (Valkey, Redis OSS 6.0+): each client has its own name,
   * password or IAM identity, and access string. A `default` user that cannot log in is added
   * unless you list a user named `default`.
   */
  public static users(users: CacheUser[]): CacheAuthentication {
    return new CacheAuthentication(undefined, users);
  }

  /**
   * IAM authentication (Valkey 7.2+, Redis OSS 7.0+): one IAM-enabled user per name, all with
   * `accessString`, in a user group. No secret exists: clients sign a token with their IAM
   * credentials.
   *
   * @param userNames the user names (each is also the user id)
   * @param accessString what the users may do; `AccessString.readWrite()` when omitted
   */
  public static iam(userNames: string[], accessString?: AccessString): CacheAuthentication {
    return new CacheAuthentication(undefined, userNames.map((n) => CacheUser.iam(n, { accessString })));
  }

  /**
   * A user group that exists already: the `userGroup` of another cache of the app, which keeps
   * owning the users, their secrets and the password rotation, or one imported with
   * `CacheUserGroup.fromUserGroupAttributes()`. The cache creates no users and rotates nothing;
   * its grants know the users that the group lists.
   */
  public static userGroup(group: ICacheUserGroup): CacheAuthentication {
    return new CacheAuthentication(undefined, undefined, group);
  }

  /** The AUTH token, for `authToken()`. */
  public readonly token?: AuthToken;
  /** The users, for `users()` and `iam()`. */
  public readonly cacheUsers?: CacheUser[];
  /** The user group that exists already, for `userGroup()`. */
  public readonly sharedUserGroup?: ICacheUserGroup;

  private constructor(token?: AuthToken, users?: CacheUser[], userGroup?: ICacheUserGroup) {
    this.token = token;
    this.cacheUsers = users;
    this.sharedUserGroup = userGroup;
  }
}
