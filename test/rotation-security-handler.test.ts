import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FUNCTION_TIMEOUT_MS } from './rotation-support';
import {
  API_TIMEOUTS,
  apiClientConfig,
  createRotationHandler,
  handler,
  isConfiguredSecret,
  RotationSettings,
} from '../src/private/auth-token-rotation.lambda';

/**
 * What the rotation function refuses to do, whatever it is asked: act on another secret than the
 * one it was deployed for, put secret material into an error or a log line.
 */

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-AbCdEf';
const OTHER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:attacker-chosen-XyZ123';
const TOKEN_SETTINGS: RotationSettings = { secretArn: SECRET_ARN, replicationGroupId: 'orders', cacheHost: 'h', cachePort: 6380, jsonField: 'token' };
const USER_SETTINGS: RotationSettings = {
  secretArn: SECRET_ARN, replicationGroupId: 'orders', mode: 'userPassword', userId: 'orders-app-id', userName: 'orders-app', cacheHost: 'h', cachePort: 6380,
};

const sm = mockClient(SecretsManagerClient);
const ec = mockClient(ElastiCacheClient);

beforeEach(() => {
  sm.reset();
  ec.reset();
});

/** The handler with every log line kept whole (message and details). */
function handlerFor(settings: RotationSettings, checkToken = async () => true) {
  const lines: string[] = [];
  const run = createRotationHandler({
    settings,
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    checkToken,
    log: (level, message, details) => lines.push(JSON.stringify({ level, message, ...details })),
  });
  const step = (name: string, secretId = SECRET_ARN) => run(
    { Step: name, SecretId: secretId, ClientRequestToken: 'v1' },
    { getRemainingTimeInMillis: () => FUNCTION_TIMEOUT_MS },
  );
  return { step, lines };
}

describe('the function rotates only the secret it was deployed for', () => {
  test.each([
    [SECRET_ARN, SECRET_ARN, true],
    [SECRET_ARN, OTHER_ARN, false],
    [SECRET_ARN, 'cache-token', false],
    [SECRET_ARN, `${SECRET_ARN}x`, false],
    [SECRET_ARN, undefined, false],
    // A secret imported by name: any six-character suffix of Secrets Manager's alphabet.
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-??????', SECRET_ARN, true],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-??????', OTHER_ARN, false],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-??????', `${SECRET_ARN}-AbCdEf`, false],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-??????', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-Ab/dEf', false],
  ])('configured %s, event %s: %s', (configured, secretId, expected) => {
    expect(isConfiguredSecret(configured, secretId)).toBe(expected);
  });

  test.each([
    ['authToken', TOKEN_SETTINGS],
    ['userPassword', USER_SETTINGS],
  ])('%s mode: every step of an event naming another secret is refused before any call', async (_mode, settings) => {
    const { step } = handlerFor(settings);
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await expect(step(name, OTHER_ARN)).rejects.toThrow(
        `Refused: this function rotates only the secret ${SECRET_ARN}, not "${OTHER_ARN}". Nothing was read or changed.`);
    }
    expect(sm.calls()).toHaveLength(0);
    expect(ec.calls()).toHaveLength(0);
  });

  test('the deployed handler reads the secret from its environment and refuses another one before any call', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { SECRET_ARN, REPLICATION_GROUP_ID: 'orders', CACHE_HOST: 'h', CACHE_PORT: '6380', AWS_REGION: 'us-east-1' });
    try {
      await expect(handler({ Step: 'setSecret', SecretId: OTHER_ARN, ClientRequestToken: 'v1' }, { getRemainingTimeInMillis: () => FUNCTION_TIMEOUT_MS }))
        .rejects.toThrow(`Refused: this function rotates only the secret ${SECRET_ARN}`);
    } finally {
      process.env = saved;
    }
    expect(sm.calls()).toHaveLength(0);
    expect(ec.calls()).toHaveLength(0);
  });

  test('a SecretId that Secrets Manager resolves to another secret is refused before anything else', async () => {
    sm.on(DescribeSecretCommand).resolves({ ARN: OTHER_ARN, RotationEnabled: true, VersionIdsToStages: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] } });
    const { step } = handlerFor(TOKEN_SETTINGS);
    await expect(step('setSecret')).rejects.toThrow(/^Refused: .* is the secret .*attacker-chosen-XyZ123, but this function rotates only/);
    expect(sm.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeSecretCommand']);
    expect(ec.calls()).toHaveLength(0);
  });
});

describe('secret material never reaches an error or a log line', () => {
  const MATERIAL = 'Sup3r-Secret-Material-qwzXvbnmKJ';
  /** Values that JSON.parse rejects with a SyntaxError quoting the input. */
  const MALFORMED = [
    `{"token": "${MATERIAL}"`,
    `${MATERIAL}`,
    `{"token": "${MATERIAL}", }`,
    `["${MATERIAL}"]`,
  ];

  /** Every run of 8 characters of the secret material, none of which may appear. */
  const fragments = (text: string): string[] => Array.from({ length: text.length - 7 }, (_, i) => text.slice(i, i + 8));

  function secretHolding(current: string): void {
    sm.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, RotationEnabled: true, VersionIdsToStages: { v0: ['AWSCURRENT'], v1: ['AWSPENDING'] } });
    sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => {
      if (input.VersionStage === 'AWSCURRENT') return { ARN: SECRET_ARN, SecretString: current };
      throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    });
  }

  test('JSON.parse itself quotes the input: the attack this guards against', () => {
    expect(() => JSON.parse(MALFORMED[1])).toThrow(/Sup3r-Se/);
  });

  test.each([
    ...MALFORMED.map((value) => ['authToken', value, TOKEN_SETTINGS] as const),
    ...MALFORMED.map((value) => ['userPassword', value, USER_SETTINGS] as const),
  ])('%s mode, AWSCURRENT %j: createSecret fails without quoting it', async (_mode, value, settings) => {
    secretHolding(value);
    const { step, lines } = handlerFor(settings);
    const error = await step('createSecret').then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/is not a JSON object, but the token is expected in its field/);
    const everything = [error!.message, String(error!.stack), ...lines].join('\n');
    for (const fragment of fragments(MATERIAL)) {
      expect(everything).not.toContain(fragment);
    }
  });
});

describe('SDK clients give up before the function does', () => {
  test('connection and request timeouts, and attempts, keep a call well under the 15 minute Lambda timeout', () => {
    const config = apiClientConfig('https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com');
    expect(config).toEqual({
      endpoint: 'https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com',
      maxAttempts: API_TIMEOUTS.maxAttempts,
      requestHandler: {
        connectionTimeout: API_TIMEOUTS.connectionTimeoutMs, requestTimeout: API_TIMEOUTS.requestTimeoutMs, throwOnRequestTimeout: true,
      },
    });
    // Worst case of one call: every attempt connects at the limit and then waits at the limit.
    const worstCallMs = API_TIMEOUTS.maxAttempts * (API_TIMEOUTS.connectionTimeoutMs + API_TIMEOUTS.requestTimeoutMs);
    expect(worstCallMs).toBeLessThanOrEqual(FUNCTION_TIMEOUT_MS / 5);
  });
});
