import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupCommandInput,
  ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  PutSecretValueCommand,
  PutSecretValueCommandInput,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { driveHandler, FUNCTION_TIMEOUT_MS } from './rotation-support';
import {
  CacheAddress,
  generateAuthToken,
  handler,
  RotationSettings,
  settingsFromEnvironment,
  TOKEN_ALPHABET,
} from '../src/private/auth-token-rotation.lambda';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache-token-AbCdEf';
const GROUP_ID = 'orders-cache-1a2b3c4d';
const SETTINGS: RotationSettings = { secretArn: SECRET_ARN, replicationGroupId: GROUP_ID, cacheHost: 'clustercfg.orders.cache.amazonaws.com', cachePort: 6380 };
/** The Lambda timeout the construct sets: 15 minutes. */
const TOKEN_0 = 'Initial-token-0000000000000000000000000000000000000000000000000A';

const sm = mockClient(SecretsManagerClient);
const ec = mockClient(ElastiCacheClient);

/** Secrets Manager's versions and staging labels, as the API maintains them. */
class FakeSecret {
  public rotationEnabled = true;
  public readonly versions = new Map<string, { value?: string; stages: string[] }>();

  constructor(initial: string) {
    this.versions.set('v0', { value: initial, stages: ['AWSCURRENT'] });
  }

  public versionWith(stage: string): string | undefined {
    return [...this.versions.entries()].find(([, v]) => v.stages.includes(stage))?.[0];
  }

  public valueOf(stage: string): string | undefined {
    const id = this.versionWith(stage);
    return id ? this.versions.get(id)!.value : undefined;
  }

  /** What RotateSecret does before calling the function: a new version labelled AWSPENDING. */
  public startRotation(version: string): void {
    this.moveStage('AWSPENDING', version);
    this.versions.get(version)!.value = undefined;
  }

  public moveStage(stage: string, to: string, from?: string): void {
    const holder = this.versionWith(stage);
    if (from !== undefined && holder !== from) {
      throw new Error(`InvalidParameterException: ${stage} is on ${holder}, not on ${from}`);
    }
    if (holder) {
      this.versions.get(holder)!.stages = this.versions.get(holder)!.stages.filter((s) => s !== stage);
    }
    if (!this.versions.has(to)) this.versions.set(to, { stages: [] });
    this.versions.get(to)!.stages.push(stage);
  }

  public install(): void {
    sm.on(DescribeSecretCommand).callsFake(async () => ({
      ARN: SECRET_ARN,
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries([...this.versions.entries()].map(([id, v]) => [id, [...v.stages]])),
    }));
    sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => {
      const id = input.VersionId ?? this.versionWith(input.VersionStage!);
      const version = id ? this.versions.get(id) : undefined;
      if (!version || version.value === undefined || (input.VersionStage && !version.stages.includes(input.VersionStage))) {
        throw new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret value', $metadata: {} });
      }
      return { ARN: SECRET_ARN, VersionId: id, SecretString: version.value };
    });
    sm.on(PutSecretValueCommand).callsFake(async (input: PutSecretValueCommandInput) => {
      for (const stage of input.VersionStages ?? []) this.moveStage(stage, input.ClientRequestToken!);
      this.versions.get(input.ClientRequestToken!)!.value = input.SecretString;
      return { ARN: SECRET_ARN, VersionId: input.ClientRequestToken };
    });
    sm.on(UpdateSecretVersionStageCommand).callsFake(async (input: UpdateSecretVersionStageCommandInput) => {
      if (input.VersionStage === 'AWSCURRENT') {
        const old = this.versionWith('AWSCURRENT');
        this.moveStage('AWSCURRENT', input.MoveToVersionId!, input.RemoveFromVersionId);
        // Secrets Manager moves AWSPREVIOUS to the version that lost AWSCURRENT.
        if (old) this.moveStage('AWSPREVIOUS', old);
      }
      return { ARN: SECRET_ARN };
    });
  }
}

/**
 * A replication group as ElastiCache documents AUTH token changes ("Modifying the AUTH token on an
 * existing cluster"): ROTATE adds a token and, when the group already has two, drops the oldest;
 * SET leaves only the given token and needs it to be the last one rotated in. A change keeps the
 * group `modifying` for `pollsPerChange` DescribeReplicationGroups calls.
 */
