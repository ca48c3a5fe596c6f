// `npm run bench`: Hearth against its baselines on the same machine in the same run. See bench/README.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluateAims } from './aims.js';
import { parseBenchArgs, USAGE, UsageError, type BenchOptions } from './args.js';
import { createApiKey, registerModel, ROOT, startHearth, type Hearth } from './hearth.js';
import { LoadGenerator } from './load-client.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { freePort, startChild, type ChildServer } from './processes.js';
import { renderReport, type BenchReport } from './report.js';
import { measureRollback, type RollbackResult } from './rollback.js';
import { startScraper, type ScrapeReport } from './scraper.js';
import {
  CLASSIFIER_FILE, classifierWorkload, cpuCount, DEMO_FILE, demoWorkloads, mlpWorkload, smallMlpWorkload, type BenchEnv, type WorkloadResult,
} from './workloads.js';
import { mlp } from '../scripts/onnx-builder.js';

const log = (line: string) => console.log(line);

async function startBaseline(script: string, label: string, args: string[]): Promise<ChildServer> {
  const port = await freePort();
  return startChild(label, `http://127.0.0.1:${port}`, [path.join(ROOT, 'dist', 'bench', 'servers', script), String(port), ...args], { readyPath: '/health' });
}

async function bench(opts: BenchOptions): Promise<{ report: BenchReport; errors: string[] }> {
  const startedAt = new Date().toISOString();
  const loadavgStart = os.loadavg();
  const wants = (n: BenchOptions['only'][number]) => opts.only.includes(n);
  const errors: string[] = [];
  const workloads: WorkloadResult[] = [];
  let rollback: RollbackResult | undefined;
  let memory: MemoryResult | undefined;
  let metrics: ScrapeReport | undefined;
  const stops: (() => Promise<void> | void)[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-models-'));
  stops.push(() => rmSync(tmp, { recursive: true, force: true }));
  const load = LoadGenerator.start();
  stops.push(() => load.close());

  const attempt = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const msg = `${name}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`;
      errors.push(msg);
      log(`ERROR in ${msg}`);
    }
  };

  try {
    const servesModels = wants('classifier') || wants('mlp') || wants('small') || wants('demo');
    if (servesModels || wants('rollback')) {
      log('starting Hearth (usage log on, /metrics scraped)…');
      const hearth: Hearth = await startHearth();
      stops.push(() => hearth.stop());
      const scraper = startScraper(hearth.url, hearth.token);
      stops.push(() => { metrics = scraper.stop(); });
      const hearthKey = await createApiKey(hearth);
      const versions: Record<string, number> = {};
      const mlpFile = path.join(tmp, 'mlp-784-512-512-10.onnx');
      const naiveModels = [`iris=${DEMO_FILE}`];
      if (wants('classifier')) {
        versions.cls = await registerModel(hearth, 'cls', readFileSync(CLASSIFIER_FILE));
        naiveModels.push(`cls=${CLASSIFIER_FILE}`);
      }
      if (wants('mlp')) {
        const bytes = mlp();
        writeFileSync(mlpFile, bytes);
        versions.mlp = await registerModel(hearth, 'mlp', bytes);
        naiveModels.push(`mlp=${mlpFile}`);
      }
      if (wants('small')) {
        const smallFile = path.join(tmp, 'mlp-6-16-4.onnx');
        const bytes = mlp({ layers: [6, 16, 4] });
        writeFileSync(smallFile, bytes);
        versions.small = await registerModel(hearth, 'small', bytes);
        naiveModels.push(`small=${smallFile}`);
      }
      let naive: ChildServer | undefined;
      let floor: ChildServer | undefined;
      if (servesModels) {
        log('starting the naive server and the HTTP floor…');
        naive = await startBaseline('naive.js', 'naive server', naiveModels);
        stops.push(() => naive?.stop());
        floor = await startBaseline('floor.js', 'HTTP floor', []);
        stops.push(() => floor?.stop());
      }
      if (naive && floor) {
        const env: BenchEnv = { opts, load, hearth, hearthKey, versions, naive, floor, cores: cpuCount(), log };
        if (wants('classifier')) await attempt('classifier', async () => { log('classifier'); workloads.push(await classifierWorkload(env)); });
        if (wants('mlp')) await attempt('mlp', async () => { log('mlp'); workloads.push(await mlpWorkload(env, mlpFile)); });
        if (wants('small')) await attempt('small', async () => { log('small MLP'); workloads.push(await smallMlpWorkload(env)); });
        if (wants('demo')) await attempt('demo', async () => { workloads.push(...await demoWorkloads(env)); });
        await naive.stop();
        await floor.stop();
      }
      if (wants('rollback')) {
        await attempt('rollback', async () => {
          log('rollback');
          rollback = await measureRollback(hearth, hearthKey, load, { switches: opts.switches, log });
        });
      }
      metrics = scraper.stop();
      await hearth.stop();
    }
    if (wants('memory')) {
      await attempt('memory', async () => {
        log('memory: a fresh Hearth (usage log on)…');
        const fresh = await startHearth({ label: 'hearth (memory)' });
        const scraper = startScraper(fresh.url, fresh.token);
        try {
          memory = await measureMemory(fresh, await createApiKey(fresh), load, opts.memoryCheckpoints, { log });
        } finally {
          scraper.stop();
          await fresh.stop();
        }
      });
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }

  const cpus = os.cpus();
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    options: opts,
    machine: {
      cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version, platform: `${os.platform()} ${os.release()}`, loadavgStart, loadavgEnd: os.loadavg(),
    },
    workloads, rollback, memory, metrics,
    aims: evaluateAims({ workloads, rollback, memory }, cpuCount()),
  };
  return { report, errors };
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const { report, errors } = await bench(opts);
  console.log(`\n${renderReport(report)}\n`);
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...report, errors }, null, 2)}\n`);
  console.log(`results: ${path.relative(process.cwd(), file) || file}`);
  if (errors.length > 0) {
    console.error(`bench: ${errors.length} part(s) failed to run: ${errors.map((e) => e.split(':')[0]).join(', ')}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
