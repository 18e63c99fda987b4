/**
 * Characters that ElastiCache accepts in an AUTH token besides letters and digits:
 * `! & # $ ^ < > -` (ElastiCache user guide, "Authenticating with the Valkey and Redis OSS AUTH
 * command"; stricter than the API reference, which only forbids `/ " @ %` and spaces).
 */
export const AUTH_TOKEN_SPECIAL_CHARACTERS = '!&#$^<>-';

/**
 * The punctuation Secrets Manager may generate that ElastiCache does not accept in a token.
 */
export const AUTH_TOKEN_EXCLUDED_CHARACTERS = '"%\'()*+,./:;=?@[\\]_`{|}~';
