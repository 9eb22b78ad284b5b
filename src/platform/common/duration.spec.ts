import {
  addDuration,
  durationToSeconds,
  InvalidDurationError,
  InvalidResetSettingsError,
  isValidDuration,
  nextResetAt,
  parseDuration,
  parseDurationAs,
  parseResetTime,
} from './duration';
import { isValidTimeZone } from './wall-clock';

/** nextResetAt as an ISO string, so a failure shows both instants. */
function reset(value: string, now: string, opts?: { timeZone?: string; resetTime?: string }): string {
  return nextResetAt(value, new Date(now), opts).toISOString();
}

function add(from: string, value: string): string {
  return addDuration(new Date(from), value).toISOString();
}

describe('parseDuration', () => {
  it.each([
    ['30s', 30, 's'],
    ['30m', 30, 'm'],
    ['6h', 6, 'h'],
    ['7d', 7, 'd'],
    ['2w', 2, 'w'],
    ['1mo', 1, 'mo'],
    ['12mo', 12, 'mo'],
    ['0d', 0, 'd'],
    ['007d', 7, 'd'],
  ])('should parse %s', (value, amount, unit) => {
    expect(parseDuration(value)).toEqual({ amount, unit });
  });

  it.each([
    ['hourly', 1, 'h'],
    ['daily', 24, 'h'],
    ['weekly', 7, 'd'],
    ['monthly', 30, 'd'],
    ['Monthly', 30, 'd'],
    [' DAILY ', 24, 'h'],
  ])('should read the alias %p as LiteLLM does', (value, amount, unit) => {
    expect(parseDuration(value)).toEqual({ amount, unit });
  });

  it('should ignore surrounding whitespace', () => {
    expect(parseDuration('  30d\t')).toEqual({ amount: 30, unit: 'd' });
  });

  it.each([
    '',
    '   ',
    '5',
    '-1d',
    '+1d',
    '1.5h',
    'abc',
    '5x',
    'd',
    'mo',
    '30D',
    '1M',
    '1 d',
    '1month',
    '10dd',
    '1e3s',
    '0x10s',
    'constructor',
    'toString',
  ])('should reject %p', (value) => {
    expect(() => parseDuration(value)).toThrow(InvalidDurationError);
  });

  it('should explain the expected format in the error', () => {
    expect(() => parseDuration('5x')).toThrow(
      'Invalid duration "5x": expected <integer><unit> with unit s, m, h, d, w or mo (e.g. "30d", "1mo"), ' +
        'or one of hourly, daily, weekly, monthly',
    );
  });

  it('should carry the rejected value on the error', () => {
    const error = captureError(() => parseDuration('-1d'));
    expect(error).toBeInstanceOf(InvalidDurationError);
    expect((error as InvalidDurationError).value).toBe('-1d');
    expect((error as InvalidDurationError).name).toBe('InvalidDurationError');
  });

  it.each([5, null, undefined, {}])('should reject the non-string %p', (value) => {
    expect(() => parseDuration(value as unknown as string)).toThrow(InvalidDurationError);
  });

  it.each(['36525d', '5217w', '876600h', '52596000m', '3155760000s', '1200mo'])(
    'should accept %s, the 100-year limit',
    (value) => {
      expect(() => parseDuration(value)).not.toThrow();
    },
  );

  it.each(['36526d', '5218w', '876601h', '52596001m', '3155760001s', '1201mo', '99999999999999999999999s'])(
    'should reject %s as longer than 100 years',
    (value) => {
      expect(() => parseDuration(value)).toThrow(
        `Invalid duration "${value}": longer than 100 years is not supported`,
      );
    },
  );

  it('should hand out alias results that callers cannot corrupt', () => {
    const first = parseDuration('daily') as { amount: number };
    first.amount = 99;
    expect(parseDuration('daily')).toEqual({ amount: 24, unit: 'h' });
  });
});

describe('isValidDuration', () => {
  it.each(['30s', '1mo', 'weekly', '0d'])('should accept %p', (value) => {
    expect(isValidDuration(value)).toBe(true);
  });

  it.each(['', '5', '-1d', '1.5h', 'abc', 42, null, undefined])('should reject %p', (value) => {
    expect(isValidDuration(value)).toBe(false);
  });
});

