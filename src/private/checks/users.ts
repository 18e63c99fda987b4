import { CheckRule, Verdict, isTrue, isObject, listOf } from './template';

const USER = 'AWS::ElastiCache::User';
const USER_GROUP = 'AWS::ElastiCache::UserGroup';
const RBAC = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html';

function verdict(compliant: boolean): Verdict {
  return compliant ? Verdict.COMPLIANT : Verdict.NON_COMPLIANT;
}

function tokens(accessString: unknown): string[] {
  return typeof accessString === 'string' ? accessString.trim().split(/\s+/) : [];
}

/**
 * A user is switched on when its access string says `on` and never `off` (ACL rules, Valkey and
 * Redis OSS: a user is off unless `on` is given). An access string that is not a literal counts as on.
 */
function isSwitchedOn(accessString: unknown): boolean {
  if (typeof accessString !== 'string') return true;
  const t = tokens(accessString);
  return t.includes('on') && !t.includes('off');
}

function isPasswordless(properties: Record<string, unknown>): boolean {
  const mode = properties.AuthenticationMode;
  return isTrue(properties.NoPasswordRequired) || (isObject(mode) && mode.Type === 'no-password-required');
}

/** All keys and all commands, with nothing taken away. */
function isUnrestricted(accessString: unknown): boolean {
  const t = tokens(accessString);
  return t.some((x) => x === '~*' || x === 'allkeys')
    && t.some((x) => x === '+@all' || x === 'allcommands')
    && !t.some((x) => x.startsWith('-'));
}

/** The rules for `AWS::ElastiCache::User` and `AWS::ElastiCache::UserGroup`. */
export const USER_RULES: CheckRule[] = [
  {
    id: 'US1',
    resourceTypes: [USER],
    problem: 'A user that is switched on needs no password (nopass / no-password-required).',
    fix: 'Give the user a password from Secrets Manager or IAM authentication, or switch it off ("off -@all").',
    documentation: RBAC,
    check: (r) => !isSwitchedOn(r.properties.AccessString) ? Verdict.COMPLIANT : verdict(!isPasswordless(r.properties)),
  },
  {
    id: 'US2',
    resourceTypes: [USER_GROUP],
    problem: 'The user group contains the built-in "default" user, which runs every command on every key without a password.',
    fix: 'Create a user named "default" with another user id, switched off or with a password, and put its id in UserIds.',
    documentation: RBAC,
    check: (r) => verdict(!listOf(r.properties.UserIds).includes('default')),
  },
  {
    id: 'US3',
    resourceTypes: [USER],
    problem: 'An application user may run every command on every key ("~* +@all" with nothing taken away).',
    fix: 'Grant the key patterns and command categories the application needs, e.g. "on ~app:* -@all +@read +@write".',
    documentation: RBAC,
    check: (r) => {
      if (r.properties.UserName === 'default' || !isSwitchedOn(r.properties.AccessString)) return Verdict.NOT_APPLICABLE;
      return verdict(!isUnrestricted(r.properties.AccessString));
    },
  },
];
