/**
 * The engines of an ElastiCache replication group.
 */
export enum CacheEngine {
  /** Valkey, the open-source fork of Redis OSS that AWS maintains; the cheaper engine on ElastiCache. */
  VALKEY = 'valkey',
  /** Redis OSS. */
  REDIS = 'redis',
}

/**
 * Options for a version that this library does not list yet.
 */
export interface CacheEngineVersionOptions {
  /**
   * The parameter group family of the version, e.g. `valkey9`.
   *
   * Give it for a version newer than the library knows: the version is then accepted as is.
   *
   * @default - derived from the version for versions the library knows; an unknown version
   * without a family is rejected at synth
   */
  readonly parameterGroupFamily?: string;
}

interface KnownVersion {
  readonly family: string;
}

// ElastiCache user guide, "Supported engine versions"; the cfn-lint EngineVersion enums.
const KNOWN_VERSIONS: Record<CacheEngine, Record<string, KnownVersion>> = {
  [CacheEngine.VALKEY]: {
    '7.2': { family: 'valkey7' },
    '8.0': { family: 'valkey8' },
    '8.1': { family: 'valkey8' },
    '8.2': { family: 'valkey8' },
    '9.0': { family: 'valkey9' },
    '9.1': { family: 'valkey9' },
  },
  [CacheEngine.REDIS]: {
    '4.0.10': { family: 'redis4.0' },
    '5.0.6': { family: 'redis5.0' },
    '6.0': { family: 'redis6.x' },
    '6.2': { family: 'redis6.x' },
    '7.0': { family: 'redis7' },
    '7.1': { family: 'redis7' },
  },
};

/**
 * A Valkey or Redis OSS engine version, with what it supports.
 *
 * Use the static members, or `CacheEngineVersion.of()` for a version given as text.
 */
export class CacheEngineVersion {
  /** Valkey 7.2. */
  public static readonly VALKEY_7_2 = CacheEngineVersion.of(CacheEngine.VALKEY, '7.2');
  /** Valkey 8.0. */
  public static readonly VALKEY_8_0 = CacheEngineVersion.of(CacheEngine.VALKEY, '8.0');
  /** Valkey 8.1. */
  public static readonly VALKEY_8_1 = CacheEngineVersion.of(CacheEngine.VALKEY, '8.1');
  /** Valkey 8.2. */
  public static readonly VALKEY_8_2 = CacheEngineVersion.of(CacheEngine.VALKEY, '8.2');
  /** Valkey 9.0: the newest version that CloudFormation and cfn-lint accept today, and the default. */
  public static readonly VALKEY_9_0 = CacheEngineVersion.of(CacheEngine.VALKEY, '9.0');
  /**
   * Valkey 9.1.
   *
   * ElastiCache offers it; cfn-lint 1.51 does not list it yet and reports E3030 on templates
   * that use it.
   */
  public static readonly VALKEY_9_1 = CacheEngineVersion.of(CacheEngine.VALKEY, '9.1');
  /** Redis OSS 4.0.10 (in paid Extended Support since 2026-02-01). */
  public static readonly REDIS_4_0_10 = CacheEngineVersion.of(CacheEngine.REDIS, '4.0.10');
  /** Redis OSS 5.0.6 (in paid Extended Support since 2026-02-01). */
  public static readonly REDIS_5_0_6 = CacheEngineVersion.of(CacheEngine.REDIS, '5.0.6');
  /** Redis OSS 6.0. */
  public static readonly REDIS_6_0 = CacheEngineVersion.of(CacheEngine.REDIS, '6.0');
  /** Redis OSS 6.2. */
  public static readonly REDIS_6_2 = CacheEngineVersion.of(CacheEngine.REDIS, '6.2');
  /** Redis OSS 7.0. */
  public static readonly REDIS_7_0 = CacheEngineVersion.of(CacheEngine.REDIS, '7.0');
  /** Redis OSS 7.1. */
  public static readonly REDIS_7_1 = CacheEngineVersion.of(CacheEngine.REDIS, '7.1');

