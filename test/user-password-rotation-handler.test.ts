import {
  DescribeUsersCommand,
  ElastiCacheClient,
  ModifyUserCommand,
  ModifyUserCommandInput,
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
import { CacheAddress, createRotationHandler, RotationSettings, settingsFromEnvironment } from '../src/private/auth-token-rotation.lambda';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-app-AbCdEf';
const GROUP_ID = 'orders-cache-1a2b3c4d';
const USER_ID = 'orders-cache-1a2b3c4d-orders-app';
const USER_ARN = `arn:aws:elasticache:us-east-1:123456789012:user:${USER_ID}`;
const SETTINGS: RotationSettings = {
  secretArn: SECRET_ARN,
  replicationGroupId: GROUP_ID,
  mode: 'userPassword',
  userId: USER_ID,
  userName: 'orders-app',
  jsonField: 'password',
  cacheHost: 'clustercfg.orders.cache.amazonaws.com',
  cachePort: 6380,
};
const PASSWORD_0 = 'Initial-password-000000000000000000000000000000000000000000000A';
const secretOf = (password: string): string => JSON.stringify({ username: 'orders-app', user_arn: USER_ARN, password });

const sm = mockClient(SecretsManagerClient);
const ec = mockClient(ElastiCacheClient);

/** Secrets Manager's versions and staging labels. */
class FakeSecret {
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
  public password(stage: string): string {
    return JSON.parse(this.valueOf(stage)!).password;
  }
  public startRotation(version: string): void {
    this.moveStage('AWSPENDING', version);
    this.versions.get(version)!.value = undefined;
  }
  public moveStage(stage: string, to: string): void {
    const holder = this.versionWith(stage);
    if (holder) this.versions.get(holder)!.stages = this.versions.get(holder)!.stages.filter((s) => s !== stage);
    if (!this.versions.has(to)) this.versions.set(to, { stages: [] });
    this.versions.get(to)!.stages.push(stage);
  }
  public install(): void {
    sm.on(DescribeSecretCommand).callsFake(async () => ({
      ARN: SECRET_ARN,
      RotationEnabled: true,
      VersionIdsToStages: Object.fromEntries([...this.versions.entries()].map(([id, v]) => [id, [...v.stages]])),
    }));
    sm.on(GetSecretValueCommand).callsFake(async (input: GetSecretValueCommandInput) => {
      const id = input.VersionId ?? this.versionWith(input.VersionStage!);
      const version = id ? this.versions.get(id) : undefined;
      if (!version || version.value === undefined || (input.VersionStage && !version.stages.includes(input.VersionStage))) {
        throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
      }
      return { ARN: SECRET_ARN, VersionId: id, SecretString: version.value };
    });
    sm.on(PutSecretValueCommand).callsFake(async (input: PutSecretValueCommandInput) => {
      for (const stage of input.VersionStages ?? []) this.moveStage(stage, input.ClientRequestToken!);
      this.versions.get(input.ClientRequestToken!)!.value = input.SecretString;
      return { ARN: SECRET_ARN };
    });
    sm.on(UpdateSecretVersionStageCommand).callsFake(async (input: UpdateSecretVersionStageCommandInput) => {
      const old = this.versionWith('AWSCURRENT');
      expect(input.RemoveFromVersionId).toBe(old);
      this.moveStage('AWSCURRENT', input.MoveToVersionId!);
      if (old) this.moveStage('AWSPREVIOUS', old);
      return { ARN: SECRET_ARN };
    });
  }
}

/** An ElastiCache user: ModifyUser replaces its passwords (up to two) and keeps it `modifying` for a few polls. */
class FakeUser {
  public passwords: string[];
  public status = 'active';
  public pollsPerChange = 2;
  public stuck = false;
  /** DescribeUsers calls for which the user is busy with another change. */
  public busyPolls = 0;
  public modifyError?: Error;
  public readonly modifications: string[][] = [];
  public readonly checks: Array<{ address: CacheAddress; username?: string }> = [];
  private pending?: { passwords: string[]; polls: number };

  constructor(...passwords: string[]) {
    this.passwords = passwords;
  }

  public install(): void {
    ec.on(DescribeUsersCommand).callsFake(async (input) => {
      expect(input).toEqual({ UserId: USER_ID });
      if (this.pending && !this.stuck && this.pending.polls-- <= 0) {
        this.passwords = this.pending.passwords;
        this.pending = undefined;
      }
      const busy = this.busyPolls > 0;
      if (busy) this.busyPolls--;
      return { Users: [{ UserId: USER_ID, UserName: 'orders-app', Status: this.pending || busy ? 'modifying' : this.status }] };
    });
    ec.on(ModifyUserCommand).callsFake(async (input: ModifyUserCommandInput) => {
      if (this.modifyError) throw this.modifyError;
      if (this.pending || this.busyPolls > 0 || this.status !== 'active') {
        throw Object.assign(new Error('User is not in active state'), { name: 'InvalidUserStateFault' });
      }
      expect(Object.keys(input).sort()).toEqual(['Passwords', 'UserId']);
      expect(input.Passwords!.length).toBeLessThanOrEqual(2);
      this.modifications.push(input.Passwords!);
      this.pending = { passwords: input.Passwords!, polls: this.pollsPerChange };
      return { UserId: USER_ID, Status: 'modifying' };
    });
  }

  public readonly check = async (address: CacheAddress, password: string, username?: string): Promise<boolean> => {
    this.checks.push({ address, username });
    return username === 'orders-app' && this.passwords.includes(password);
  };
}

function harness(options: { passwords?: string[]; settings?: RotationSettings } = {}) {
  const secret = new FakeSecret(secretOf(PASSWORD_0));
  const user = new FakeUser(...(options.passwords ?? [PASSWORD_0]));
  secret.install();
  user.install();
  const driver = driveHandler(options.settings ?? SETTINGS, SECRET_ARN, user.check);
  return {
    secret,
    user,
    logs: driver.logs,
    clock: driver.clock,
    step: driver.step,
    rotate: async (version: string) => {
      secret.startRotation(version);
      await driver.steps(version);
    },
  };
}

beforeEach(() => {
  sm.reset();
  ec.reset();
});

describe('settingsFromEnvironment in userPassword mode', () => {
  test('reads the mode and the user', () => {
    expect(settingsFromEnvironment({
      SECRET_ARN, REPLICATION_GROUP_ID: GROUP_ID, ROTATION_MODE: 'userPassword', USER_ID: USER_ID, USER_NAME: 'orders-app', SECRET_JSON_FIELD: 'password',
    })).toMatchObject({ secretArn: SECRET_ARN, mode: 'userPassword', userId: USER_ID, userName: 'orders-app', jsonField: 'password' });
  });

  test.each([
    [{ SECRET_ARN, REPLICATION_GROUP_ID: GROUP_ID, ROTATION_MODE: 'userPassword' }, /USER_ID is not set/],
    [{ SECRET_ARN, REPLICATION_GROUP_ID: GROUP_ID, ROTATION_MODE: 'userPassword', USER_ID }, /USER_NAME is not set/],
    [{ SECRET_ARN, REPLICATION_GROUP_ID: GROUP_ID, ROTATION_MODE: 'iam' }, /ROTATION_MODE 'iam' is neither 'authToken' nor 'userPassword'/],
  ])('fails on %p', (env, message) => {
    expect(() => settingsFromEnvironment(env)).toThrow(message);
  });

  test('without a userId, the handler refuses to run', async () => {
    const run = createRotationHandler({
      settings: { secretArn: SECRET_ARN, replicationGroupId: GROUP_ID, mode: 'userPassword' },
      secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
      elastiCache: new ElastiCacheClient({ region: 'us-east-1' }),
    });
    await expect(run({ Step: 'createSecret', SecretId: SECRET_ARN, ClientRequestToken: 'v1' }, { getRemainingTimeInMillis: () => 1000 }))
      .rejects.toThrow(/needs the userId and userName/);
  });
});

describe('createSecret', () => {
  test('a new password of the current length as AWSPENDING, keeping username and user_arn', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    const pending = JSON.parse(h.secret.valueOf('AWSPENDING')!);
    expect(Object.keys(pending).sort()).toEqual(['password', 'user_arn', 'username']);
    expect(pending).toMatchObject({ username: 'orders-app', user_arn: USER_ARN });
    expect(pending.password).toHaveLength(PASSWORD_0.length);
    expect(pending.password).toMatch(/^[A-Za-z0-9!&#$^<>-]+$/);
    expect(pending.password).not.toBe(PASSWORD_0);
    expect(ec.calls()).toHaveLength(0);
  });

  test('the default JSON field is password', async () => {
    const h = harness({ settings: { ...SETTINGS, jsonField: undefined } });
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    expect(JSON.parse(h.secret.valueOf('AWSPENDING')!).password).toHaveLength(PASSWORD_0.length);
  });

  test('is idempotent: a retry keeps the pending password', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    const first = h.secret.valueOf('AWSPENDING');
    await h.step('createSecret', 'v1');
    expect(h.secret.valueOf('AWSPENDING')).toBe(first);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
  });
});

describe('setSecret', () => {
  test('ModifyUser with the current and the pending password, waiting until the user is active and accepts the new one', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    const pending = h.secret.password('AWSPENDING');
    await h.step('setSecret', 'v1');
    expect(h.user.modifications).toEqual([[PASSWORD_0, pending]]);
    expect(h.user.passwords).toEqual([PASSWORD_0, pending]);
    expect(h.clock.now).toBeGreaterThan(0);
    expect(h.user.checks.every((c) => c.username === 'orders-app' && c.address.port === 6380)).toBe(true);
    expect(ec.commandCalls(DescribeUsersCommand).length).toBeGreaterThan(1);
  });

  test('is idempotent: a retry after the change took effect changes nothing', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    await h.step('setSecret', 'v1');
    await h.step('setSecret', 'v1');
    expect(h.user.modifications).toHaveLength(1);
  });

  test('waits for a user that is busy before changing it', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    h.user.busyPolls = 3;
    await h.step('setSecret', 'v1');
    expect(h.clock.now).toBeGreaterThanOrEqual(3 * 10_000);
    expect(h.user.modifications).toHaveLength(1);
  });

  test('refuses to change a user that rejects the current password', async () => {
    const h = harness({ passwords: ['Some-other-password-0000000000000'] });
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/rejects the current password \(AWSCURRENT\).*Nothing was changed/);
    expect(h.user.modifications).toHaveLength(0);
  });

  test('a user stuck in modifying: fails before the function times out, nothing promoted', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    h.user.stuck = true;
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/User orders-cache-1a2b3c4d-orders-app is still 'modifying' after ModifyUser.*stopping before the function times out/);
    expect(h.clock.now).toBeLessThan(FUNCTION_TIMEOUT_MS);
    await expect(h.step('testSecret', 'v1')).rejects.toThrow(/rejects the pending password/);
    await expect(h.step('finishSecret', 'v1')).rejects.toThrow(/It is not promoted: AWSCURRENT keeps the password clients use/);
    expect(h.secret.versionWith('AWSCURRENT')).toBe('v0');
  });

  test('a user being deleted fails at once', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    h.user.status = 'deleting';
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/User orders-cache-1a2b3c4d-orders-app is 'deleting' before changing the passwords/);
  });

  test('a failed ModifyUser is reported, nothing promoted', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    h.user.modifyError = Object.assign(new Error('User: arn:... is not authorized to perform: elasticache:ModifyUser'), { name: 'AccessDenied' });
    await expect(h.step('setSecret', 'v1')).rejects.toThrow(/ModifyUser on orders-cache-1a2b3c4d-orders-app failed: AccessDenied: .*Nothing was promoted/);
  });

  test.each([
    ['without username', { password: PASSWORD_0 }, /its 'username' field is missing/],
    ['naming another user', { username: 'admin', password: PASSWORD_0 }, /its 'username' field is "admin"/],
  ])('a secret %s is refused before anything is written or changed', async (_case, value, message) => {
    const h = harness();
    h.secret.versions.get('v0')!.value = JSON.stringify(value);
    h.secret.startRotation('v1');
    await expect(h.step('createSecret', 'v1')).rejects.toThrow(message);
    await expect(h.step('createSecret', 'v1')).rejects.toThrow(/^Refused: the AWSCURRENT value of secret .* is not for the user "orders-app" that this function rotates/);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(ec.commandCalls(ModifyUserCommand)).toHaveLength(0);
  });

  test('the user name comes from the configuration: every check authenticates as the configured user', async () => {
    const h = harness();
    await h.rotate('v1');
    expect(h.user.checks.length).toBeGreaterThan(0);
    expect(new Set(h.user.checks.map((c) => c.username))).toEqual(new Set(['orders-app']));
  });
});

