import { describe, expect, it } from 'vitest';
import { ContractError } from './contract.js';
import { isCommand, parseRequest, requestSchemas } from './requests.js';

describe('contract validation', () => {
  it('accepts a valid request and fills defaults', () => {
    expect(parseRequest('photos.list', {})).toEqual({ order: 'date', scene: null, folderId: null, status: null, dated: null, offset: 0, limit: 500 });
    expect(parseRequest('search.run', { q: 'beach', limit: 10 })).toEqual({ q: 'beach', offset: 0, limit: 10 });
  });

  it('answers bad input with a typed error naming each field', () => {
    try {
      parseRequest('photos.get', { id: -3 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ContractError);
      expect((e as ContractError).code).toBe('invalid_request');
      expect((e as ContractError).issues?.[0]?.path).toBe('id');
    }
    expect(() => parseRequest('photos.get', { id: '1' })).toThrow(/id/);
    expect(() => parseRequest('photos.get', { id: 1, extra: true })).toThrow(/extra|Unrecognized/i);
    expect(() => parseRequest('photos.list', { limit: 1e9 })).toThrow(/limit/);
    expect(() => parseRequest('folders.add', { path: '' })).toThrow(/path/);
    expect(() => parseRequest('model.fetch', { name: 'resnet' })).toThrow(/name/);
    expect(() => parseRequest('app.info', null)).not.toThrow();
  });

  it('knows its commands and only those', () => {
    expect(isCommand('photos.get')).toBe(true);
    expect(isCommand('constructor')).toBe(false);
    expect(isCommand('__proto__')).toBe(false);
    expect(isCommand(42)).toBe(false);
    expect(Object.keys(requestSchemas).length).toBeGreaterThan(25);
  });

  it('round-trips errors through their wire form', () => {
    const e = new ContractError('not_found', 'no photo with id 9');
    expect(ContractError.fromBody(JSON.parse(JSON.stringify(e.toBody())))).toMatchObject({ code: 'not_found', message: 'no photo with id 9' });
  });
});
