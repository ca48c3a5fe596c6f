// The three workloads of the throughput issue, each measured against its baselines.
import os from 'node:os';
import path from 'node:path';
import { binaryInferRequest, jsonInferRequest, sampleValues, withApiKey, type FloatInput, type HttpRequestSpec } from './bodies.js';
import { createApiKey, ROOT, startHearth, type Hearth } from './hearth.js';
import { limitConfigs, runLimit, type LimitTrialResult } from './limit-client.js';
import type { LoadGenerator } from './load-client.js';
import { httpContender, limitContender, measureRounds, ratiosOf, type ContenderResult, type RatioResult } from './measure.js';
import type { ChildServer } from './processes.js';
import { startScraper } from './scraper.js';
import { candidate, candidateFromLimit, distinct, sweepNote, sweepSettings, type SettingsCandidate, type SweepEntry } from './sweep.js';
import type { BenchOptions } from './args.js';

export const CLASSIFIER_FILE = path.join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
export const DEMO_FILE = path.join(ROOT, 'resources', 'models', 'demo-v2.onnx');

export interface WorkloadResult {
  name: string;
  title: string;
  connections: number;
  contenders: ContenderResult[];
  ratios: RatioResult[];
  sweep?: SweepEntry[];
  chosenSettings?: SettingsCandidate;
  limit?: { best: LimitTrialResult; trials: LimitTrialResult[] };
  notes: string[];
}

export interface BenchEnv {
  opts: BenchOptions;
  load: LoadGenerator;
  hearth: Hearth;
  hearthKey: string;
  /** Versions of the bench's own models registered in Hearth. */
  versions: Record<string, number>;
  naive: ChildServer;
  floor: ChildServer;
  cores: number;
  log: (line: string) => void;
}

const inferUrl = (server: ChildServer, model: string) => `${server.url}/v2/models/${model}/infer`;

/** The HTTP floor loaded with a workload's own body (without Hearth's key): what receiving it and answering costs. */
const floorContender = (env: BenchEnv, model: string, connections: number, request: HttpRequestSpec) =>
  httpContender(env.load, { id: 'floor', label: 'HTTP floor (constant), same body', url: inferUrl(env.floor, model), connections, serverPid: env.floor.pid, request });

async function findLimit(env: BenchEnv, model: string, input: string, rowShape: number[], connections: number) {
  env.log(`  finding the limit (${model}: batch sizes up to ${connections}, sessions and threads)…`);
  const trials = await runLimit({
    model, input, rowShape, configs: limitConfigs(connections, env.cores), seconds: env.opts.quick ? 0.5 : 1,
  });
  const best = trials.reduce((a, b) => (b.rowsPerS > a.rowsPerS ? b : a));
  env.log(`  limit: best batch ${best.batch}, ${best.sessions} session(s) × ${best.threads} thread(s): ${best.rowsPerS.toFixed(0)} rows/s`);
  return { best, trials };
}

export async function classifierWorkload(env: BenchEnv): Promise<WorkloadResult> {
  const connections = 32;
  const x: FloatInput = { name: 'x', shape: [1, 3, 48, 192], values: sampleValues(3 * 48 * 192) };
  const limit = await findLimit(env, CLASSIFIER_FILE, 'x', [3, 48, 192], connections);
  const body = binaryInferRequest([x], ['softmax_0.tmp_0']);
  const hearth = httpContender(env.load, {
    id: 'hearth', label: 'Hearth, binary tensors', url: inferUrl(env.hearth, 'cls'), connections, serverPid: env.hearth.pid,
    request: withApiKey(body, env.hearthKey),
  });
  const sweep = await sweepSettings(env.hearth, 'cls', env.versions.cls, distinct([
    candidate('batch ≤16, 1 instance', { maxBatchSize: 16 }),
    candidate('batch ≤8, 2 instances', { maxBatchSize: 8, instances: 2 }),
    candidate('batch 16 preferred, wait ≤2 ms, 1 instance', { maxBatchSize: 16, maxQueueDelayUs: 2000, preferredBatchSizes: [16] }),
    candidate('no batching, 2 instances', { dynamicBatching: false, instances: 2 }),
    candidateFromLimit(limit.best),
  ]), hearth, env.opts.trialSeconds, env.log);
  const contenders = [
    limitContender({ model: CLASSIFIER_FILE, input: 'x', rowShape: [3, 48, 192] }, limit.best),
    hearth,
    httpContender(env.load, { id: 'naive', label: 'naive Fastify + ORT, JSON', url: inferUrl(env.naive, 'cls'), connections, serverPid: env.naive.pid, request: jsonInferRequest([x]) }),
    floorContender(env, 'cls', connections, body),
  ];
  const results = await measureRounds(contenders, { ...env.opts, log: env.log });
  return {
    name: 'classifier', title: `PP-OCR direction classifier, [1,3,48,192] FP32, ${connections} connections`, connections,
    contenders: results,
    ratios: ratiosOf(results, [
      { label: 'Hearth / limit', numerator: 'hearth', denominator: 'limit' },
      { label: 'Hearth / naive', numerator: 'hearth', denominator: 'naive' },
    ]),
    sweep: sweep.entries, chosenSettings: sweep.best, limit,
    notes: [`Hearth settings: ${sweep.best.label}`, sweepNote(sweep.entries), `limit: batch ${limit.best.batch}, ${limit.best.sessions} session(s) × ${limit.best.threads} thread(s); its rate is rows/s, its latency one run() of the batch`],
  };
}

