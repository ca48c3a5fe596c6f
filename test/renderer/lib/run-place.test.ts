import { describe, expect, test } from 'vitest';
import { describeRunPlace, formatMicros, runPlaceOf } from '../../../renderer/lib/run-place.js';

describe('run place', () => {
  test('reads inline_run_us from a version\'s metadata: µs runs inline, null runs in workers, absent says nothing', () => {
    expect(runPlaceOf({ parameters: { version: '2', inline_run_us: 11 } })).toEqual({ inline: true, runUs: 11 });
    expect(runPlaceOf({ parameters: { version: '2', inline_run_us: 0 } })).toEqual({ inline: true, runUs: 0 });
    expect(runPlaceOf({ parameters: { version: '1', inline_run_us: null } })).toEqual({ inline: false });
    // An older server, or a value that is not a run time: nothing is claimed either way.
    expect(runPlaceOf({ parameters: { version: '1' } })).toBeUndefined();
    expect(runPlaceOf({})).toBeUndefined();
    expect(runPlaceOf({ parameters: { inline_run_us: '11' } })).toBeUndefined();
    expect(runPlaceOf({ parameters: { inline_run_us: -1 } })).toBeUndefined();
  });

  test('run times read as the server rounds them', () => {
    expect(formatMicros(11)).toBe('11 µs');
    expect(formatMicros(9.5)).toBe('9.5 µs');
    expect(formatMicros(26.4)).toBe('26 µs');
  });

  test('says inline with its run time, or worker threads, and explains each', () => {
    const inline = describeRunPlace({ inline: true, runUs: 12 });
    expect(inline.text).toBe('Runs inline · 12 µs');
    expect(inline.title).toContain('runs on the HTTP thread');
    expect(inline.title).toContain('alone');
    const workers = describeRunPlace({ inline: false });
    expect(workers.text).toBe('Runs in worker threads');
    expect(workers.title).toContain('--inline-max-us');
  });
});
