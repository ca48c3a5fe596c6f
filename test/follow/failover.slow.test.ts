import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHearthProcess, type HearthProcess } from './hearth-process.js';
import { findNginx, startNginx, type RunningNginx } from './nginx.js';

const TOTAL = 2000;
const CONCURRENCY = 16;
const KILL_AFTER = Math.floor(TOTAL / 3);
const BODY = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3, 5.1, 1.8] }] });

interface Outcome { status: number; body: string }

async function inferenceCount(url: string): Promise<number> {
  const r = await fetch(`${url}/v2/models/iris/stats`);
  const body = await r.json() as { model_stats: { inference_count: number }[] };
  return body.model_stats.reduce((n, s) => n + s.inference_count, 0);
}

describe('two instances behind nginx (deploy/nginx/hearth-failover.conf)', () => {
  let dir: string;
  let leader: HearthProcess;
  let follower: HearthProcess;
  let nginx: RunningNginx;
  const token = `hearth_admin_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    // Fails here, rather than skipping, where nginx is missing.
    findNginx();
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-failover-'));
    leader = await startHearthProcess(['--data-dir', path.join(dir, 'leader')], { HEARTH_ADMIN_TOKEN: token });
    // The follower holds a read-only follow key, never the leader's admin token.
    const made = await fetch(`${leader.url}/admin/v1/keys`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'follower', scopes: ['follow'] }),
    });
    const { key } = (await made.json()) as { key: string };
    follower = await startHearthProcess(['--data-dir', path.join(dir, 'follower'), '--follow', leader.url, '--follow-insecure', '--follow-interval-ms', '200'], {
      HEARTH_FOLLOW_KEY: key, HEARTH_ADMIN_TOKEN: undefined,
    });
    nginx = await startNginx(path.join(dir, 'nginx'), { leader: leader.address, follower: follower.address });
  });

  afterAll(async () => {
    await nginx?.stop();
    await follower?.stop();
    await leader?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the follower serves the leader\'s demo model before any traffic', async () => {
    const a = await fetch(`${leader.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    const b = await fetch(`${follower.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(await b.text()).toBe(await a.text());
  });

  it(`SIGKILL of one instance under load (${TOTAL} inferences, ${CONCURRENCY} at a time): every client request gets 200`, async () => {
    const outcomes: Outcome[] = [];
    let next = 0;
    let killedAt = -1;
    let leaderServed = 0;
    let issuedAtKill = 0;
    const killLeader = async () => {
      leaderServed = await inferenceCount(leader.url);
      leader.child.kill('SIGKILL');
      killedAt = outcomes.length;
      issuedAtKill = next;
    };
    let killing: Promise<void> | undefined;
    const client = async () => {
      for (;;) {
        const i = next++;
        if (i >= TOTAL) return;
        if (i === KILL_AFTER) killing = killLeader();
        try {
          const r = await fetch(`${nginx.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
          outcomes.push({ status: r.status, body: await r.text() });
        } catch (err) {
          outcomes.push({ status: 0, body: String(err) });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    await killing;

    expect(outcomes).toHaveLength(TOTAL);
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed, `failed requests (nginx log:\n${nginx.log()})`).toEqual([]);
    // Both instances answered the same thing: the follower serves the leader's production version.
    expect(new Set(outcomes.map((o) => o.body)).size).toBe(1);
    // The kill fell in the middle of the load, after the leader had taken its share of it.
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(TOTAL);
    expect(leaderServed).toBeGreaterThan(0);
    expect(leader.child.signalCode).toBe('SIGKILL');
    // Every request sent after the kill was answered by the follower.
    expect(await inferenceCount(follower.url)).toBeGreaterThanOrEqual(TOTAL - issuedAtKill);
  });
});
