// The load generator: a process of its own (forked by load-client.ts), so its CPU is not the
// servers' CPU and its event loop is not theirs. autocannon drives the connections; latencies
// are recorded here at microsecond resolution, since autocannon's own histogram keeps whole
// milliseconds and a sub-millisecond p99 would read as 0 or 1.
import autocannon from 'autocannon';
import type { LoadMessage, LoadReply, LoadResult, LoadSpec } from './load-messages.js';
import { latencySummary, SampleBuffer } from './stats.js';

function run(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const samples = new SampleBuffer();
    const started = process.hrtime.bigint();
    const instance = autocannon({
      url: spec.url,
      method: spec.method,
      headers: spec.headers,
      ...(spec.body ? { body: Buffer.from(spec.body.buffer, spec.body.byteOffset, spec.body.byteLength) } : {}),
      connections: spec.connections,
      pipelining: 1,
      timeout: 30,
      ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.seconds ?? 5 }),
    }, (err, result) => {
      if (err) return reject(err);
      const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
      const { p50, p99, mean } = latencySummary(samples.values());
      const statusCodes: Record<string, number> = {};
      for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
      resolve({
        ok: result['2xx'],
        failed: result.non2xx + result.errors + result.timeouts,
        statusCodes,
        elapsedS,
        rps: result['2xx'] / elapsedS,
        p50Ms: p50,
        p99Ms: p99,
        meanMs: mean,
      });
    });
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTimeMs);
    });
  });
}

process.on('message', (message: LoadMessage) => {
  run(message.spec).then(
    (result) => process.send?.({ id: message.id, result } satisfies LoadReply),
    (err: unknown) => process.send?.({ id: message.id, error: err instanceof Error ? err.message : String(err) } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