class FakeGroup {
  public tokens: string[];
  public status = 'available';
  public pollsPerChange = 2;
  /** The change never completes: the group is stuck in `modifying`. */
  public stuck = false;
  public unreachable = false;
  /** DescribeReplicationGroups calls for which the group is busy with another change. */
  public busyPolls = 0;
  /** ElastiCache reports the change as done but never applies it. */
  public dropChanges = false;
  public describeError?: Error;
  public modifyError?: Error;
  public readonly modifications: Array<{ strategy: string; token: string }> = [];
  public readonly checkedAddresses: CacheAddress[] = [];
  private pending?: { strategy: string; token: string; polls: number };

  constructor(...tokens: string[]) {
    this.tokens = tokens;
  }

  public install(): void {
    ec.on(DescribeReplicationGroupsCommand).callsFake(async () => {
      if (this.describeError) throw this.describeError;
      return { ReplicationGroups: [this.describe()] };
    });
    ec.on(ModifyReplicationGroupCommand).callsFake(async (input: ModifyReplicationGroupCommandInput) => {
      if (this.modifyError) throw this.modifyError;
      if (this.status !== 'available' || this.pending || this.busyPolls > 0) {
        throw Object.assign(new Error(`Replication group ${GROUP_ID} must be in available state`), { name: 'InvalidReplicationGroupStateFault' });
      }
      expect(input).toMatchObject({ ReplicationGroupId: GROUP_ID, ApplyImmediately: true });
      const strategy = input.AuthTokenUpdateStrategy!;
      if (strategy === 'SET' && input.AuthToken !== this.tokens[this.tokens.length - 1]) {
        throw Object.assign(new Error('Invalid AuthToken provided.'), { name: 'InvalidParameterValueException' });
      }
      this.modifications.push({ strategy, token: input.AuthToken! });
      this.pending = { strategy, token: input.AuthToken!, polls: this.pollsPerChange };
      return { ReplicationGroup: { ReplicationGroupId: GROUP_ID, Status: 'modifying' } };
    });
  }

  /** The token check the handler uses: AUTH succeeds for the tokens the group holds. */
  public readonly check = async (address: CacheAddress, token: string): Promise<boolean> => {
    this.checkedAddresses.push(address);
    if (this.unreachable) throw new Error(`Could not check a token against ${address.host}:${address.port} over TLS: connect ETIMEDOUT`);
    return this.tokens.includes(token);
  };

  private describe(): ReplicationGroup {
    if (this.pending && !this.stuck) {
      if (this.pending.polls-- <= 0) {
        const { strategy, token } = this.pending;
        if (!this.dropChanges) {
          this.tokens = strategy === 'SET' ? [token] : [...this.tokens, token].slice(-2);
        }
        this.pending = undefined;
      }
    }
    const busy = this.busyPolls > 0;
    if (busy) this.busyPolls--;
    return {
      ReplicationGroupId: GROUP_ID,
      Status: this.pending || busy ? 'modifying' : this.status,
      PendingModifiedValues: this.pending ? { AuthTokenStatus: this.pending.strategy === 'SET' ? 'SETTING' : 'ROTATING' } : {},
      ConfigurationEndpoint: { Address: 'clustercfg.from-describe.cache.amazonaws.com', Port: 6380 },
    };
  }
}

interface Harness {
  readonly secret: FakeSecret;
  readonly group: FakeGroup;
  readonly logs: Array<{ level: string; message: string }>;
  readonly clock: { now: number };
  step(step: string, version: string): Promise<void>;
  rotate(version: string): Promise<void>;
}

function harness(options: { secret?: string; tokens?: string[]; settings?: RotationSettings } = {}): Harness {
  const secret = new FakeSecret(options.secret ?? TOKEN_0);
  const group = new FakeGroup(...(options.tokens ?? [TOKEN_0]));
  secret.install();
  group.install();
  const driver = driveHandler(options.settings ?? SETTINGS, SECRET_ARN, group.check);
  return {
    secret,
    group,
    logs: driver.logs,
    clock: driver.clock,
    step: driver.step,
    rotate: async (version) => {
      secret.startRotation(version);
      await driver.steps(version);
    },
  };
}

beforeEach(() => {
  sm.reset();
  ec.reset();
});

