import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { claimSingleInstance, focusWindow } from '../../main/single-instance.js';

function fakeApp(gotLock: boolean) {
  const app = Object.assign(new EventEmitter(), {
    quits: 0,
    requestSingleInstanceLock: () => gotLock,
    quit: () => {
      app.quits += 1;
    },
  });
  return app;
}

describe('claimSingleInstance', () => {
  it('makes a second instance quit', () => {
    const app = fakeApp(false);
    let shown = 0;
    expect(claimSingleInstance(app, () => (shown += 1))).toBe(false);
    expect(app.quits).toBe(1);
    expect(app.listenerCount('second-instance')).toBe(0);
  });

  it('shows the first instance window when a second one starts', () => {
    const app = fakeApp(true);
    let shown = 0;
    expect(claimSingleInstance(app, () => (shown += 1))).toBe(true);
    expect(app.quits).toBe(0);
    expect(shown).toBe(0);
    app.emit('second-instance', { preventDefault: () => undefined }, ['hearth']);
    expect(shown).toBe(1);
  });
});

describe('focusWindow', () => {
  it('restores a minimised window, shows and focuses it', () => {
    const calls: string[] = [];
    focusWindow({
      isMinimized: () => true,
      restore: () => void calls.push('restore'),
      show: () => void calls.push('show'),
      focus: () => void calls.push('focus'),
    });
    expect(calls).toEqual(['restore', 'show', 'focus']);
  });
});
