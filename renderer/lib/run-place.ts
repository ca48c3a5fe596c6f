import type { ModelMetadata } from '../api/types.js';

/**
 * Where a loaded version's requests run. The server runs a CPU model whose run takes a few
 * microseconds on the HTTP thread when its request is alone, which saves the hop to a worker
 * thread, and small batches of it there too under load (server/runtime/inline.ts has the rule and
 * its figures); everything else runs in workers.
 */
export type RunPlace = { inline: true; runUs: number } | { inline: false };

/**
 * `parameters.inline_run_us` of GET /v2/models/NAME/versions/V: a number of µs when the version
 * runs inline, null when it does not; undefined when the server does not say (an older server).
 */
export function runPlaceOf(metadata: Pick<ModelMetadata, 'parameters'>): RunPlace | undefined {
  const us: unknown = metadata.parameters?.inline_run_us;
  if (us === null) return { inline: false };
  if (typeof us === 'number' && Number.isFinite(us) && us >= 0) return { inline: true, runUs: us };
  return undefined;
}

/** "12 µs", "9.5 µs": the server rounds to a tenth. */
export const formatMicros = (us: number): string => `${us < 10 ? Math.round(us * 10) / 10 : Math.round(us)} µs`;

/** The short label and the explanation a person reads on hover (and in the version's details). */
export function describeRunPlace(place: RunPlace): { text: string; title: string } {
  if (place.inline) {
    return {
      text: `Runs inline · ${formatMicros(place.runUs)}`,
      title: `A run of this version took ${formatMicros(place.runUs)} (the median, measured when it was loaded), less than handing ` +
        'the request to a worker thread costs, so a request that arrives alone runs on the HTTP thread. Requests that overlap ' +
        'are batched as usual; a batch runs on the HTTP thread too only while its predicted run stays that short, otherwise in ' +
        'the worker threads. A few slow runs in a row send every request to the workers until the version is loaded again.',
    };
  }
  return {
    text: 'Runs in worker threads',
    title: 'Every request to this version runs in a worker thread, off the HTTP thread. Only a CPU model whose run takes a few ' +
      'microseconds (the server\'s --inline-max-us, 100 µs by default) runs on the HTTP thread when its request is alone.',
  };
}