describe('generateAuthToken', () => {
  test('draws from letters, digits and ! & # $ ^ < > - only, with the requested length', () => {
    // ElastiCache user guide, "AUTH": printable, and only ! & # $ ^ < > - besides letters and digits.
    const allowed = /^[A-Za-z0-9!&#$^<>-]+$/;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const token = generateAuthToken(16 + (i % 113));
      expect(token).toHaveLength(16 + (i % 113));
      expect(token).toMatch(allowed);
      expect(token).toMatch(/[A-Z]/);
      expect(token).toMatch(/[a-z]/);
      expect(token).toMatch(/[0-9]/);
      for (const c of token) seen.add(c);
    }
    expect(TOKEN_ALPHABET).toHaveLength(70);
    expect([...seen].sort().join('')).toEqual([...TOKEN_ALPHABET].sort().join(''));
  });

  test('draws again until a token has an upper-case letter, a lower-case letter and a digit', () => {
    // 16 x 'A' is rejected; then 'a', '0', and 'A' for the rest.
    const draws = [...Array(16).fill(0), 26, 52, ...Array(14).fill(0)];
    const token = generateAuthToken(16, () => draws.shift()!);
    expect(token).toBe('a0AAAAAAAAAAAAAA');
    expect(draws).toHaveLength(0);
  });

  test.each([15, 129, 16.5])('rejects length %p', (length) => {
    expect(() => generateAuthToken(length)).toThrow(/16 to 128 characters/);
  });
});

describe('settingsFromEnvironment', () => {
  test('reads what the construct sets', () => {
    expect(settingsFromEnvironment({
      SECRET_ARN: SECRET_ARN,
      REPLICATION_GROUP_ID: GROUP_ID,
      SECRET_JSON_FIELD: 'token',
      CACHE_HOST: 'h',
      CACHE_PORT: '6380',
      SECRETS_MANAGER_ENDPOINT: 'https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com',
    })).toEqual({
      secretArn: SECRET_ARN,
      replicationGroupId: GROUP_ID,
      mode: 'authToken',
      userName: undefined,
      jsonField: 'token',
      cacheHost: 'h',
      cachePort: 6380,
      secretsManagerEndpoint: 'https://vpce-1.secretsmanager.us-east-1.vpce.amazonaws.com',
      elastiCacheEndpoint: undefined,
    });
  });

  test.each([
    [{}, /SECRET_ARN is not set/],
    [{ SECRET_ARN }, /REPLICATION_GROUP_ID is not set/],
    [{ SECRET_ARN, REPLICATION_GROUP_ID: GROUP_ID, CACHE_PORT: 'abc' }, /CACHE_PORT 'abc' is not a port number/],
  ])('fails on %p', (env, message) => {
    expect(() => settingsFromEnvironment(env)).toThrow(message);
  });

  test('the deployed handler refuses to run without its environment', async () => {
    delete process.env.SECRET_ARN;
    await expect(handler({ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: 'v1' }, { getRemainingTimeInMillis: () => 1000 }))
      .rejects.toThrow(/SECRET_ARN is not set/);
  });
});

