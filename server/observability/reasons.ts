/**
 * Why an inference request failed, as a metric label: a fixed vocabulary taken from the status
 * code, never the error text (each distinct label value is a new time series).
 */
export const FAILURE_REASONS = [
  'bad_request', 'unauthorized', 'forbidden', 'not_found', 'too_large', 'rate_limited',
  'unavailable', 'timeout', 'unsupported', 'internal',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export function reasonOf(status: number): FailureReason {
  switch (status) {
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 413: return 'too_large';
    case 429: return 'rate_limited';
    case 408: case 504: return 'timeout';
    case 501: return 'unsupported';
    case 503: return 'unavailable';
    default: return status >= 400 && status < 500 ? 'bad_request' : 'internal';
  }
}
