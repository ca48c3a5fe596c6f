import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../../server/base/message.js';

describe('errorMessage', () => {
  it('gives an Error\'s message without its name, and anything else thrown as text', () => {
    expect(errorMessage(new TypeError('bad shape'))).toBe('bad shape');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
