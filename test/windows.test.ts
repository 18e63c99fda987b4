import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { newStack } from './fixtures';
import {
  DAY_MINUTES, dailyOverlapsWeekly, isLiteral, parseDailyWindow, parseWeeklyWindow, PropsValidator, rangeLength, WEEK_MINUTES,
} from '../src/private/validation';

const SUN = 0;
const MON = 1;
const WED = 3;
const SAT = 6;

/** Minutes since Sunday 00:00 of `day` at `hh:mm`. */
function at(day: number, hh: number, mm = 0): number {
  return day * DAY_MINUTES + hh * 60 + mm;
}

describe('parseDailyWindow', () => {
  test.each([
    ['03:00-04:00', 180, 240],
    ['00:00-23:59', 0, 1439],
    ['23:30-00:30', 1410, 30],
    ['22:00-23:30', 1320, 1410],
  ])('%s is minutes %d to %d', (window, start, end) => {
    expect(parseDailyWindow(window)).toEqual({ start, end });
  });

  test.each([
    '3:00-04:00',
    '03:00-4:00',
    '24:00-01:00',
    '03:60-04:00',
    '03:00',
    '03:00-04:00-05:00',
    '03:00 - 04:00',
    'sun:03:00-sun:04:00',
    '',
  ])('%p is malformed', (window) => {
    expect(parseDailyWindow(window)).toBeUndefined();
  });
});

describe('parseWeeklyWindow', () => {
  test.each([
    ['sun:05:00-sun:06:00', at(SUN, 5), at(SUN, 6)],
    ['mon:00:00-mon:01:00', at(MON, 0), at(MON, 1)],
    ['sat:23:30-sun:00:30', at(SAT, 23, 30), at(SUN, 0, 30)],
    ['Wed:10:15-WED:11:15', at(WED, 10, 15), at(WED, 11, 15)],
  ])('%s is minutes %d to %d of the week', (window, start, end) => {
    expect(parseWeeklyWindow(window)).toEqual({ start, end });
  });

  test.each([
    'sunday:05:00-sunday:06:00',
    'sun:5:00-sun:06:00',
    'sun:24:00-mon:01:00',
    'sun:05:00-sun:05:60',
    'xyz:05:00-sun:06:00',
    'sun:05:00',
    '05:00-06:00',
    '',
  ])('%p is malformed', (window) => {
    expect(parseWeeklyWindow(window)).toBeUndefined();
  });
});

describe('rangeLength', () => {
  test.each([
    [180, 240, DAY_MINUTES, 60],
    [1410, 30, DAY_MINUTES, 60],
    [240, 180, DAY_MINUTES, DAY_MINUTES - 60],
    [300, 300, DAY_MINUTES, 0],
    [at(SAT, 23, 30), at(SUN, 0, 30), WEEK_MINUTES, 60],
    [at(SUN, 5), at(SUN, 6), WEEK_MINUTES, 60],
    [at(MON, 5), at(SUN, 5), WEEK_MINUTES, 6 * DAY_MINUTES],
  ])('from %d to %d in a period of %d is %d minutes', (start, end, period, length) => {
    expect(rangeLength(start, end, period)).toBe(length);
  });
});

describe('dailyOverlapsWeekly', () => {
  test.each([
    ['03:00-04:00', 'sun:05:00-sun:06:00', false],
    ['03:00-04:00', 'mon:03:30-mon:04:30', true],
    ['03:00-04:00', 'mon:02:00-mon:03:01', true],
    ['03:00-04:00', 'tue:04:00-tue:05:00', false],
    ['03:00-04:00', 'tue:02:00-tue:03:00', false],
    ['03:00-04:00', 'sat:02:00-sat:05:00', true],
    ['03:00-04:00', 'sat:03:15-sat:03:45', true],
    // The daily window wraps past midnight.
    ['23:30-00:30', 'wed:00:00-wed:01:00', true],
    ['23:30-00:30', 'wed:23:00-wed:23:31', true],
    ['23:30-00:30', 'wed:00:30-wed:01:30', false],
    // The weekly window wraps past the end of the week.
    ['00:00-01:00', 'sat:23:30-sun:00:30', true],
    ['12:00-13:00', 'sat:23:30-sun:00:30', false],
    // Both wrap: Saturday's snapshot runs into Sunday.
    ['23:30-00:30', 'sat:23:45-sun:00:45', true],
    // A long maintenance window spanning days.
    ['03:00-04:00', 'mon:22:00-tue:02:59', false],
    ['03:00-04:00', 'mon:22:00-tue:03:01', true],
  ])('%s and %s overlap: %s', (daily, weekly, overlap) => {
    expect(dailyOverlapsWeekly(parseDailyWindow(daily)!, parseWeeklyWindow(weekly)!)).toBe(overlap);
  });
});

describe('isLiteral', () => {
  test.each([
    ['a string', 'sun:05:00-sun:06:00', true],
    ['an empty string', '', true],
    ['undefined', undefined, false],
    ['a token', Token.asString({ Ref: 'Window' }), false],
    ['a string with a token inside', `sun:${Token.asString({ Ref: 'Hour' })}-sun:06:00`, false],
  ])('%s: %p', (_, value, literal) => {
    expect(isLiteral(value)).toBe(literal);
  });
});

describe('PropsValidator', () => {
  function validator(): PropsValidator {
    const { stack } = newStack();
    return new PropsValidator(new Construct(stack, 'Thing'));
  }

  test('does not throw without errors', () => {
    const v = validator();
    v.check(false, 'never');

    expect(() => v.throwIfInvalid()).not.toThrow();
  });

  test('throws every recorded error under the construct path', () => {
    const v = validator();
    v.check(true, 'first problem.');
    v.check(false, 'not a problem.');
    v.check(true, 'second problem.');

    expect(() => v.throwIfInvalid()).toThrow(/^\[TestStack\/Thing\] invalid configuration:\n {2}- first problem\.\n {2}- second problem\.$/);
  });

  test.each([
    [0, false],
    [5, false],
    [-1, true],
    [6, true],
    [2.5, true],
    [Number.NaN, true],
    [undefined, false],
    [Token.asNumber({ Ref: 'Count' }), false],
  ])('integerInRange 0..5 rejects %p: %s', (value, rejected) => {
    const v = validator();
    v.integerInRange('count', value, 0, 5, 'Pick another.');

    if (rejected) {
      expect(() => v.throwIfInvalid()).toThrow(new RegExp(`count must be an integer from 0 to 5, got ${value}\\. Pick another\\.`));
    } else {
      expect(() => v.throwIfInvalid()).not.toThrow();
    }
  });
});