describe('every step', () => {
  test.each(['createSecret', 'setSecret', 'testSecret', 'finishSecret'])('%s does nothing for a version that is already AWSCURRENT', async (step) => {
    const h = harness();
    await h.step(step, 'v0');
    expect(sm.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeSecretCommand']);
    expect(ec.calls()).toHaveLength(0);
  });

  test.each([
    ['a version the secret does not have', (s: FakeSecret) => s.versions.delete('v1'), /Secret version v1 has no stage for rotation/],
    ['a version that is not AWSPENDING', (s: FakeSecret) => s.moveStage('AWSPENDING', 'v0'), /Secret version v1 is not AWSPENDING .*\(stages: none\)/],
    ['a secret with rotation turned off', (s: FakeSecret) => { s.rotationEnabled = false; }, /is not enabled for rotation/],
  ])('fails for %s', async (_case, change, message) => {
    const h = harness();
    h.secret.startRotation('v1');
    change(h.secret);
    await expect(h.step('createSecret', 'v1')).rejects.toThrow(message);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  test('fails for an unknown step', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await expect(h.step('deleteSecret', 'v1')).rejects.toThrow(/Unknown rotation step 'deleteSecret'/);
  });

  test('fails for an event without a version', async () => {
    const h = harness();
    await expect(h.step('createSecret', '')).rejects.toThrow(/must have SecretId, ClientRequestToken and Step/);
  });
});

describe('createSecret', () => {
  test('stores a new token of the current length as AWSPENDING (plain-text secret)', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');

    const put = sm.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    expect(put[0].args[0].input).toMatchObject({ SecretId: SECRET_ARN, ClientRequestToken: 'v1', VersionStages: ['AWSPENDING'] });
    const token = h.secret.valueOf('AWSPENDING')!;
    expect(token).toHaveLength(TOKEN_0.length);
    expect(token).not.toBe(TOKEN_0);
    expect([...token].every((c) => TOKEN_ALPHABET.includes(c))).toBe(true);
    expect(h.secret.valueOf('AWSCURRENT')).toBe(TOKEN_0);
    expect(ec.calls()).toHaveLength(0);
  });

  test('replaces only the token field of a JSON secret', async () => {
    const h = harness({
      secret: JSON.stringify({ host: 'cache.example', token: 'x'.repeat(20) }),
      settings: { ...SETTINGS, jsonField: 'token' },
    });
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');

    const pending = JSON.parse(h.secret.valueOf('AWSPENDING')!);
    expect(pending.host).toBe('cache.example');
    expect(pending.token).toHaveLength(20);
    expect(pending.token).not.toBe('x'.repeat(20));
  });

  test('keeps the value of a retried step', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    const first = h.secret.valueOf('AWSPENDING');
    await h.step('createSecret', 'v1');

    expect(h.secret.valueOf('AWSPENDING')).toBe(first);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });

  test.each([
    [10, 16],
    [200, 128],
  ])('keeps a %p-character token within ElastiCache\'s limits (%p)', async (currentLength, expected) => {
    const h = harness({ secret: 'a'.repeat(currentLength) });
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    expect(h.secret.valueOf('AWSPENDING')).toHaveLength(expected);
  });

  test.each([
    ['not JSON', 'plain-token-value-1234', /is not a JSON object, but the token is expected in its field 'token'/],
    ['JSON without the field', JSON.stringify({ password: 'p'.repeat(20) }), /has no string field 'token' holding the token/],
  ])('fails loudly for a secret that is %s', async (_case, value, message) => {
    const h = harness({ secret: value, settings: { ...SETTINGS, jsonField: 'token' } });
    h.secret.startRotation('v1');
    await expect(h.step('createSecret', 'v1')).rejects.toThrow(message);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

/** A harness whose rotation v1 has passed createSecret. */
async function created(options: Parameters<typeof harness>[0] = {}): Promise<Harness & { pending: string }> {
  const h = harness(options);
  h.secret.startRotation('v1');
  await h.step('createSecret', 'v1');
  return { ...h, pending: h.secret.valueOf('AWSPENDING')! };
}

describe('setSecret', () => {
  test('first rotation: ROTATE to the pending token, applied immediately, then waits until the group accepts it', async () => {
    const h = await created();
    await h.step('setSecret', 'v1');

    expect(h.group.modifications).toEqual([{ strategy: 'ROTATE', token: h.pending }]);
    expect(h.group.tokens).toEqual([TOKEN_0, h.pending]);
    // Polled while the group was modifying, with the poll interval of 10 s.
    expect(ec.commandCalls(DescribeReplicationGroupsCommand).length).toBeGreaterThanOrEqual(3);
    expect(h.clock.now).toBeGreaterThanOrEqual(20_000);
    expect(h.group.checkedAddresses[0]).toEqual({ host: SETTINGS.cacheHost, port: 6380 });
  });

  test('later rotations: SET the current token first while the group still accepts the previous one, then ROTATE', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.rotate('v1');
    const t1 = h.secret.valueOf('AWSCURRENT')!;
    expect(h.group.tokens).toEqual([TOKEN_0, t1]);

    h.secret.startRotation('v2');
    await h.step('createSecret', 'v2');
    const t2 = h.secret.valueOf('AWSPENDING')!;
    await h.step('setSecret', 'v2');

    expect(h.group.modifications.slice(1)).toEqual([{ strategy: 'SET', token: t1 }, { strategy: 'ROTATE', token: t2 }]);
    expect(h.group.tokens).toEqual([t1, t2]);
  });

  test('waits for a group that is busy with another change before changing the token', async () => {
    const h = await created();
    h.group.busyPolls = 3;
    await h.step('setSecret', 'v1');

    expect(h.group.modifications).toHaveLength(1);
    expect(h.logs.some((l) => /Waiting for the replication group before changing the token/.test(l.message))).toBe(true);
  });

  test('a retry after the ROTATE took effect changes nothing', async () => {
    const h = await created();
    await h.step('setSecret', 'v1');
    await h.step('setSecret', 'v1');

    expect(h.group.modifications).toHaveLength(1);
    expect(h.logs.some((l) => /already accepts the pending token/.test(l.message))).toBe(true);
  });

  test('a retry after a timeout skips the SET that already took effect', async () => {
    const h = harness();
    await h.rotate('v1');
    h.secret.startRotation('v2');
    await h.step('createSecret', 'v2');
    // The SET completes, then the ROTATE is still running when the first attempt gives up.
    h.group.pollsPerChange = 60;
    await expect(h.step('setSecret', 'v2')).rejects.toThrow(/still 'modifying' \(AUTH token (SETTING|ROTATING)\)/);
    h.group.pollsPerChange = 2;
    await h.step('setSecret', 'v2');

    expect(h.group.modifications.slice(1).map((m) => m.strategy)).toEqual(['SET', 'ROTATE']);
    expect(h.group.tokens).toEqual([h.secret.valueOf('AWSCURRENT'), h.secret.valueOf('AWSPENDING')]);
  });

  test('refuses to rotate when the group rejects the current token', async () => {
    const h = await created({ tokens: ['Some-other-token-0000000000'] });
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/rejects the current token \(AWSCURRENT\).*Nothing was changed/);
    expect(ec.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
  });

  test('gives up on a group stuck in modifying before the function times out', async () => {
    const h = await created();
    h.group.stuck = true;
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(
      /Replication group orders-cache-1a2b3c4d is still 'modifying' \(AUTH token ROTATING\) after ROTATE to the pending token, after waiting \d+ s; stopping before the function times out. Nothing was promoted/);
    expect(h.clock.now).toBeLessThan(FUNCTION_TIMEOUT_MS);
    expect(h.clock.now).toBeGreaterThan(FUNCTION_TIMEOUT_MS - 60_000);
  });

  test('fails on a DescribeReplicationGroups error without changing the token', async () => {
    const h = await created();
    h.group.describeError = Object.assign(new Error('User is not authorized to perform: elasticache:DescribeReplicationGroups'), { name: 'AccessDenied' });
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(
      /DescribeReplicationGroups for orders-cache-1a2b3c4d failed: AccessDenied: User is not authorized.*Nothing was promoted/);
    expect(ec.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
  });

  test('fails on a ModifyReplicationGroup error with the reason', async () => {
    const h = await created();
    h.group.modifyError = Object.assign(new Error('Replication group must be in available state'), { name: 'InvalidReplicationGroupStateFault' });
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(
      /ModifyReplicationGroup ROTATE on orders-cache-1a2b3c4d failed: InvalidReplicationGroupStateFault: Replication group must be in available state/);
  });

  test('explains a refused SET', async () => {
    const h = harness();
    await h.rotate('v1');
    h.secret.startRotation('v2');
    await h.step('createSecret', 'v2');
    // The group's newest token is not AWSCURRENT: someone rotated it by hand.
    h.group.tokens = [h.secret.valueOf('AWSCURRENT')!, TOKEN_0];
    await expect(h.step('setSecret', 'v2')).rejects.toThrow(/ModifyReplicationGroup SET .* failed: InvalidParameterValueException.*changed outside this function/);
    expect(h.group.tokens).toContain(h.secret.valueOf('AWSCURRENT'));
  });

  test('fails when the cache cannot be reached, before changing anything', async () => {
    const h = await created();
    h.group.unreachable = true;
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/Could not check a token against clustercfg.orders.cache.amazonaws.com:6380 over TLS: connect ETIMEDOUT/);
    expect(ec.commandCalls(ModifyReplicationGroupCommand)).toHaveLength(0);
  });

  test('fails for a group that is being deleted', async () => {
    const h = await created();
    h.group.status = 'deleting';
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/is 'deleting' before changing the token/);
  });

  test('finds the endpoint with DescribeReplicationGroups when the environment has none', async () => {
    const h = await created({ settings: { secretArn: SECRET_ARN, replicationGroupId: GROUP_ID } });
    await h.step('setSecret', 'v1');
    expect(h.group.checkedAddresses[0]).toEqual({ host: 'clustercfg.from-describe.cache.amazonaws.com', port: 6380 });
  });
});

describe('testSecret', () => {
  test('passes when the group accepts the pending token, and says the current one still works', async () => {
    const h = await created();
    await h.step('setSecret', 'v1');
    await h.step('testSecret', 'v1');
    expect(h.logs).toContainEqual({ level: 'info', message: 'The pending token works; the current token still works too, until the next rotation.' });
  });

  test('fails loudly when the group rejects the pending token', async () => {
    const h = await created();
    await expect(h.step('testSecret', 'v1')).rejects.toThrow(
      /testSecret: the replication group orders-cache-1a2b3c4d \(clustercfg.orders.cache.amazonaws.com:6380\) rejects the pending token \(version v1\).*It is not promoted/);
  });

  test('warns when the group no longer accepts the current token', async () => {
    const h = await created();
    h.group.tokens = [h.pending];
    await h.step('testSecret', 'v1');
    expect(h.logs.find((l) => l.level === 'warn')?.message).toMatch(/no longer accepts the current token/);
  });

  test('fails when the cache cannot be reached', async () => {
    const h = await created();
    h.group.unreachable = true;
    await expect(h.step('testSecret', 'v1')).rejects.toThrow(/over TLS: connect ETIMEDOUT/);
  });
});

describe('finishSecret', () => {
  test('moves AWSCURRENT to the new version; the old one becomes AWSPREVIOUS', async () => {
    const h = await created();
    await h.step('setSecret', 'v1');
    await h.step('finishSecret', 'v1');

    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toEqual({
      SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v1', RemoveFromVersionId: 'v0',
    });
    expect(h.secret.valueOf('AWSCURRENT')).toBe(h.pending);
    expect(h.secret.valueOf('AWSPREVIOUS')).toBe(TOKEN_0);
  });

  test('never promotes a token that the group rejects, even when called on its own', async () => {
    const h = await created();
    await expect(h.step('finishSecret', 'v1')).rejects.toThrow(/finishSecret: .* rejects the pending token/);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(h.secret.valueOf('AWSCURRENT')).toBe(TOKEN_0);
  });
});

describe('whole rotations', () => {
  test('a token works until the rotation after the one that replaced it', async () => {
    const h = harness();
    const current: string[] = [TOKEN_0];
    for (const version of ['v1', 'v2', 'v3']) {
      await h.rotate(version);
      current.push(h.secret.valueOf('AWSCURRENT')!);
      // The new token and the one it replaced both work: clients have a whole period to switch.
      expect(h.group.tokens).toEqual(current.slice(-2));
    }
    expect(new Set(current).size).toBe(4);
    expect(h.secret.valueOf('AWSPREVIOUS')).toBe(current[2]);
    // Rotation 1 only ROTATEs (the group has one token); later ones SET the current token first.
    expect(h.group.modifications.map((m) => m.strategy)).toEqual(['ROTATE', 'SET', 'ROTATE', 'SET', 'ROTATE']);
  });

  test('a JSON secret rotates its field', async () => {
    const h = harness({ secret: JSON.stringify({ token: TOKEN_0, port: 6380 }), settings: { ...SETTINGS, jsonField: 'token' } });
    await h.rotate('v1');
    const value = JSON.parse(h.secret.valueOf('AWSCURRENT')!);
    expect(value.port).toBe(6380);
    expect(h.group.tokens).toEqual([TOKEN_0, value.token]);
  });

  test.each([
    ['the group is stuck in modifying', (g: FakeGroup) => { g.stuck = true; }],
    ['ElastiCache reports the change done but the token is not accepted', (g: FakeGroup) => { g.dropChanges = true; }],
    ['DescribeReplicationGroups fails', (g: FakeGroup) => { g.describeError = new Error('Rate exceeded'); }],
    ['the cache is unreachable', (g: FakeGroup) => { g.unreachable = true; }],
  ])('when %s, the secret is never promoted', async (_case, breakIt) => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    breakIt(h.group);
    // Secrets Manager stops at the failed step; finishSecret is invoked anyway to prove it refuses.
    await expect(h.step('setSecret', 'v1')).rejects.toThrow();
    await expect(h.step('testSecret', 'v1')).rejects.toThrow();
    await expect(h.step('finishSecret', 'v1')).rejects.toThrow();

    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(h.secret.valueOf('AWSCURRENT')).toBe(TOKEN_0);
    expect(h.group.tokens).toContain(TOKEN_0);
  });
});
