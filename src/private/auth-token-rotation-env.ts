/**
 * The environment variables through which the construct configures the AUTH token rotation
 * function. Shared by the construct and the handler, which must not import each other: the
 * handler's dependencies are bundled into its asset, not installed with the library.
 */
export const ROTATION_ENV = {
  /** What the function rotates: `authToken` (unset) or `userPassword`. */
  mode: 'ROTATION_MODE',
  /** The ARN of the one secret the function rotates; events for any other secret are refused. */
  secretArn: 'SECRET_ARN',
  /** The RBAC user whose password is rotated, in `userPassword` mode. */
  userId: 'USER_ID',
  /** That user's name, in `userPassword` mode: the name the function authenticates as. */
  userName: 'USER_NAME',
  /** The replication group whose token is rotated. */
  replicationGroupId: 'REPLICATION_GROUP_ID',
  /** The JSON field that holds the token; empty when the secret string is the token itself. */
  jsonField: 'SECRET_JSON_FIELD',
  /** The configuration endpoint (cluster mode) or primary endpoint address. */
  cacheHost: 'CACHE_HOST',
  /** The port of that endpoint. */
  cachePort: 'CACHE_PORT',
  /** `https://` URL of the Secrets Manager interface endpoint the construct created, if any. */
  secretsManagerEndpoint: 'SECRETS_MANAGER_ENDPOINT',
  /** `https://` URL of the ElastiCache interface endpoint the construct created, if any. */
  elastiCacheEndpoint: 'ELASTICACHE_ENDPOINT',
} as const;

/** The values of `ROTATION_ENV.mode`. */
export const ROTATION_MODES = {
  /** The AUTH token of the replication group (`ModifyReplicationGroup`). */
  authToken: 'authToken',
  /** The password of one RBAC user (`ModifyUser`); the secret is `{username, password, user_arn}`. */
  userPassword: 'userPassword',
} as const;
