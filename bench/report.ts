import type { AimResult } from './aims.js';
import type { BenchOptions } from './args.js';
import { peakGrowthOf, type MemoryResult } from './memory.js';
import type { RollbackResult } from './rollback.js';
import type { ScrapeReport } from './scraper.js';
import { fmtCores, fmtMs, fmtPercent, fmtRate, fmtRatio, fmtShare, fmtSpread, formatTable } from './table.js';
import type { WorkloadResult } from './workloads.js';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadavgStart: number[];
  loadavgEnd: number[];
}

/** What bench/results/<timestamp>.json holds. */
export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  options: BenchOptions;
  machine: MachineInfo;
  workloads: WorkloadResult[];
  rollback?: RollbackResult;
  memory?: MemoryResult;
  metrics?: ScrapeReport;
  aims: AimResult[];
}

export function renderWorkload(w: WorkloadResult): string {
  const rows = w.contenders.map((c) => [
    c.label, fmtSpread(c.rps, fmtRate), fmtMs(c.p50Ms.median), fmtSpread(c.p99Ms, fmtMs), String(c.failed),
  ]);
  const table = formatTable(['', 'req/s median (min–max)', 'p50 ms', 'p99 ms (min–max)', 'failed'], rows);
  const ratios = w.ratios.map((r) => `  ${r.label.padEnd(28)} ${fmtSpread(r.spread, fmtRatio)}`);
  const notes = w.notes.map((n) => `  ${n}`);
  const cpu = renderCpu(w);
  return [`${w.name} — ${w.title}`, table.replace(/^/gm, '  '), 'ratios within each round, median (min–max):', ...ratios, ...notes, ...(cpu ? [cpu] : [])].join('\n');
}

/**
 * Where the CPU went during each contender's runs, medians over rounds, in cores: the server
 * (its main thread, which serves HTTP, / the others), the load generator, the machine's idle share,
 * and what the rest of the machine used (the orchestrator, idle servers, anything else running).
 * Then the same per request (the limit: per row), split by Hearth's named threads.
 */
export function renderCpu(w: WorkloadResult): string {
  const measured = w.contenders.filter((c) => c.cpu);
  if (measured.length === 0) return '';
  const rows = measured.map(({ label, cpu }) => {
    const server = cpu?.serverCores === undefined ? '—'
      : `${fmtCores(cpu.serverCores)} (${fmtCores(cpu.serverMainCores)} / ${fmtCores(cpu.serverOtherCores)})`;
    const rest = cpu ? cpu.machineBusyCores - (cpu.serverCores ?? 0) - (cpu.loadCores ?? 0) : undefined;
    return [label, server, fmtCores(cpu?.loadCores), fmtShare(cpu?.machineIdle), fmtCores(rest)];
  });
  const table = formatTable(['', 'server cores (HTTP thread / others)', 'load generator cores', 'machine idle', 'rest of machine cores'], rows);
  const perRequest = measured.map(({ label, cpu, rps }) => {
    const us = (cores: number | undefined) => (cores === undefined || !(rps.median > 0) ? '—' : ((cores / rps.median) * 1e6).toFixed(0));
    const named = (cpu?.serverInferenceCores ?? 0) + (cpu?.serverUsageLogCores ?? 0) > 0;
    const others = named ? (cpu?.serverOtherCores ?? 0) - (cpu?.serverInferenceCores ?? 0) - (cpu?.serverUsageLogCores ?? 0) : cpu?.serverOtherCores;
    return [label, us(cpu?.serverCores), us(cpu?.serverMainCores), named ? us(cpu?.serverInferenceCores) : '—',
      named ? us(cpu?.serverUsageLogCores) : '—', us(others === undefined ? undefined : Math.max(0, others)), us(cpu?.loadCores)];
  });
  const perTable = formatTable(['', 'server', 'HTTP thread', 'inference', 'usage log', 'other threads', 'load generator'], perRequest);
  return ['CPU during the runs, median over rounds, in cores (1.00 = one core busy all run; the limit has no HTTP thread, its main one waits):',
    table.replace(/^/gm, '  '),
    'CPU per request in µs (the limit: per row), median cores over median rate; Hearth\'s threads by name (inference: its workers with onnxruntime\'s threads; other: V8, libuv):',
    perTable.replace(/^/gm, '  ')].join('\n');
}

export function renderRollback(r: RollbackResult): string {
  const first = r.switches[0];
  return [
    `rollback — alias switches while Hearth serves the demo model at ${r.connections} connections`,
    `  admin call          ${fmtSpread(r.adminMs, fmtMs)} ms over ${r.switches.length} switches`,
    `  new version seen    ${fmtSpread(r.visibleMs, fmtMs)} ms after the call started`,
    first ? `  first switch        admin ${fmtMs(first.adminMs)} ms, seen after ${fmtMs(first.visibleMs ?? Number.NaN)} ms (the old version may have been cold)` : '',
    `  failed requests     ${r.failed} of ${r.requests.toLocaleString('en-US')}`,
  ].filter(Boolean).join('\n');
}

export function renderMemory(m: MemoryResult): string {
  const readings = m.readings.map((x) => `${x.requests.toLocaleString('en-US')}: ${(x.rssBytes / 2 ** 20).toFixed(1)} MiB`).join(', ');
  return [`memory — Hearth's resident set while serving the demo model at ${m.connections} connections`,
    `  ${readings}`,
    `  growth first to last: ${fmtPercent(m.growth)}; highest reading ${fmtPercent(peakGrowthOf(m.readings))} over the first` +
    `${m.failed ? `; ${m.failed} failed requests` : ''}`].join('\n');
}

export function renderAims(aims: readonly AimResult[]): string {
  const rows = aims.map((a) => [a.pass === null ? '—' : a.pass ? 'PASS' : 'MISS', a.aim, a.measured, a.ceiling ?? '']);
  return [
    'aims (a report, not a test); ceiling: what this run says no server could pass here (the HTTP floor answering a constant to the same body, or for the classifier and the MLPs the CPU the limit spends per row, where there is one, plus the floor\'s and the load generator\'s per request, on this machine\'s cores, also with the CPU Hearth\'s usage-log thread spent per request)',
    formatTable(['', 'aim', 'measured', 'ceiling'], rows, ['left', 'left', 'right', 'right']).replace(/^/gm, '  '),
  ].join('\n');
}

export function renderReport(r: BenchReport): string {
  const head = `Hearth benchmark, ${r.startedAt}: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}; ` +
    `${r.options.rounds} round(s) of ${r.options.seconds} s runs${r.options.quick ? ' (--quick: a check, not a measurement)' : ''}; ` +
    `load average ${r.machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start`;
  const parts = [head, ...r.workloads.map(renderWorkload)];
  if (r.rollback) parts.push(renderRollback(r.rollback));
  if (r.memory) parts.push(renderMemory(r.memory));
  if (r.metrics) {
    parts.push(`metrics — /metrics scraped every 2 s during Hearth's runs: ${r.metrics.scrapes} scrapes, last status ${r.metrics.lastStatus ?? 'none'}` +
      `${r.metrics.failures ? `, ${r.metrics.failures} failed` : ''}`);
  }
  parts.push(renderAims(r.aims));
  return parts.join('\n\n');
}
