import { describe, expect, it } from 'vitest';
import { formatDate, percent } from './format';

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
