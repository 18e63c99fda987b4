import { CacheEngine, CacheEngineVersion } from '../src';

describe('parameter group families', () => {
  test.each([
    [CacheEngineVersion.VALKEY_7_2, CacheEngine.VALKEY, '7.2', 'valkey7'],
    [CacheEngineVersion.VALKEY_8_0, CacheEngine.VALKEY, '8.0', 'valkey8'],
    [CacheEngineVersion.VALKEY_8_1, CacheEngine.VALKEY, '8.1', 'valkey8'],
    [CacheEngineVersion.VALKEY_8_2, CacheEngine.VALKEY, '8.2', 'valkey8'],
    [CacheEngineVersion.VALKEY_9_0, CacheEngine.VALKEY, '9.0', 'valkey9'],
    [CacheEngineVersion.VALKEY_9_1, CacheEngine.VALKEY, '9.1', 'valkey9'],
    [CacheEngineVersion.REDIS_4_0_10, CacheEngine.REDIS, '4.0.10', 'redis4.0'],
    [CacheEngineVersion.REDIS_5_0_6, CacheEngine.REDIS, '5.0.6', 'redis5.0'],
    [CacheEngineVersion.REDIS_6_0, CacheEngine.REDIS, '6.0', 'redis6.x'],
    [CacheEngineVersion.REDIS_6_2, CacheEngine.REDIS, '6.2', 'redis6.x'],
    [CacheEngineVersion.REDIS_7_0, CacheEngine.REDIS, '7.0', 'redis7'],
    [CacheEngineVersion.REDIS_7_1, CacheEngine.REDIS, '7.1', 'redis7'],
  ])('%s is %s %s in family %s', (version, engine, number, family) => {
    expect(version.engine).toBe(engine);
    expect(version.version).toBe(number);
    expect(version.parameterGroupFamily).toBe(family);
    expect(version.isKnown).toBe(true);
    expect(version.toString()).toBe(`${engine} ${number}`);
  });
});

describe('feature flags', () => {
  // [version, TransitEncryptionMode, slow log, engine log, RBAC, IAM auth, data tiering]
  test.each([
    [CacheEngineVersion.VALKEY_7_2, true, true, true, true, true, true],
    [CacheEngineVersion.VALKEY_8_0, true, true, true, true, true, true],
    [CacheEngineVersion.VALKEY_8_1, true, true, true, true, true, true],
    [CacheEngineVersion.VALKEY_8_2, true, true, true, true, true, true],
    [CacheEngineVersion.VALKEY_9_0, true, true, true, true, true, true],
    [CacheEngineVersion.VALKEY_9_1, true, true, true, true, true, true],
    [CacheEngineVersion.REDIS_4_0_10, false, false, false, false, false, false],
    [CacheEngineVersion.REDIS_5_0_6, false, false, false, false, false, false],
    [CacheEngineVersion.REDIS_6_0, false, true, false, true, false, false],
    [CacheEngineVersion.REDIS_6_2, false, true, true, true, false, true],
    [CacheEngineVersion.REDIS_7_0, true, true, true, true, true, true],
    [CacheEngineVersion.REDIS_7_1, true, true, true, true, true, true],
  ])('%s: TLS mode %s, slow log %s, engine log %s, RBAC %s, IAM %s, data tiering %s',
    (version, tlsMode, slowLog, engineLog, rbac, iam, dataTiering) => {
      expect({
        tlsMode: version.supportsTransitEncryptionMode,
        slowLog: version.supportsSlowLog,
        engineLog: version.supportsEngineLog,
        rbac: version.supportsRbac,
        iam: version.supportsIamAuthentication,
        dataTiering: version.supportsDataTiering,
      }).toEqual({ tlsMode, slowLog, engineLog, rbac, iam, dataTiering });
    });
});

describe('CacheEngineVersion.of()', () => {
  test.each([
    [CacheEngine.VALKEY, '8.1', CacheEngineVersion.VALKEY_8_1],
    [CacheEngine.VALKEY, '9.0', CacheEngineVersion.VALKEY_9_0],
    [CacheEngine.REDIS, '6.2', CacheEngineVersion.REDIS_6_2],
    [CacheEngine.REDIS, '5.0.6', CacheEngineVersion.REDIS_5_0_6],
  ])('%s %s equals the static member', (engine, version, member) => {
    const parsed = CacheEngineVersion.of(engine, version);

    expect(parsed).toEqual(member);
    expect(parsed.isKnown).toBe(true);
  });

  test('an unknown version is not known and has no family', () => {
    const version = CacheEngineVersion.of(CacheEngine.VALKEY, '9.9');

    expect(version.isKnown).toBe(false);
    expect(version.parameterGroupFamily).toBe('');
    expect(version.knownVersions).toEqual(['7.2', '8.0', '8.1', '8.2', '9.0', '9.1']);
  });

  test('a Redis OSS patch version the library does not list is unknown', () => {
    expect(CacheEngineVersion.of(CacheEngine.REDIS, '7.0.5').isKnown).toBe(false);
    expect(CacheEngineVersion.of(CacheEngine.REDIS, '6.x').isKnown).toBe(false);
  });

  test('an unknown version with a family is accepted as is', () => {
    const version = CacheEngineVersion.of(CacheEngine.VALKEY, '10.0', { parameterGroupFamily: 'valkey10' });

    expect(version.isKnown).toBe(true);
    expect(version.version).toBe('10.0');
    expect(version.parameterGroupFamily).toBe('valkey10');
  });

  test('a given family overrides the known one', () => {
    expect(CacheEngineVersion.of(CacheEngine.VALKEY, '8.1', { parameterGroupFamily: 'valkey8-custom' }).parameterGroupFamily).toBe('valkey8-custom');
  });

  test.each([
    // [engine, version, TLS mode, slow log, engine log, IAM]
    [CacheEngine.VALKEY, '10.0', true, true, true, true],
    [CacheEngine.REDIS, '7.4', true, true, true, true],
    [CacheEngine.REDIS, '6.5', false, true, true, false],
    [CacheEngine.REDIS, '3.2.6', false, false, false, false],
  ])('feature flags of the unlisted %s %s follow its number', (engine, number, tlsMode, slowLog, engineLog, iam) => {
    const version = CacheEngineVersion.of(engine, number, { parameterGroupFamily: 'any' });

    expect([version.supportsTransitEncryptionMode, version.supportsSlowLog, version.supportsEngineLog, version.supportsIamAuthentication])
      .toEqual([tlsMode, slowLog, engineLog, iam]);
  });

  test('knownVersions lists the versions of the same engine, oldest first', () => {
    expect(CacheEngineVersion.REDIS_7_1.knownVersions).toEqual(['4.0.10', '5.0.6', '6.0', '6.2', '7.0', '7.1']);
    expect(CacheEngineVersion.VALKEY_7_2.knownVersions).toEqual(['7.2', '8.0', '8.1', '8.2', '9.0', '9.1']);
  });
});
