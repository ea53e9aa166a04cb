import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/http.js';
import { inUserWords } from '../src/logic/userError.js';

describe('inUserWords', () => {
  it('never shows the server’s developer text', () => {
    const raw = new ApiError(500, 'http_500', 'failNext: this request was answered 500');
    expect(inUserWords(raw)).toBe('The server had a problem. Try again in a moment.');
    expect(inUserWords(raw)).not.toContain('failNext');
  });

  it('words each kind of failure for a technician', () => {
    expect(inUserWords(new ApiError(0, 'network', 'x'))).toMatch(/could not be reached/);
    expect(inUserWords(new ApiError(404, 'not_found', 'x'))).toBe('It is not on the server any more.');
    expect(inUserWords(new ApiError(504, 'timeout', 'x'))).toMatch(/too long/);
    expect(inUserWords(new Error('TypeError: x is undefined'))).toBe('Something went wrong. Try again.');
  });
});
