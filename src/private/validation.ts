import { Token } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';

/**
 * Collects the synth-time errors of one construct and throws them together, so that a user
 * sees every problem of a configuration at once. Each message names the construct path, the
 * offending value and the fix.
 */
export class PropsValidator {
  private readonly errors: string[] = [];

  constructor(private readonly scope: IConstruct) {}

  /** Records `message` when `condition` is true. */
  public check(condition: boolean, message: string): void {
    if (condition) {
      this.errors.push(message);
    }
  }

  /** Checks an integer range, skipping unresolved tokens. */
  public integerInRange(name: string, value: number | undefined, min: number, max: number, fix: string): void {
    if (value === undefined || Token.isUnresolved(value)) {
      return;
    }
    this.check(!Number.isInteger(value) || value < min || value > max,
      `${name} must be an integer from ${min} to ${max}, got ${quote(value)}. ${fix}`);
  }

  /** Throws one error that lists every recorded problem. */
  public throwIfInvalid(): void {
    if (this.errors.length === 0) {
      return;
    }
    const path = this.scope.node.path;
    const list = this.errors.map((e) => `  - ${e}`).join('\n');
    throw new Error(`[${path}] invalid configuration:\n${list}`);
  }
}

/** True when a string is a literal (not a token). */
export function isLiteral(value: string | undefined): value is string {
  return value !== undefined && !Token.isUnresolved(value);
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A parsed weekly window: minutes since Sunday 00:00 UTC. */
export interface WeeklyRange {
  readonly start: number;
  readonly end: number;
}

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

function parseTime(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/**
 * Parses a daily window `hh24:mi-hh24:mi` (ElastiCache `SnapshotWindow`, UTC).
 * Returns the start and end in minutes since midnight, or undefined when malformed.
 */
export function parseDailyWindow(window: string): { start: number; end: number } | undefined {
  const parts = window.split('-');
  if (parts.length !== 2) return undefined;
  const start = parseTime(parts[0]);
  const end = parseTime(parts[1]);
  if (start === undefined || end === undefined) return undefined;
  return { start, end };
}

/**
 * Parses a weekly window `ddd:hh24:mi-ddd:hh24:mi` (ElastiCache `PreferredMaintenanceWindow`, UTC).
 */
export function parseWeeklyWindow(window: string): WeeklyRange | undefined {
  const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(window.toLowerCase());
  if (!m) return undefined;
  const startDay = DAYS.indexOf(m[1]);
  const endDay = DAYS.indexOf(m[3]);
  const startTime = parseTime(m[2]);
  const endTime = parseTime(m[4]);
  if (startDay < 0 || endDay < 0 || startTime === undefined || endTime === undefined) return undefined;
  return { start: startDay * MINUTES_PER_DAY + startTime, end: endDay * MINUTES_PER_DAY + endTime };
}

/** Length of a range in minutes, wrapping over the end of the period. */
export function rangeLength(start: number, end: number, period: number): number {
  return ((end - start) % period + period) % period;
}

/** The minutes of the week that a range covers, as [start, end) intervals that do not wrap. */
function weekIntervals(start: number, end: number): Array<[number, number]> {
  const length = rangeLength(start, end, MINUTES_PER_WEEK);
  const s = start % MINUTES_PER_WEEK;
  if (s + length <= MINUTES_PER_WEEK) return [[s, s + length]];
  return [[s, MINUTES_PER_WEEK], [0, s + length - MINUTES_PER_WEEK]];
}

/** True when a daily window (repeated every day) overlaps a weekly window. */
export function dailyOverlapsWeekly(daily: { start: number; end: number }, weekly: WeeklyRange): boolean {
  const dailyLength = rangeLength(daily.start, daily.end, MINUTES_PER_DAY);
  const weeklyIntervals = weekIntervals(weekly.start, weekly.end);
  for (let day = 0; day < 7; day++) {
    for (const [ds, de] of weekIntervals(day * MINUTES_PER_DAY + daily.start, day * MINUTES_PER_DAY + daily.start + dailyLength)) {
      for (const [ws, we] of weeklyIntervals) {
        if (ds < we && ws < de) return true;
      }
    }
  }
  return false;
}

export const WEEK_MINUTES = MINUTES_PER_WEEK;
export const DAY_MINUTES = MINUTES_PER_DAY;

/**
 * Checks a weekly maintenance window: `ddd:hh24:mi-ddd:hh24:mi` in UTC, at least 60 minutes
 * (ModifyReplicationGroup / ModifyCacheCluster API reference, PreferredMaintenanceWindow).
 */
export function validateMaintenanceWindow(v: PropsValidator, window: string): WeeklyRange | undefined {
  if (!isLiteral(window)) return undefined;
  const weekly = parseWeeklyWindow(window);
  v.check(!weekly, `maintenanceWindow ${quote(window)} is not of the form ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. "sun:05:00-sun:06:00".`);
  v.check(!!weekly && rangeLength(weekly.start, weekly.end, MINUTES_PER_WEEK) < 60,
    `maintenanceWindow ${quote(window)} is shorter than the 60 minutes ElastiCache requires.`);
  return weekly;
}

/**
 * ElastiCache cannot publish events to a KMS-encrypted topic: the topic shows as inactive and
 * nothing arrives (ElastiCache user guide, "Event Notifications and Amazon SNS").
 */
export function validateEventTopic(v: PropsValidator, topic: sns.ITopic | undefined): void {
  v.check(topic instanceof sns.Topic && topic.masterKey !== undefined,
    `notificationTopic ${topic?.node.path} is encrypted with KMS, but ElastiCache cannot publish events to an encrypted topic. `
    + 'Give an unencrypted topic (its access policy must use aws:SourceOwner) for events, and the encrypted one to addRecommendedAlarms({ alarmTopic }).');
}

/** A user value as it appears in messages: quoted, with spaces and newlines visible. */
export function quote(value: unknown): string {
  // JSON has no NaN or Infinity: JSON.stringify would print them as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * A description that ElastiCache stores: not empty or blank (CreateReplicationGroup requires
 * `ReplicationGroupDescription`; the Terraform provider refuses an empty `description` for the
 * same reason).
 */
export function validateDescription(v: PropsValidator, name: string, description: string | undefined): void {
  if (!isLiteral(description)) return;
  v.check(description.trim().length === 0,
    `${name} ${quote(description)} is empty. ElastiCache requires a description: give one, or leave ${name} unset for the construct path.`);
}

/**
 * The retention periods CloudWatch Logs has (PutRetentionPolicy API reference, and the
 * `RetentionInDays` enum of the AWS::Logs::LogGroup schema); 9999 is CDK's RetentionDays.INFINITE,
 * which leaves the property out.
 */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999];

/** Checks a log retention against the values CloudWatch Logs has (JavaScript and Python do not check enums). */
export function validateLogRetention(v: PropsValidator, name: string, days: number | undefined): void {
  if (days === undefined || Token.isUnresolved(days)) return;
  v.check(!LOG_RETENTION_DAYS.includes(days),
    `${name} is ${quote(days)} days, which CloudWatch Logs does not offer. Use a logs.RetentionDays value, e.g. logs.RetentionDays.ONE_YEAR (365).`);
}

/**
 * Secrets Manager names: 1 to 512 ASCII letters, digits and `/_+=.@-` (CreateSecret API reference, Name).
 */
export function validateSecretName(v: PropsValidator, name: string, secretName: string | undefined): void {
  if (!isLiteral(secretName)) return;
  v.check(secretName.length < 1 || secretName.length > 512,
    `${name} ${quote(secretName)} has ${secretName.length} characters; Secrets Manager allows 1 to 512.`);
  const bad = [...new Set([...secretName].filter((c) => !/[A-Za-z0-9/_+=.@-]/.test(c)))];
  v.check(bad.length > 0,
    `${name} ${quote(secretName)} contains ${bad.map((c) => quote(c)).join(', ')}, which Secrets Manager refuses in names. Use letters, digits and /_+=.@- only, e.g. "prod/cache/auth-token".`);
}

/**
 * The parameter group family of an engine version, derived the way ElastiCache names them
 * (CreateCacheParameterGroup API reference, CacheParameterGroupFamily: memcached1.4 | memcached1.5
 * | memcached1.6 | redis2.6 | redis2.8 | redis3.2 | redis4.0 | redis5.0 | redis6.x | redis7 |
 * valkey7 | valkey8): `valkey<major>`, `redis<major>` from 7, `redis6.x`, `redis<major>.<minor>`
 * before 6, `memcached<major>.<minor>`. Undefined for a version that is not dotted numbers.
 */
export function expectedParameterGroupFamily(engine: string, version: string): string | undefined {
  const m = /^(\d+)\.(\d+)(\.\d+)?$/.exec(version);
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (engine === 'valkey') return `valkey${major}`;
  if (engine === 'memcached') return `memcached${major}.${minor}`;
  if (major >= 7) return `redis${major}`;
  if (major === 6) return 'redis6.x';
  return `redis${major}.${minor}`;
}

/**
 * Checks the text of an engine version and its parameter group family: Valkey and Redis OSS 6+
 * spell versions `major.minor`, Redis OSS before 6 and Memcached `major.minor.patch` (ElastiCache
 * user guide, "Supported engine versions"); the family must be the engine's own.
 */
export function validateEngineVersionText(v: PropsValidator, engine: string, version: string, family: string): void {
  if (!isLiteral(version) || !isLiteral(family)) return;
  const expected = expectedParameterGroupFamily(engine, version);
  v.check(expected === undefined,
    `engineVersion ${quote(version)} is not a ${engine} version: versions are dotted numbers such as ${engine === 'memcached' ? '"1.6.22"' : '"8.1"'}.`);
  v.check(expected !== undefined && family !== '' && family !== expected,
    `the parameter group family ${quote(family)} of engineVersion ${quote(`${engine} ${version}`)} disagrees with the engine, whose family is ${quote(expected)}. `
    + `Give parameterGroupFamily: ${quote(expected)}, or leave it out for a version the library knows.`);
}
