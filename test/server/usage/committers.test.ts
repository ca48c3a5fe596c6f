import { describe, expect, it } from 'vitest';
import { AuditChainRefused } from '../../../server/usage/chain-guard.js';
import { Committers } from '../../../server/usage/committers.js';

describe('Committers', () => {
  it('tells whoever awaits a refused entry the refusal as the log thread worded it, once', async () => {
    const worded = new AuditChainRefused('record seq 3 is missing').message;
    const committers = new Committers();
    const waited = new Promise<number>((resolve, reject) => committers.add(7, resolve, reject));
    committers.refused([7], worded);
    const error = await waited.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AuditChainRefused);
    expect((error as Error).message).toBe(worded);
  });
});
