import { describe, expect, it } from 'vitest';
import { FAILURE_REASONS, reasonOf } from '../../../server/observability/reasons.js';

describe('failure reasons', () => {
  it('map status codes onto the fixed vocabulary', () => {
    const cases: [number, string][] = [
      [400, 'bad_request'], [401, 'unauthorized'], [403, 'forbidden'], [404, 'not_found'], [409, 'bad_request'],
      [413, 'too_large'], [415, 'bad_request'], [429, 'rate_limited'], [408, 'timeout'], [504, 'timeout'],
      [501, 'unsupported'], [503, 'unavailable'], [500, 'internal'], [507, 'internal'],
    ];
    for (const [status, reason] of cases) expect([status, reasonOf(status)]).toEqual([status, reason]);
    for (let s = 400; s < 600; s++) expect(FAILURE_REASONS).toContain(reasonOf(s));
  });
});