export async function mlpWorkload(env: BenchEnv, mlpFile: string): Promise<WorkloadResult> {
  const connections = 64;
  const input: FloatInput = { name: 'input', shape: [1, 784], values: sampleValues(784) };
  const limit = await findLimit(env, mlpFile, 'input', [784], connections);
  const url = inferUrl(env.hearth, 'mlp');
  const body = binaryInferRequest([input], ['logits']);
  const binary = httpContender(env.load, {
    id: 'hearth-binary', label: 'Hearth, binary tensors', url, connections, serverPid: env.hearth.pid,
    request: withApiKey(body, env.hearthKey),
  });
  const sweep = await sweepSettings(env.hearth, 'mlp', env.versions.mlp, distinct([
    candidate('batch ≤64, 1 instance', { maxBatchSize: 64 }),
    candidate('batch ≤32, 2 instances', { maxBatchSize: 32, instances: 2 }),
    candidate('batch ≤64, wait ≤500 µs, 1 instance', { maxBatchSize: 64, maxQueueDelayUs: 500 }),
    candidateFromLimit(limit.best),
  ]), binary, env.opts.trialSeconds, env.log);
  const contenders = [
    limitContender({ model: mlpFile, input: 'input', rowShape: [784] }, limit.best),
    binary,
    httpContender(env.load, { id: 'hearth-json', label: 'Hearth, JSON', url, connections, serverPid: env.hearth.pid, request: withApiKey(jsonInferRequest([input]), env.hearthKey) }),
    httpContender(env.load, { id: 'naive', label: 'naive Fastify + ORT, JSON', url: inferUrl(env.naive, 'mlp'), connections, serverPid: env.naive.pid, request: jsonInferRequest([input]) }),
    floorContender(env, 'mlp', connections, body),
  ];
  const results = await measureRounds(contenders, { ...env.opts, log: env.log });
  return {
    name: 'mlp', title: `MLP 784-512-512-10, [1,784] FP32, ${connections} connections`, connections,
    contenders: results,
    ratios: ratiosOf(results, [
      { label: 'Hearth binary / naive JSON', numerator: 'hearth-binary', denominator: 'naive' },
      { label: 'Hearth JSON / naive JSON', numerator: 'hearth-json', denominator: 'naive' },
      { label: 'Hearth binary / limit', numerator: 'hearth-binary', denominator: 'limit' },
      { label: 'HTTP floor, binary / naive JSON', numerator: 'floor', denominator: 'naive' },
    ]),
    sweep: sweep.entries, chosenSettings: sweep.best, limit,
    notes: [`Hearth settings: ${sweep.best.label}`, sweepNote(sweep.entries), `limit: batch ${limit.best.batch}, ${limit.best.sessions} session(s) × ${limit.best.threads} thread(s); its rate is rows/s, its latency one run() of the batch`],
  };
}

