import { Duration } from 'aws-cdk-lib';
import { isLiteral, PropsValidator, quote } from './validation';

/**
 * The longest TTL the store hands to applications: `SET ... EX` refuses more than
 * 9,223,372,036,854,775 seconds (LLONG_MAX / 1000, less the current time: `getExpireMillisecondsOrReply`
 * in Valkey and Redis OSS `t_string.c`), and applications parse `SESSION_STORE_TTL_SECONDS` as a
 * number, which is exact only up to 2^53 - 1.
 */
const MAX_SESSION_TTL_SECONDS = Number.MAX_SAFE_INTEGER;

/**
 * The session TTL (whole seconds that `SET ... EX` accepts) and the key prefix, which becomes the
 * ACL key pattern `~<prefix>*`: glob characters, a backslash (which would escape the trailing `*`)
 * or spaces (which would split the rule) change what the pattern matches.
 */
export function validateSessionSettings(v: PropsValidator, ttl: Duration, keyPrefix: string): void {
  if (!ttl.isUnresolved()) {
    const seconds = ttl.toSeconds({ integral: false });
    v.check(!Number.isInteger(seconds) || seconds < 1,
      `sessionTtl must be a whole number of seconds, at least 1, got ${quote(ttl.toHumanString())}.`);
    v.check(Number.isInteger(seconds) && seconds > MAX_SESSION_TTL_SECONDS,
      `sessionTtl is ${quote(seconds)} seconds, more than SET EX accepts and applications can read exactly (${MAX_SESSION_TTL_SECONDS}). Give a shorter Duration, e.g. Duration.days(30).`);
  }
  v.check(isLiteral(keyPrefix) && (keyPrefix.length === 0 || /[\s*?[\]\\]/.test(keyPrefix)),
    `keyPrefix ${quote(keyPrefix)} must be non-empty and contain no spaces, glob characters (* ? [ ]) or backslashes, since it becomes the ACL key pattern ~<keyPrefix>*. Use e.g. "sess:".`);
}
