import { budgetResetFromDuration, expiryFromDuration, setBudgetResetPolicy } from './durations-input';

describe('duration inputs', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  afterEach(() => setBudgetResetPolicy({}));

  it('should compute expiry exactly and clear it on null or "-1"', () => {
    expect(expiryFromDuration('1h', now)!.toISOString()).toBe('2026-03-10T13:00:00.000Z');
    expect(expiryFromDuration(null, now)).toBeNull();
    expect(expiryFromDuration('-1', now)).toBeNull();
    expect(expiryFromDuration(undefined, now)).toBeUndefined();
  });

  it('should reject bad durations with a 400 naming the field', () => {
    expect(() => expiryFromDuration('soon', now)).toThrow(
      expect.objectContaining({ status: 400, param: 'duration' }),
    );
    expect(() => budgetResetFromDuration('0d', now)).toThrow(
      expect.objectContaining({ status: 400, param: 'budget_duration' }),
    );
  });

  it('should align budget resets to the configured time zone and time of day', () => {
    expect(budgetResetFromDuration('1d', now)!.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    setBudgetResetPolicy({ timeZone: 'Asia/Kolkata', resetTime: '09:30' });
    // 12:00Z is 17:30 in Kolkata; the next 09:30 there is 04:00Z the next day.
    expect(budgetResetFromDuration('1d', now)!.toISOString()).toBe('2026-03-11T04:00:00.000Z');
  });
});