describe('parseDurationAs', () => {
  it.each([
    ['0d', 'expiry', true],
    ['0d', 'interval', false],
    ['0d', 'reset', false],
    ['2mo', 'expiry', true],
    ['2mo', 'interval', true],
    ['2mo', 'reset', false],
    ['1mo', 'reset', true],
    ['daily', 'reset', true],
    ['soon', 'expiry', false],
  ] as const)('should take %p as %s: %p', (value, rule, ok) => {
    expect(isValidDuration(value, rule)).toBe(ok);
    if (ok) expect(parseDurationAs(value, rule)).toEqual(parseDuration(value));
    else expect(() => parseDurationAs(value, rule)).toThrow(InvalidDurationError);
  });
});

describe('durationToSeconds', () => {
  it.each([
    ['30s', 30],
    ['30m', 1_800],
    ['2h', 7_200],
    ['1d', 86_400],
    ['1w', 604_800],
    ['1mo', 2_592_000],
    ['hourly', 3_600],
    ['daily', 86_400],
    ['weekly', 604_800],
    ['monthly', 2_592_000],
    ['0s', 0],
  ])('should give %s as %d seconds', (value, seconds) => {
    expect(durationToSeconds(value)).toBe(seconds);
  });

  it('should accept a parsed duration', () => {
    expect(durationToSeconds({ amount: 3, unit: 'h' })).toBe(10_800);
  });

  it.each([
    [{ amount: 1.5, unit: 'h' }],
    [{ amount: -1, unit: 'd' }],
    [{ amount: 1, unit: 'y' }],
    [{ amount: Number.NaN, unit: 's' }],
  ])('should reject the malformed duration %p', (value) => {
    expect(() => durationToSeconds(value as never)).toThrow(InvalidDurationError);
  });

  it('should reject a parsed duration over 100 years', () => {
    expect(() => durationToSeconds({ amount: 36_526, unit: 'd' })).toThrow(
      'Invalid duration "36526d": longer than 100 years is not supported',
    );
  });
});

describe('addDuration', () => {
  const from = '2024-01-15T10:20:30.123Z';

  it.each([
    ['90s', '2024-01-15T10:22:00.123Z'],
    ['45m', '2024-01-15T11:05:30.123Z'],
    ['2h', '2024-01-15T12:20:30.123Z'],
    ['30d', '2024-02-14T10:20:30.123Z'],
    ['1w', '2024-01-22T10:20:30.123Z'],
    ['1mo', '2024-02-15T10:20:30.123Z'],
    ['daily', '2024-01-16T10:20:30.123Z'],
    ['monthly', '2024-02-14T10:20:30.123Z'],
    ['0s', '2024-01-15T10:20:30.123Z'],
  ])('should add exactly %s', (value, expected) => {
    expect(add(from, value)).toBe(expected);
  });

  it('should clamp Jan 31 + 1mo to Feb 29 in a leap year', () => {
    expect(add('2024-01-31T08:00:00.000Z', '1mo')).toBe('2024-02-29T08:00:00.000Z');
  });

  it('should clamp Jan 31 + 1mo to Feb 28 in a common year', () => {
    expect(add('2023-01-31T08:00:00.000Z', '1mo')).toBe('2023-02-28T08:00:00.000Z');
  });

  it('should clamp Mar 31 + 1mo to Apr 30', () => {
    expect(add('2024-03-31T23:59:59.999Z', '1mo')).toBe('2024-04-30T23:59:59.999Z');
  });

  it('should carry months into the next year', () => {
    expect(add('2024-12-15T00:00:00.000Z', '13mo')).toBe('2026-01-15T00:00:00.000Z');
    expect(add('2023-10-31T12:00:00.000Z', '4mo')).toBe('2024-02-29T12:00:00.000Z');
    expect(add('2024-02-29T12:00:00.000Z', '12mo')).toBe('2025-02-28T12:00:00.000Z');
  });

  it('should not drift with the wall clock across a DST change (expiry is UTC)', () => {
    expect(add('2024-03-09T12:00:00.000Z', '1d')).toBe('2024-03-10T12:00:00.000Z');
  });

  it('should accept a parsed duration', () => {
    expect(addDuration(new Date(from), { amount: 2, unit: 'mo' }).toISOString()).toBe(
      '2024-03-15T10:20:30.123Z',
    );
  });

  it('should reach the 100-year limit without leaving the date range', () => {
    expect(add('2024-01-01T00:00:00.000Z', '1200mo')).toBe('2124-01-01T00:00:00.000Z');
    // 2100 is not a leap year, so 36 525 days from 2024 is one day past the anniversary.
    expect(add('2024-01-01T00:00:00.000Z', '36525d')).toBe('2124-01-02T00:00:00.000Z');
  });

  it('should reject an invalid duration', () => {
    expect(() => add(from, '1.5h')).toThrow(InvalidDurationError);
  });

  it('should reject an invalid start date', () => {
    expect(() => addDuration(new Date(Number.NaN), '1d')).toThrow(RangeError);
  });
});