/** A 6-16-4 MLP: a model whose run() takes microseconds, so serving costs are all there is to see. */
export async function smallMlpWorkload(env: BenchEnv): Promise<WorkloadResult> {
  const connections = 64;
  const input: FloatInput = { name: 'input', shape: [1, 6], values: sampleValues(6) };
  const results = await measureRounds([
    floorContender(env, 'small', connections, jsonInferRequest([input])),
    httpContender(env.load, { id: 'hearth', label: 'Hearth, JSON', url: inferUrl(env.hearth, 'small'), connections, serverPid: env.hearth.pid, request: withApiKey(jsonInferRequest([input]), env.hearthKey) }),
    httpContender(env.load, { id: 'naive', label: 'naive Fastify + ORT, JSON', url: inferUrl(env.naive, 'small'), connections, serverPid: env.naive.pid, request: jsonInferRequest([input]) }),
  ], { ...env.opts, log: env.log });
  return {
    name: 'small', title: `MLP 6-16-4, [1,6] FP32 JSON, ${connections} connections`, connections,
    contenders: results,
    ratios: ratiosOf(results, [
      { label: 'Hearth / naive', numerator: 'hearth', denominator: 'naive' },
      { label: 'HTTP floor / naive', numerator: 'floor', denominator: 'naive' },
    ]),
    notes: ['Hearth with the default settings a registered model gets'],
  };
}

/**
 * The iris-style demo model as shipped, at 64 and at 1 connection, with the usage log on and off:
 * two Hearths started for it, alike but for the usage log. The one that served the other workloads
 * holds millions of records and four models by now, a difference the on/off ratio should not carry.
 */
export async function demoWorkloads(env: BenchEnv): Promise<WorkloadResult[]> {
  const features: FloatInput = { name: 'features', shape: [1, 4], values: Float32Array.of(5.1, 3.5, 1.4, 0.2) };
  const request = jsonInferRequest([features]);
  env.log('  starting two fresh Hearths, with the usage log and with --no-usage-log…');
  const logged = await startHearth({ label: 'hearth (demo, usage log on)' });
  const quiet = await startHearth({ usageLog: false, label: 'hearth (usage log off)' });
  const scrapers = [startScraper(logged.url, logged.token), startScraper(quiet.url, quiet.token)];
  try {
    const loggedKey = await createApiKey(logged);
    const quietKey = await createApiKey(quiet);
    const out: WorkloadResult[] = [];
    for (const connections of [64, 1]) {
      env.log(`demo model, ${connections} connection(s)`);
      const results = await measureRounds([
        httpContender(env.load, { id: 'hearth', label: 'Hearth (usage log on)', url: inferUrl(logged, 'iris'), connections, serverPid: logged.pid, request: withApiKey(request, loggedKey) }),
        httpContender(env.load, { id: 'hearth-nolog', label: 'Hearth, --no-usage-log', url: inferUrl(quiet, 'iris'), connections, serverPid: quiet.pid, request: withApiKey(request, quietKey) }),
        httpContender(env.load, { id: 'naive', label: 'naive Fastify + ORT, JSON', url: inferUrl(env.naive, 'iris'), connections, serverPid: env.naive.pid, request }),
        httpContender(env.load, { id: 'floor', label: 'HTTP floor (constant)', url: inferUrl(env.floor, 'iris'), connections, serverPid: env.floor.pid, request }),
      ], { ...env.opts, log: env.log });
      out.push({
        name: `demo-${connections}`, title: `demo model "iris", [1,4] FP32 JSON, ${connections} connection${connections === 1 ? '' : 's'}`, connections,
        contenders: results,
        ratios: ratiosOf(results, [
          { label: 'Hearth / naive', numerator: 'hearth', denominator: 'naive' },
          { label: 'usage log on / off', numerator: 'hearth', denominator: 'hearth-nolog' },
          { label: 'Hearth / HTTP floor', numerator: 'hearth', denominator: 'floor' },
        ]),
        notes: ['Hearth with the demo model\'s shipped settings'],
      });
    }
    const [loggedScrapes, quietScrapes] = scrapers.map((sc) => sc.stop());
    if (loggedScrapes.lastStatus !== 200) out[0].notes.push(`/metrics answered ${loggedScrapes.lastStatus ?? 'nothing'} on the demo's usage-log-on Hearth`);
    if (quietScrapes.lastStatus !== 200) out[0].notes.push(`/metrics answered ${quietScrapes.lastStatus ?? 'nothing'} on the usage-log-off Hearth`);
    return out;
  } finally {
    for (const sc of scrapers) sc.stop();
    await Promise.all([logged.stop(), quiet.stop()]);
  }
}

export const cpuCount = () => os.availableParallelism();
