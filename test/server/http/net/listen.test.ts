import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../server/db/database.js';
import { NetworkStore } from '../../../../server/http/net/settings.js';
import { startTestServer } from '../../../helpers/server.js';

describe('listening at start', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-listen-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('falls back to loopback when the saved exposure names an interface the machine no longer has', async () => {
    const dataDir = path.join(dir, 'gone');
    await mkdir(dataDir, { recursive: true });
    const db = openDatabase(path.join(dataDir, 'hearth.db'));
    new NetworkStore(db).save({ exposure: 'unplugged0' });
    db.close();
    const s = await startTestServer({}, dataDir);
    try {
      const v = await (await s.admin('/admin/v1/network')).json() as { exposure: string; listening: { address: string }[] };
      expect(v.exposure).toBe('loopback');
      expect(v.listening.map((l) => l.address)).toEqual(['127.0.0.1']);
      expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('refuses to start on a --host the machine does not have', async () => {
    await expect(startTestServer({ host: '198.51.100.77' }, path.join(dir, 'given'))).rejects.toMatchObject({
      message: expect.stringMatching(/198\.51\.100\.77 is not an address of this machine/) as unknown,
    });
  });
});