  /**
   * An engine version given as text, e.g. `CacheEngineVersion.of(CacheEngine.VALKEY, '8.1')`.
   *
   * A version the library does not know is rejected at synth unless its parameter group family
   * is given in `options`.
   */
  public static of(engine: CacheEngine, version: string, options: CacheEngineVersionOptions = {}): CacheEngineVersion {
    return new CacheEngineVersion(engine, version, options.parameterGroupFamily);
  }

  /** The engine. */
  public readonly engine: CacheEngine;
  /** The version, as ElastiCache spells it (`major.minor` from 6 on, `major.minor.patch` before). */
  public readonly version: string;
  /** The parameter group family, e.g. `valkey8` or `redis7`; empty for an unknown version. */
  public readonly parameterGroupFamily: string;
  /** True when the library lists this version (or its family was given). */
  public readonly isKnown: boolean;

  private readonly major: number;
  private readonly minor: number;

  private constructor(engine: CacheEngine, version: string, family?: string) {
    this.engine = engine;
    this.version = version;
    const known = KNOWN_VERSIONS[engine]?.[version];
    this.parameterGroupFamily = family ?? known?.family ?? '';
    this.isKnown = this.parameterGroupFamily !== '';
    const [major, minor] = version.split('.').map((p) => Number(p));
    this.major = Number.isFinite(major) ? major : 0;
    this.minor = Number.isFinite(minor) ? minor : 0;
  }

  /** The versions of the same engine that the library lists, oldest first. */
  public get knownVersions(): string[] {
    return Object.keys(KNOWN_VERSIONS[this.engine] ?? {});
  }

  /**
   * `TransitEncryptionMode` (preferred/required) is supported: every Valkey, Redis OSS 7.0.5+
   * (ElastiCache user guide, "Enabling in-transit encryption"). Older Redis OSS with TLS
   * behaves as "required".
   */
  public get supportsTransitEncryptionMode(): boolean {
    return this.engine === CacheEngine.VALKEY || this.atLeast(7, 0);
  }

  /** Slow-log delivery: Valkey 7+, Redis OSS 6.0+ (user guide, "Log delivery"). */
  public get supportsSlowLog(): boolean {
    return this.engine === CacheEngine.VALKEY || this.atLeast(6, 0);
  }

  /** Engine-log delivery: Valkey 7+, Redis OSS 6.2+ (user guide, "Log delivery"). */
  public get supportsEngineLog(): boolean {
    return this.engine === CacheEngine.VALKEY || this.atLeast(6, 2);
  }

  /** RBAC users and user groups: Valkey, Redis OSS 6.0+. */
  public get supportsRbac(): boolean {
    return this.engine === CacheEngine.VALKEY || this.atLeast(6, 0);
  }

  /** IAM authentication: Valkey 7.2+, Redis OSS 7.0+ (user guide, "Authenticating with IAM"). */
  public get supportsIamAuthentication(): boolean {
    return this.engine === CacheEngine.VALKEY ? this.atLeast(7, 2) : this.atLeast(7, 0);
  }

  /** Data tiering (r6gd nodes): Valkey, Redis OSS 6.2+. */
  public get supportsDataTiering(): boolean {
    return this.engine === CacheEngine.VALKEY || this.atLeast(6, 2);
  }

  /**
   * ElastiCache Serverless: Valkey 7.2+, Redis OSS 7.0+ (ElastiCache user guide, "Supported
   * engine versions" for serverless caches).
   */
  public get supportsServerless(): boolean {
    return this.engine === CacheEngine.VALKEY ? this.atLeast(7, 2) : this.atLeast(7, 0);
  }

  /** A readable name, e.g. `valkey 8.1`. */
  public toString(): string {
    return `${this.engine} ${this.version}`;
  }

  private atLeast(major: number, minor: number): boolean {
    return this.major > major || (this.major === major && this.minor >= minor);
  }
}
