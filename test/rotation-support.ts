import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createRotationHandler, RotationSettings, TokenCheck } from '../src/private/auth-token-rotation.lambda';

/** The rotation function's timeout (the construct's 15 minutes). */
export const FUNCTION_TIMEOUT_MS = 15 * 60_000;

/** The handler on a fake clock, with its log lines kept, run step by step or one whole rotation. */
export interface HandlerDriver {
  readonly logs: Array<{ level: string; message: string }>;
  readonly clock: { now: number };
  step(step: string, version: string): Promise<void>;
  /** The four steps in order, for a version whose rotation the secret has started. */
  steps(version: string): Promise<void>;
}

/**
 * Drives the real handler with the SDK clients (mocked by the caller with aws-sdk-client-mock), a
 * check of the new token or password, and a clock that only moves when the handler sleeps.
 */
export function driveHandler(settings: RotationSettings, secretArn: string, checkToken: TokenCheck): HandlerDriver {
  const clock = { now: 0 };
  const logs: Array<{ level: string; message: string }> = [];
  const run = createRotationHandler({
    settings,
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    checkToken,
    clock: { now: () => clock.now, sleep: async (ms) => { clock.now += ms; } },
    log: (level, message) => logs.push({ level, message }),
  });
  const step = async (name: string, version: string): Promise<void> => {
    const started = clock.now;
    await run({ Step: name, SecretId: secretArn, ClientRequestToken: version }, {
      getRemainingTimeInMillis: () => FUNCTION_TIMEOUT_MS - (clock.now - started),
    });
  };
  return {
    logs,
    clock,
    step,
    steps: async (version) => {
      for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        await step(name, version);
      }
    },
  };
}