describe('nextResetAt', () => {
  describe('days and weeks (UTC)', () => {
    it('should reset 1d at the next midnight', () => {
      expect(reset('1d', '2023-05-15T10:30:00.000Z')).toBe('2023-05-16T00:00:00.000Z');
    });

    it('should reset 1d at the following midnight when now is exactly midnight', () => {
      expect(reset('1d', '2023-05-16T00:00:00.000Z')).toBe('2023-05-17T00:00:00.000Z');
    });

    it.each(['7d', '1w', 'weekly'])('should reset %s on the next Monday', (value) => {
      // 2023-05-17 is a Wednesday.
      expect(reset(value, '2023-05-17T15:45:00.000Z')).toBe('2023-05-22T00:00:00.000Z');
    });

    it('should reset 7d a week later when now is Monday midnight', () => {
      expect(reset('7d', '2023-05-22T00:00:00.000Z')).toBe('2023-05-29T00:00:00.000Z');
    });

    it('should reset 7d a week later when now is Monday morning', () => {
      expect(reset('7d', '2023-05-15T10:30:00.000Z')).toBe('2023-05-22T00:00:00.000Z');
    });

    it('should reset 7d at the very next midnight late on a Sunday', () => {
      expect(reset('7d', '2023-05-21T23:59:59.999Z')).toBe('2023-05-22T00:00:00.000Z');
    });

    it.each(['30d', '1mo', 'monthly'])('should reset %s on the 1st of next month', (value) => {
      expect(reset(value, '2023-05-15T10:30:00.000Z')).toBe('2023-06-01T00:00:00.000Z');
    });

    it.each(['30d', '1mo'])('should reset %s on January 1st from December', (value) => {
      expect(reset(value, '2023-12-31T23:59:59.000Z')).toBe('2024-01-01T00:00:00.000Z');
    });

    it.each(['30d', '1mo'])('should reset %s a month later when now is the 1st at midnight', (value) => {
      expect(reset(value, '2023-06-01T00:00:00.000Z')).toBe('2023-07-01T00:00:00.000Z');
    });

    it('should reset 2d at today midnight + 2 days', () => {
      expect(reset('2d', '2023-05-15T10:30:00.000Z')).toBe('2023-05-17T00:00:00.000Z');
    });

    it('should reset 3d at today midnight + 3 days, even exactly at midnight', () => {
      expect(reset('3d', '2023-05-15T23:59:59.999Z')).toBe('2023-05-18T00:00:00.000Z');
      expect(reset('3d', '2023-05-15T00:00:00.000Z')).toBe('2023-05-18T00:00:00.000Z');
    });

    it('should reset 2w at today midnight + 14 days', () => {
      expect(reset('2w', '2023-05-17T15:45:00.000Z')).toBe('2023-05-31T00:00:00.000Z');
    });
  });

  describe('hours, minutes and seconds (UTC)', () => {
    it('should reset 6h at the next 6-hour boundary from midnight', () => {
      expect(reset('6h', '2023-05-15T13:05:00.000Z')).toBe('2023-05-15T18:00:00.000Z');
    });

    it('should reset 6h at the following boundary when now is on one', () => {
      expect(reset('6h', '2023-05-15T18:00:00.000Z')).toBe('2023-05-16T00:00:00.000Z');
      expect(reset('6h', '2023-05-15T00:00:00.000Z')).toBe('2023-05-15T06:00:00.000Z');
    });

    it.each(['1h', 'hourly'])('should reset %s at the top of the next hour', (value) => {
      expect(reset(value, '2023-05-15T15:20:30.000Z')).toBe('2023-05-15T16:00:00.000Z');
    });

    it('should reset 2h at the next even hour, and two hours on when exactly on one', () => {
      expect(reset('2h', '2023-05-15T15:20:30.000Z')).toBe('2023-05-15T16:00:00.000Z');
      expect(reset('2h', '2023-05-15T14:00:00.000Z')).toBe('2023-05-15T16:00:00.000Z');
    });

    it('should carry 5h past midnight as LiteLLM does', () => {
      expect(reset('5h', '2023-05-15T22:00:00.000Z')).toBe('2023-05-16T01:00:00.000Z');
    });

    it.each(['24h', 'daily'])('should reset %s at the next midnight', (value) => {
      expect(reset(value, '2023-05-15T10:30:00.000Z')).toBe('2023-05-16T00:00:00.000Z');
      expect(reset(value, '2023-05-16T00:00:00.000Z')).toBe('2023-05-17T00:00:00.000Z');
    });

    it('should count 48h from midnight rather than wrapping into the next day', () => {
      expect(reset('48h', '2023-05-15T10:30:00.000Z')).toBe('2023-05-17T00:00:00.000Z');
    });

    it('should reset 15m at the next quarter hour', () => {
      expect(reset('15m', '2023-05-15T15:20:30.000Z')).toBe('2023-05-15T15:30:00.000Z');
    });

    it('should reset 15m at the following quarter hour when now is on one', () => {
      expect(reset('15m', '2023-05-15T15:45:00.000Z')).toBe('2023-05-15T16:00:00.000Z');
      expect(reset('30m', '2023-05-15T14:30:00.000Z')).toBe('2023-05-15T15:00:00.000Z');
    });

    it('should roll 15m over midnight', () => {
      expect(reset('15m', '2023-05-15T23:50:00.000Z')).toBe('2023-05-16T00:00:00.000Z');
    });

    it('should align minutes from the top of the hour as LiteLLM does', () => {
      expect(reset('7m', '2023-05-15T10:58:00.000Z')).toBe('2023-05-15T11:03:00.000Z');
    });

    it('should reset 15s at the next 15-second mark', () => {
      expect(reset('15s', '2023-05-15T15:20:30.000Z')).toBe('2023-05-15T15:20:45.000Z');
      expect(reset('15s', '2023-05-15T15:20:44.999Z')).toBe('2023-05-15T15:20:45.000Z');
    });

    it('should roll 10s over midnight', () => {
      expect(reset('10s', '2023-05-15T23:59:55.000Z')).toBe('2023-05-16T00:00:00.000Z');
    });
  });

  it.each(['0s', '0m', '0h', '0d', '0w'])('should return now for %s', (value) => {
    expect(reset(value, '2023-05-15T10:30:15.250Z')).toBe('2023-05-15T10:30:15.250Z');
  });

  it('should accept a parsed duration', () => {
    expect(nextResetAt({ amount: 1, unit: 'd' }, new Date('2023-05-15T10:30:00.000Z')).toISOString()).toBe(
      '2023-05-16T00:00:00.000Z',
    );
  });

  describe('reset time of day', () => {
    const at0930 = { resetTime: '09:30' };

    it('should reset 1d later today when the reset time is still ahead', () => {
      expect(reset('1d', '2023-05-15T08:00:00.000Z', at0930)).toBe('2023-05-15T09:30:00.000Z');
    });

    it('should reset 1d tomorrow when now is exactly the reset time', () => {
      expect(reset('1d', '2023-05-15T09:30:00.000Z', at0930)).toBe('2023-05-16T09:30:00.000Z');
    });

    it('should reset 1d tomorrow once the reset time has passed', () => {
      expect(reset('1d', '2023-05-15T10:00:00.000Z', at0930)).toBe('2023-05-16T09:30:00.000Z');
    });

    it('should reset 7d this Monday before the reset time, next Monday after it', () => {
      expect(reset('7d', '2023-05-15T08:00:00.000Z', at0930)).toBe('2023-05-15T09:30:00.000Z');
      expect(reset('7d', '2023-05-15T10:00:00.000Z', at0930)).toBe('2023-05-22T09:30:00.000Z');
    });

    it('should reset 1mo on this 1st before the reset time, next 1st after it', () => {
      expect(reset('1mo', '2023-06-01T08:00:00.000Z', at0930)).toBe('2023-06-01T09:30:00.000Z');
      expect(reset('30d', '2023-06-01T10:00:00.000Z', at0930)).toBe('2023-07-01T09:30:00.000Z');
    });

    it('should reset 3d at the reset time three days on', () => {
      expect(reset('3d', '2023-05-15T10:00:00.000Z', at0930)).toBe('2023-05-18T09:30:00.000Z');
    });

    it.each([
      ['6h', '2023-05-15T12:00:00.000Z'],
      ['24h', '2023-05-16T00:00:00.000Z'],
      ['daily', '2023-05-16T00:00:00.000Z'],
      ['15m', '2023-05-15T10:15:00.000Z'],
    ])('should ignore the reset time for %s', (value, expected) => {
      expect(reset(value, '2023-05-15T10:00:00.000Z', at0930)).toBe(expected);
    });

    it('should accept HH:MM:SS and a one-digit hour', () => {
      expect(reset('1d', '2023-05-15T10:00:00.000Z', { resetTime: '09:30:15' })).toBe(
        '2023-05-16T09:30:15.000Z',
      );
      expect(reset('1d', '2023-05-15T10:00:00.000Z', { resetTime: '9:05' })).toBe('2023-05-16T09:05:00.000Z');
    });

    it('should treat an empty reset time as midnight', () => {
      expect(reset('1d', '2023-05-15T10:00:00.000Z', { resetTime: '' })).toBe('2023-05-16T00:00:00.000Z');
    });
  });

  describe('time zones', () => {
    it('should reset 1d at midnight in America/New_York', () => {
      // 18:30 EDT on May 15.
      expect(reset('1d', '2023-05-15T22:30:00.000Z', { timeZone: 'America/New_York' })).toBe(
        '2023-05-16T04:00:00.000Z',
      );
    });

    it('should reset 1d at midnight in Asia/Kolkata', () => {
      // 04:00 IST on May 16, so the next midnight is May 17 IST.
      expect(reset('1d', '2023-05-15T22:30:00.000Z', { timeZone: 'Asia/Kolkata' })).toBe(
        '2023-05-16T18:30:00.000Z',
      );
    });

    it('should align hours to the local clock in Asia/Kolkata', () => {
      // 15:40 IST → 16:00 IST.
      expect(reset('1h', '2023-05-15T10:10:00.000Z', { timeZone: 'Asia/Kolkata' })).toBe(
        '2023-05-15T10:30:00.000Z',
      );
    });

    it('should reset 30d on the local 1st of next month in Asia/Kolkata', () => {
      // 00:30 IST on June 1 (still May 31 in UTC).
      expect(reset('30d', '2023-05-31T19:00:00.000Z', { timeZone: 'Asia/Kolkata' })).toBe(
        '2023-06-30T18:30:00.000Z',
      );
    });

    it('should apply the reset time on the local clock', () => {
      // 15:30 IST → 09:30 IST tomorrow.
      expect(reset('1d', '2023-05-15T10:00:00.000Z', { timeZone: 'Asia/Kolkata', resetTime: '09:30' })).toBe(
        '2023-05-16T04:00:00.000Z',
      );
    });

    it('should find the local Monday when it is already Monday in UTC', () => {
      // Sunday 22:00 EDT.
      expect(reset('7d', '2024-03-11T02:00:00.000Z', { timeZone: 'America/New_York' })).toBe(
        '2024-03-11T04:00:00.000Z',
      );
    });

    it('should use UTC when the zone is empty', () => {
      expect(reset('1d', '2023-05-15T22:30:00.000Z', { timeZone: '' })).toBe('2023-05-16T00:00:00.000Z');
    });

    describe('on the America/New_York spring-forward day (2024-03-10, 02:00 EST → 03:00 EDT)', () => {
      const ny = { timeZone: 'America/New_York' };

      it('should reset 1d at midnight EST on the day before', () => {
        expect(reset('1d', '2024-03-09T12:00:00.000Z', ny)).toBe('2024-03-10T05:00:00.000Z');
      });

      it('should reset 1d at midnight EDT after the 23-hour day', () => {
        expect(reset('1d', '2024-03-10T06:00:00.000Z', ny)).toBe('2024-03-11T04:00:00.000Z');
      });

      it('should move an hourly boundary in the skipped hour to 03:00 EDT', () => {
        // 01:30 EST; 02:00 does not exist.
        expect(reset('1h', '2024-03-10T06:30:00.000Z', ny)).toBe('2024-03-10T07:00:00.000Z');
        expect(reset('2h', '2024-03-10T06:30:00.000Z', ny)).toBe('2024-03-10T07:00:00.000Z');
      });

      it('should move a reset time in the skipped hour forward by the gap', () => {
        expect(reset('1d', '2024-03-10T05:00:00.000Z', { ...ny, resetTime: '02:30' })).toBe(
          '2024-03-10T07:30:00.000Z',
        );
      });
    });

    describe('on the America/New_York fall-back day (2024-11-03, 02:00 EDT → 01:00 EST)', () => {
      const ny = { timeZone: 'America/New_York' };

      it('should reset 1d at midnight EST after the 25-hour day', () => {
        expect(reset('1d', '2024-11-03T04:30:00.000Z', ny)).toBe('2024-11-04T05:00:00.000Z');
      });

      it('should pick the first 01:00 when coming from before the repeated hour', () => {
        expect(reset('1h', '2024-11-03T04:30:00.000Z', ny)).toBe('2024-11-03T05:00:00.000Z');
      });

      it('should follow the wall clock from the first 01:30 to 02:00 EST', () => {
        expect(reset('1h', '2024-11-03T05:30:00.000Z', ny)).toBe('2024-11-03T07:00:00.000Z');
      });

      it('should stay strictly after now during the second pass of the repeated hour', () => {
        // 01:10 EST (second pass): the next quarter hour is 01:15 EST, not the earlier 01:15 EDT.
        expect(reset('15m', '2024-11-03T06:10:00.000Z', ny)).toBe('2024-11-03T06:15:00.000Z');
      });
    });
  });

  describe('invalid input', () => {
    it.each(['2mo', '0mo', '12mo'])('should refuse %s, as LiteLLM only resets monthly', (value) => {
      expect(() => reset(value, '2023-05-15T10:30:00.000Z')).toThrow(InvalidDurationError);
      expect(() => reset(value, '2023-05-15T10:30:00.000Z')).toThrow(
        'Monthly resets currently only support 1 month intervals',
      );
    });

    it.each(['', '5', '-1d', '1.5h', 'abc', '5x'])(
      'should throw for %p instead of falling back to midnight',
      (value) => {
        expect(() => reset(value, '2023-05-15T10:30:00.000Z')).toThrow(InvalidDurationError);
      },
    );

    it('should reject an unknown time zone', () => {
      expect(() => reset('1d', '2023-05-15T10:30:00.000Z', { timeZone: 'Mars/Olympus_Mons' })).toThrow(
        new InvalidResetSettingsError(
          'Invalid timezone "Mars/Olympus_Mons": expected an IANA time zone name such as "UTC", ' +
            '"America/New_York" or "Asia/Kolkata"',
        ),
      );
    });

    it('should reject an impossible reset time', () => {
      expect(() => reset('1d', '2023-05-15T10:30:00.000Z', { resetTime: '25:00' })).toThrow(
        new InvalidResetSettingsError(
          'Invalid budget_reset_time "25:00": expected a 24-hour "HH:MM" or "HH:MM:SS" time, e.g. "09:30"',
        ),
      );
    });

    it('should reject an invalid now', () => {
      expect(() => nextResetAt('1d', new Date(Number.NaN))).toThrow(RangeError);
    });
  });
});

describe('parseResetTime', () => {
  it.each([
    ['00:00', 0, 0, 0],
    ['09:30', 9, 30, 0],
    ['23:59:59', 23, 59, 59],
    ['7:05', 7, 5, 0],
  ])('should parse %p', (value, hour, minute, second) => {
    expect(parseResetTime(value)).toEqual({ hour, minute, second });
  });

  it.each([
    '25:00',
    '24:00',
    '12:60',
    '12:00:60',
    'noon',
    '12',
    '-1:00',
    ' 09:30',
    '09:30 ',
    '9.30',
    '123:00',
  ])('should reject %p', (value) => {
    expect(() => parseResetTime(value)).toThrow(InvalidResetSettingsError);
  });
});

describe('isValidTimeZone', () => {
  it.each(['UTC', 'America/New_York', 'Asia/Kolkata', 'Europe/London'])('should accept %p', (value) => {
    expect(isValidTimeZone(value)).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', 'Not/AZone', ''])('should reject %p', (value) => {
    expect(isValidTimeZone(value)).toBe(false);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