describe('testSecret and finishSecret', () => {
  test('testSecret fails when the user rejects the pending password', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    await expect(h.step('testSecret', 'v1')).rejects.toThrow(
      /testSecret: the user orders-cache-1a2b3c4d-orders-app of the replication group orders-cache-1a2b3c4d \(clustercfg.orders.cache.amazonaws.com:6380\) rejects the pending password/);
  });

  test('finishSecret promotes only a password the user accepts', async () => {
    const h = harness();
    h.secret.startRotation('v1');
    await h.step('createSecret', 'v1');
    await h.step('setSecret', 'v1');
    await h.step('testSecret', 'v1');
    await h.step('finishSecret', 'v1');
    expect(h.secret.versionWith('AWSCURRENT')).toBe('v1');
    expect(h.secret.versionWith('AWSPREVIOUS')).toBe('v0');
  });
});

describe('whole rotations', () => {
  test('the replaced password works for one more period; the next rotation leaves the then current and the new one', async () => {
    const h = harness();
    await h.rotate('v1');
    const p1 = h.secret.password('AWSCURRENT');
    expect(h.user.passwords).toEqual([PASSWORD_0, p1]);
    await h.rotate('v2');
    const p2 = h.secret.password('AWSCURRENT');
    expect(h.user.passwords).toEqual([p1, p2]);
    expect(h.user.modifications).toEqual([[PASSWORD_0, p1], [p1, p2]]);
    expect(h.logs.filter((l) => l.level !== 'info')).toEqual([]);
  });
});
