import { Duration, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { PropsValidator, quote } from './validation';
import type { CacheUsageLimits } from '../secure-serverless-cache';

/**
 * The backup retention of a serverless cache, in days: whole days from 1 to 35
 * (CreateServerlessCache API reference, SnapshotRetentionLimit).
 */
export function validateServerlessRetention(v: PropsValidator, retention: Duration): number {
  // A token would otherwise be replaced by the default of 15 days, unseen.
  v.check(retention.isUnresolved(),
    'backupRetention comes from a token, but the construct needs the number of days at synth (SnapshotRetentionLimit). Give a literal Duration.days(n).');
  if (retention.isUnresolved()) return 15;
  const days = retention.toHours({ integral: false }) / 24;
  v.check(!Number.isInteger(days) || days < 1 || days > 35,
    `backupRetention must be whole days from 1 to 35 on serverless, got ${quote(retention.toHumanString())}.`);
  return days;
}

/** The usage limits in the units ElastiCache takes: GB of data, ECPUs per second. */
export interface UsageLimitNumbers {
  readonly minDataStorageGb?: number;
  readonly maxDataStorageGb?: number;
  readonly minEcpuPerSecond?: number;
  readonly maxEcpuPerSecond?: number;
}

/**
 * A `Size` in GB, as ElastiCache's `Unit: GB` takes it: the number of gibibytes, as the alpha
 * module converts it. A size from a token converts only when it is in gibibytes.
 */
function gigabytes(v: PropsValidator, field: string, size: Size | undefined): number | undefined {
  if (size === undefined) return undefined;
  try {
    return size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    v.check(true, `cacheUsageLimits.${field} comes from a token in another unit than gibibytes. Give Size.gibibytes(n).`);
    return undefined;
  }
}

/**
 * Checks the usage limits and returns them as numbers: data storage 1 to 5,000 GB, 1,000 to
 * 15,000,000 ECPUs per second, each minimum at most its maximum (ElastiCache user guide, "Setting
 * scaling limits to manage costs"). The maximums must be known at synth: the usage alarms fire at
 * 75% of them.
 */
export function validateUsageLimits(v: PropsValidator, limits: CacheUsageLimits | undefined): UsageLimitNumbers {
  const prop = (field: string) => `cacheUsageLimits.${field}`;
  const storage = { dataStorageMinimumSize: 0, dataStorageMaximumSize: 0 } as Record<string, number | undefined>;
  for (const [field, size] of [['dataStorageMinimumSize', limits?.dataStorageMinimumSize], ['dataStorageMaximumSize', limits?.dataStorageMaximumSize]] as const) {
    const gb = gigabytes(v, field, size);
    storage[field] = gb;
    v.check(gb !== undefined && !Token.isUnresolved(gb) && (!Number.isInteger(gb) || gb < 1 || gb > 5000),
      `${prop(field)} must be whole gibibytes from 1 to 5,000 (ElastiCache's GB), got ${gb} GiB. `
      + 'Give Size.gibibytes(n) with n from 1 to 5000.');
  }
  v.integerInRange(prop('requestRateLimitMinimum'), limits?.requestRateLimitMinimum, 1000, 15_000_000, 'ElastiCache Serverless allows 1,000 to 15,000,000 ECPUs per second.');
  v.integerInRange(prop('requestRateLimitMaximum'), limits?.requestRateLimitMaximum, 1000, 15_000_000, 'ElastiCache Serverless allows 1,000 to 15,000,000 ECPUs per second.');
  // The usage alarms fire at 75% of a limit, which CloudFormation cannot compute from a token.
  v.check(limits?.dataStorageMaximumSize !== undefined && limits.dataStorageMaximumSize.isUnresolved(),
    `${prop('dataStorageMaximumSize')} comes from a token, but its alarm threshold (75% of the limit) must be computed at synth. Give Size.gibibytes(n).`);
  v.check(limits?.requestRateLimitMaximum !== undefined && Token.isUnresolved(limits.requestRateLimitMaximum),
    `${prop('requestRateLimitMaximum')} comes from a token, but its alarm threshold (75% of the limit) must be computed at synth. Give a number.`);
  const numbers: UsageLimitNumbers = {
    minDataStorageGb: storage.dataStorageMinimumSize,
    maxDataStorageGb: storage.dataStorageMaximumSize,
    minEcpuPerSecond: limits?.requestRateLimitMinimum,
    maxEcpuPerSecond: limits?.requestRateLimitMaximum,
  };
  for (const [min, max, minValue, maxValue] of [
    ['dataStorageMinimumSize', 'dataStorageMaximumSize', numbers.minDataStorageGb, numbers.maxDataStorageGb],
    ['requestRateLimitMinimum', 'requestRateLimitMaximum', numbers.minEcpuPerSecond, numbers.maxEcpuPerSecond],
  ] as const) {
    v.check(minValue !== undefined && maxValue !== undefined && !Token.isUnresolved(minValue) && !Token.isUnresolved(maxValue) && minValue > maxValue,
      `${prop(min)} ${quote(minValue)} is above ${prop(max)} ${quote(maxValue)}. Give a minimum at most the maximum.`);
  }
  return numbers;
}

/** The `CacheUsageLimits` of the CloudFormation resource, or nothing when no limit is set. */
export function renderUsageLimits(n: UsageLimitNumbers): elasticache.CfnServerlessCache.CacheUsageLimitsProperty | undefined {
  const dataStorage = n.maxDataStorageGb !== undefined || n.minDataStorageGb !== undefined
    ? { maximum: n.maxDataStorageGb, minimum: n.minDataStorageGb, unit: 'GB' } : undefined;
  const ecpuPerSecond = n.maxEcpuPerSecond !== undefined || n.minEcpuPerSecond !== undefined
    ? { maximum: n.maxEcpuPerSecond, minimum: n.minEcpuPerSecond } : undefined;
  return dataStorage || ecpuPerSecond ? { dataStorage, ecpuPerSecond } : undefined;
}
