/**
 * Options for a Memcached version that this library does not list yet.
 */
export interface MemcachedEngineVersionOptions {
  /**
   * The parameter group family of the version, e.g. `memcached1.6`.
   *
   * @default - derived for versions the library knows; an unknown version without a family is
   * rejected at synth
   */
  readonly parameterGroupFamily?: string;
}

// ElastiCache user guide, "Supported Memcached versions"; the cfn-lint EngineVersion enum.
const KNOWN_MEMCACHED_VERSIONS: Record<string, string> = {
  '1.4.5': 'memcached1.4',
  '1.4.14': 'memcached1.4',
  '1.4.24': 'memcached1.4',
  '1.4.33': 'memcached1.4',
  '1.4.34': 'memcached1.4',
  '1.5.10': 'memcached1.5',
  '1.5.16': 'memcached1.5',
  '1.6.6': 'memcached1.6',
  '1.6.12': 'memcached1.6',
  '1.6.17': 'memcached1.6',
  '1.6.22': 'memcached1.6',
};

/**
 * A Memcached engine version.
 */
export class MemcachedEngineVersion {
  /** Memcached 1.5.16. */
  public static readonly VER_1_5_16 = MemcachedEngineVersion.of('1.5.16');
  /** Memcached 1.6.6. */
  public static readonly VER_1_6_6 = MemcachedEngineVersion.of('1.6.6');
  /** Memcached 1.6.12: the first with TLS. */
  public static readonly VER_1_6_12 = MemcachedEngineVersion.of('1.6.12');
  /** Memcached 1.6.17. */
  public static readonly VER_1_6_17 = MemcachedEngineVersion.of('1.6.17');
  /** Memcached 1.6.22: the newest, and the default. */
  public static readonly VER_1_6_22 = MemcachedEngineVersion.of('1.6.22');

  /**
   * A version given as text, e.g. `MemcachedEngineVersion.of('1.6.22')`.
   */
  public static of(version: string, options: MemcachedEngineVersionOptions = {}): MemcachedEngineVersion {
    return new MemcachedEngineVersion(version, options.parameterGroupFamily);
  }

  /** The version, `major.minor.patch`. */
  public readonly version: string;
  /** The parameter group family, e.g. `memcached1.6`; empty for an unknown version. */
  public readonly parameterGroupFamily: string;
  /** True when the library lists this version (or its family was given). */
  public readonly isKnown: boolean;

  private readonly parts: number[];

  private constructor(version: string, family?: string) {
    this.version = version;
    this.parameterGroupFamily = family ?? KNOWN_MEMCACHED_VERSIONS[version] ?? '';
    this.isKnown = this.parameterGroupFamily !== '';
    this.parts = version.split('.').map((p) => Number(p) || 0);
  }

  /** The versions the library lists. */
  public get knownVersions(): string[] {
    return Object.keys(KNOWN_MEMCACHED_VERSIONS);
  }

  /** TLS in transit: Memcached 1.6.12+ (user guide, "In-transit encryption for Memcached"). */
  public get supportsTls(): boolean {
    const [major, minor, patch] = [this.parts[0] ?? 0, this.parts[1] ?? 0, this.parts[2] ?? 0];
    return major > 1 || (major === 1 && (minor > 6 || (minor === 6 && patch >= 12)));
  }

  /** A readable name, e.g. `memcached 1.6.22`. */
  public toString(): string {
    return `memcached ${this.version}`;
  }
}
