import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/contract';
import { DISCONNECTED_MESSAGE, isConnectionFailure, plainMessage } from './errors';

describe('plainMessage', () => {
  it('turns a browser network failure into a plain sentence', () => {
    expect(plainMessage(new TypeError('Failed to fetch'))).toBe(DISCONNECTED_MESSAGE);
    expect(plainMessage(new TypeError('NetworkError when attempting to fetch resource.'))).toBe(DISCONNECTED_MESSAGE);
    expect(isConnectionFailure(new TypeError('Failed to fetch'))).toBe(true);
  });
  it('keeps the engine’s own messages', () => {
    const e = new ContractError('not_found', 'no photo with id 3');
    expect(plainMessage(e)).toBe('no photo with id 3');
    expect(isConnectionFailure(e)).toBe(false);
  });
  it('never shows an empty or raw value', () => {
    expect(plainMessage(undefined)).toBe('Something went wrong. Please try again.');
    expect(plainMessage(new Error(''))).toBe('Something went wrong. Please try again.');
  });
});
