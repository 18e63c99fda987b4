/**
 * Reading a function's environment variables: each reader fails with the variable's name, what
 * is wrong with it, and which stack sets it, so that a misconfigured function says so at its
 * first invocation.
 */

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/** The readers of one function's variables. */
export interface EnvironmentReader {
  /** A variable that must be set and not blank, trimmed. */
  required(name: string): string;
  /** A whole number from 1 to `max` (the largest safe integer when omitted) in `text`, the value of `name`. */
  positiveInteger(name: string, text: string, max?: number): number;
  /** A required variable that holds the ARN of a Secrets Manager secret. */
  secretArn(name: string): string;
}

/**
 * The readers of `env`, whose variables the stack `stackName` sets (for messages: "the db-cache
 * stack sets it on the function").
 */
export function environmentReader(env: Readonly<Record<string, string | undefined>>, stackName: string): EnvironmentReader {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (value === undefined || value === '') throw new Error(`${name} is not set: the ${stackName} stack sets it on the function.`);
    return value;
  };
  return {
    required,
    positiveInteger: (name, text, max = Number.MAX_SAFE_INTEGER) => {
      const value = Number(text);
      if (!/^\d+$/.test(text) || value < 1 || value > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got '${text}'.`);
      return value;
    },
    secretArn: (name) => {
      const value = required(name);
      if (!SECRET_ARN.test(value)) throw new Error(`${name} must be the ARN of a Secrets Manager secret, got '${value}'.`);
      return value;
    },
  };
}
