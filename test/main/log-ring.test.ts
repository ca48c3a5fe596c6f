import { describe, expect, it } from 'vitest';
import { createLineSplitter, createLogRing } from '../../main/log-ring.js';

describe('createLogRing', () => {
  it('keeps everything until full, oldest first', () => {
    const ring = createLogRing(3);
    ring.push('a');
    ring.push('b');
    expect(ring.lines()).toEqual(['a', 'b']);
    expect(ring.size).toBe(2);
  });

  it('drops the oldest lines once full', () => {
    const ring = createLogRing(3);
    for (const line of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) ring.push(line);
    expect(ring.lines()).toEqual(['e', 'f', 'g']);
    expect(ring.size).toBe(3);
  });

  it('holds 500 lines by default', () => {
    const ring = createLogRing();
    for (let i = 0; i < 1234; i += 1) ring.push(String(i));
    const lines = ring.lines();
    expect(lines).toHaveLength(500);
    expect(lines[0]).toBe('734');
    expect(lines[499]).toBe('1233');
  });

  it('refuses a capacity below one', () => {
    expect(() => createLogRing(0)).toThrow(RangeError);
  });
});

describe('createLineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    splitter.write('first\r\nsec');
    splitter.write('ond\nthi');
    expect(lines).toEqual(['first', 'second']);
    splitter.flush();
    expect(lines).toEqual(['first', 'second', 'thi']);
  });

  it('decodes a UTF-8 character split between two chunks', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    const bytes = Buffer.from('température 37 °C\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    splitter.write(bytes.subarray(0, cut));
    splitter.write(bytes.subarray(cut));
    expect(lines).toEqual(['température 37 °C']);
  });

  it('breaks a line that never ends instead of growing without bound', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line), 10);
    splitter.write('x'.repeat(25));
    expect(lines).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    splitter.flush();
    expect(lines.at(-1)).toBe('x'.repeat(5));
  });
});
