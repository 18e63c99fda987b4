import { Token } from 'aws-cdk-lib';
import { quote } from './validation';

/**
 * The ACL command categories of Valkey and Redis OSS (`ACL CAT`; Valkey and Redis OSS ACL
 * documentation). A rule naming another category is refused by the engine.
 */
export const ACL_CATEGORIES = [
  'all', 'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** Rules without an argument (ACL SETUSER). */
const WORDS = ['on', 'off', 'allkeys', 'resetkeys', 'allchannels', 'resetchannels', 'allcommands', 'nocommands'];

/** Password rules, which ElastiCache refuses in an access string: passwords go through CreateUser/ModifyUser. */
const PASSWORD_RULE = /^(>|<|#|!|nopass$|resetpass$)/;

/** A command name, optionally with a subcommand (`client|setname`). */
const COMMAND = /^[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?$/i;

/**
 * Why a glob key or channel pattern means something other than it seems: a trailing `\` escapes
 * nothing (so `sess\*` matches the literal key `sess*` only), and an unclosed `[` matches nothing
 * the author meant.
 */
function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'it is empty';
  let escaped = false;
  let open = false;
  for (const c of pattern) {
    if (escaped) { escaped = false; continue; }
    if (c === '\\') { escaped = true; continue; }
    if (c === '[') open = true;
    if (c === ']') open = false;
  }
  if (escaped) return 'it ends with an escaping backslash';
  if (open) return 'it has an unclosed "["';
  return undefined;
}

/**
 * The problems of an access string, as ElastiCache and the engine's ACL grammar see it
 * (ElastiCache user guide, "Specifying permissions using an access string"; `ACL SETUSER`).
 * Empty when the string is a token or valid.
 */
export function accessStringProblems(value: string): string[] {
  if (Token.isUnresolved(value)) return [];
  const problems: string[] = [];
  if (value.trim().length === 0) {
    return [`the access string ${quote(value)} is empty. Give rules such as "on ~app:* +@all -@dangerous", or AccessString.disabled() for a user that cannot log in`];
  }
  // Selectors `( ... )` (Redis OSS 7+) are passed on as they are.
  const rules = value.replace(/\([^)]*\)/g, ' ').trim().split(/\s+/);
  for (const rule of rules) {
    const lower = rule.toLowerCase();
    if (WORDS.includes(lower)) continue;
    if (PASSWORD_RULE.test(rule)) {
      problems.push(`the access string rule ${quote(rule)} sets a password, which ElastiCache refuses in an access string: `
        + 'the library generates passwords into Secrets Manager');
      continue;
    }
    if (lower === 'reset') {
      problems.push('the access string rule "reset" is not accepted by ElastiCache: start from "on" or "off" and list the rules');
      continue;
    }
    const key = /^(~|%R~|%W~|%RW~|&)(.*)$/i.exec(rule);
    if (key) {
      const problem = globProblem(key[2]);
      if (problem) {
        problems.push(`the pattern of the access string rule ${quote(rule)} means something else than it seems: ${problem}. `
          + 'Escape glob characters (\\*, \\?, \\[) only where a literal character is meant, and keep the trailing *');
      }
      continue;
    }
    const cat = /^[+-]@(.*)$/.exec(rule);
    if (cat) {
      if (!ACL_CATEGORIES.includes(cat[1].toLowerCase())) {
        problems.push(`the access string rule ${quote(rule)} names the category ${quote(cat[1])}, which does not exist. Categories: ${ACL_CATEGORIES.join(', ')}`);
      }
      continue;
    }
    const cmd = /^[+-](.*)$/.exec(rule);
    if (cmd) {
      if (!COMMAND.test(cmd[1])) {
        problems.push(`the access string rule ${quote(rule)} does not name a command (e.g. "+get", "-flushall", "+client|setname")`);
      }
      continue;
    }
    problems.push(`the access string rule ${quote(rule)} is not an ACL rule. Rules are on, off, ~<key pattern>, &<channel pattern>, +<command>, -<command>, +@<category>, -@<category>, allkeys, allcommands`);
  }
  return problems;
}
