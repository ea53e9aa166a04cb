import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/http.js';
import { inUserWords, savingInUserWords } from '../src/logic/userError.js';

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

describe('savingInUserWords', () => {
  it('says what could not be saved and why, in a technician’s words, never the server’s text', () => {
    const refused = new ApiError(400, 'invalid_body', 'title: must be 1 to 200 characters', {
      field: 'title',
      reason: 'must be 1 to 200 characters',
    });
    expect(savingInUserWords(refused, 'The note')).toBe(
      'The note could not be saved: the server did not accept “title”. Check it and try again.',
    );
    const broken = new ApiError(500, 'http_500', 'failNext: this request was answered 500');
    expect(savingInUserWords(broken, 'The photo')).toBe(
      'The photo could not be saved: the server had a problem. Try again in a moment.',
    );
    expect(savingInUserWords(new ApiError(409, 'conflict', 'version 3 is not 2'), 'The change')).toBe(
      'The change could not be saved: someone else changed it meanwhile. Reload it and try again.',
    );
    expect(savingInUserWords(new Error('TypeError: x'), 'The note')).toBe(
      'The note could not be saved. Try again.',
    );
  });
});
