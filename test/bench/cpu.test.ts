import { describe, expect, it } from 'vitest';
import { diffProcessTicks, idleShare, parseMachineTicks, parseStatName, parseStatTicks, type ProcessTicks } from '../../bench/cpu.js';

// Fields 14 and 15 (utime, stime) are 1234 and 56 in each line.
const NODE_LINE = '12968 (node) R 12964 12964 9285 0 -1 4194304 96 0 0 0 1234 56 0 0 20 0 1 0 1935851 3133440 381 '
  + '18446744073709551615 94629397004288 94629397024169 140722424174976 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94629397040176 '
  + '94629397041792 94630315888640 140722424183508 140722424183528 140722424183528 140722424184811 0\n';
const ODD_NAME_LINE = '4242 (a (b) ) c) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 56 0 0 20 0 3 0 100 1000 50';

describe('parseStatTicks', () => {
  it('adds utime and stime of a /proc stat line', () => {
    expect(parseStatTicks(NODE_LINE)).toBe(1290);
  });

  it('counts fields from the last parenthesis, whatever the command name holds', () => {
    expect(parseStatTicks(ODD_NAME_LINE)).toBe(1290);
  });

  it('reads the thread name, parentheses and spaces included', () => {
    expect(parseStatName(NODE_LINE)).toBe('node');
    expect(parseStatName(ODD_NAME_LINE)).toBe('a (b) ) c');
    expect(parseStatName('')).toBe('');
  });

  it('refuses a line that is not one', () => {
    expect(() => parseStatTicks('')).toThrow(/not a \/proc stat line/);
    expect(() => parseStatTicks('1 (node) S 0 1 1')).toThrow(/no utime and stime/);
  });
});

describe('parseMachineTicks', () => {
  const stat = 'cpu  2276934 9552 355750 1121113 5934 0 47116 1526 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n';

  it('reads the all-cores line: idle + iowait, and the total without guest time', () => {
    expect(parseMachineTicks(stat)).toEqual({ idle: 1121113 + 5934, total: 2276934 + 9552 + 355750 + 1121113 + 5934 + 0 + 47116 + 1526 });
  });

  it('gives the idle share between two readings', () => {
    const before = { idle: 1000, total: 5000 };
    expect(idleShare(before, { idle: 1050, total: 5200 })).toBe(0.25);
    expect(idleShare(before, before)).toBeNaN();
  });

  it('refuses text without the cpu line', () => {
    expect(() => parseMachineTicks('cpu0 1 2 3 4\n')).toThrow(/no "cpu" line/);
  });
});

const snap = (total: number, threads: [number, number][]): ProcessTicks => ({ pid: 10, total, threads: new Map(threads) });

describe('diffProcessTicks', () => {
  it('splits the main thread (tid = pid) from the others, in seconds', () => {
    const d = diffProcessTicks(snap(100, [[10, 60], [11, 30], [12, 10]]), snap(400, [[10, 160], [11, 180], [12, 60]]), 100);
    expect(d).toEqual({
      totalS: 3, mainS: 1, otherS: 2, busiestOtherS: 1.5, inferenceS: 0, usageLogS: 0, threads: 3, threadsStarted: 0, threadsEnded: 0,
    });
  });

  it('adds up the threads named for Hearth\'s inference and usage log, by the names at the end', () => {
    const names = new Map([[10, 'node'], [11, 'hearth-infer-0'], [12, 'hearth-infer-1'], [13, 'hearth-usage'], [14, 'node']]);
    const d = diffProcessTicks(
      { ...snap(100, [[10, 10], [11, 10], [12, 10], [13, 10], [14, 10]]) },
      { ...snap(600, [[10, 110], [11, 160], [12, 60], [13, 90], [14, 30]]), names },
      100,
    );
    expect(d).toMatchObject({ mainS: 1, otherS: 4, inferenceS: 2, usageLogS: 0.8 });
  });

  it('counts a thread that started in between from zero', () => {
    const d = diffProcessTicks(snap(100, [[10, 100]]), snap(300, [[10, 150], [13, 150]]), 100);
    expect(d).toMatchObject({ totalS: 2, mainS: 0.5, otherS: 1.5, busiestOtherS: 1.5, threadsStarted: 1, threadsEnded: 0 });
  });

  it('keeps a thread that ended in the others through the process total', () => {
    // Thread 11 used 70 ticks and ended; the kernel kept them in the process's total.
    const d = diffProcessTicks(snap(100, [[10, 50], [11, 50]]), snap(270, [[10, 100], [12, 50]]), 100);
    expect(d).toMatchObject({ totalS: 1.7, mainS: 0.5, otherS: 1.2, busiestOtherS: 0.5, threads: 2, threadsStarted: 1, threadsEnded: 1 });
  });

  it('never goes below zero when the files were read a moment apart', () => {
    const d = diffProcessTicks(snap(100, [[10, 100]]), snap(100, [[10, 101]]), 100);
    expect(d.otherS).toBe(0);
    expect(d.mainS).toBe(0.01);
    // Thread 11's last tick landed after the process's total was read.
    const e = diffProcessTicks(snap(100, [[10, 50], [11, 50]]), snap(130, [[10, 60], [11, 71]]), 100);
    expect(e).toMatchObject({ otherS: 0.2, busiestOtherS: 0.2 });
  });

  it('refuses snapshots of two processes', () => {
    expect(() => diffProcessTicks(snap(1, []), { pid: 11, total: 2, threads: new Map() }, 100)).toThrow(/two processes/);
  });
});
