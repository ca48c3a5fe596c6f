import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, isCanonicalText } from '../../../server/usage/canonical.js';
import { canonicalFields } from '../../../server/usage/record.js';
import type { RecordFields } from '../../../server/usage/types.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x' }], c: true } })).toBe(
      '{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, as RFC 8785 does', () => {
    expect(canonicalJson({ é: 1, z: 2, Z: 3, '\u{1F600}': 4, '\uFF61': 5 })).toBe(
      '{"Z":3,"z":2,"é":1,"\u{1F600}":4,"\uFF61":5}',
    );
  });

  it('leaves out undefined values and escapes lone surrogates', () => {
    expect(canonicalJson({ a: undefined, b: '\uD800' })).toBe('{"b":"\\ud800"}');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
  });
});

/** An independent, obviously-correct reference: the spec of canonical JSON written out. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('canonicalJson against a reference', () => {
  it('agrees on arbitrary JSON values, index-like and __proto__ keys included', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '2', '__proto__', 'a', 'é', '\u{1F600}'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.string({ unit: 'grapheme' }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 500 },
    );
  });

  it('tells canonical text from any other spelling of the same value', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '2', '__proto__', 'a', 'b'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.integer(),
        fc.string(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        for (const text of [canonicalJson(value), JSON.stringify(value), JSON.stringify(value, null, 1)]) {
          const parsed: unknown = JSON.parse(text);
          expect(isCanonicalText(parsed, text)).toBe(reference(parsed) === text);
        }
      }),
      { numRuns: 500 },
    );
    expect(isCanonicalText({ '10': 1, '2': 2 }, '{"10":1,"2":2}')).toBe(true);
    expect(isCanonicalText({ b: 1, a: 2 }, '{"b":1,"a":2}')).toBe(false);
  });

  it('writes records through the fast path exactly as the general one', () => {
    const text = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    const int = fc.option(fc.maxSafeInteger(), { nil: null });
    const record = fc.record({
      seq: fc.integer({ min: 1 }),
      kind: fc.constantFrom('inference' as const, 'admin' as const),
      time: fc.maxSafeInteger(),
      requestId: text, client: text, keyId: text, model: text, version: int, outcome: text,
      status: int, latencyUs: int, batchSize: int, bytesIn: int, bytesOut: int, reason: text,
      action: text, actor: text, detail: text,
    });
    fc.assert(
      fc.property(record, (r) => {
        expect(canonicalFields(r)).toBe(reference(r));
        // Numbered by the argument (the log thread hashes records before it builds the numbered row).
        const { seq, ...unnumbered } = r;
        expect(canonicalFields(unnumbered, seq)).toBe(reference(r));
      }),
      { numRuns: 300 },
    );
  });

  it('writes whatever a tampered bundle holds as JSON.stringify of the sorted fields would', () => {
    // The verifier hashes records it parsed from a bundle; their types are checked, but the text
    // must stay the native one for any value, so that no value hashes like a different one.
    const odd = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant(Number.NaN), fc.constant(-0));
    const names = ['seq', 'kind', 'time', 'requestId', 'client', 'keyId', 'model', 'version', 'outcome', 'status',
      'latencyUs', 'batchSize', 'bytesIn', 'bytesOut', 'reason', 'action', 'actor', 'detail'] as const;
    fc.assert(
      fc.property(fc.tuple(...names.map(() => odd)), (values) => {
        const fields = Object.fromEntries(names.map((n, i) => [n, values[i]]));
        const sorted = Object.fromEntries([...names].sort().map((n) => [n, fields[n]]));
        expect(canonicalFields(fields as unknown as RecordFields)).toBe(JSON.stringify(sorted));
      }),
      { numRuns: 300 },
    );
  });
});
