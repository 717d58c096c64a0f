import { describe, expect, it } from 'vitest';
import { dayTitle, formatDate, monthTitle, percent } from './format';

describe('percent', () => {
  it('rounds down, so a photo under a 10 % threshold never shows as "10%"', () => {
    expect(percent(0.096)).toBe('9%');
    expect(percent(0.0999)).toBe('9%');
    expect(percent(0.1)).toBe('10%');
  });
  it('is not fooled by binary fractions', () => {
    expect(percent(0.29)).toBe('29%');
    expect(percent(0.57)).toBe('57%');
    expect(percent(1)).toBe('100%');
    expect(percent(0)).toBe('0%');
  });
});

describe('formatDate', () => {
  it('says "No date" for a photo without one, as the By date view does', () => {
    expect(formatDate(null)).toBe('No date');
  });
});

describe('monthTitle', () => {
  it('names a By date month heading in full, whatever the time zone of the machine', () => {
    expect(monthTitle('2021-11')).toBe('November 2021');
    expect(monthTitle('2003-01')).toBe('January 2003');
    expect(monthTitle('1999-12')).toBe('December 1999');
  });
});

describe('dayTitle', () => {
  it('names a By date day heading with its weekday, day and month, whatever the time zone of the machine', () => {
    expect(dayTitle('2025-06', 14)).toBe('Sat 14 June');
    expect(dayTitle('2021-11', 1)).toBe('Mon 1 November');
    expect(dayTitle('2000-02', 29)).toBe('Tue 29 February');
  });
});
