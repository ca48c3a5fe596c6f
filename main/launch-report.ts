/**
 * The line `hearth serve` prints on stdout for the program that launched it, when
 * HEARTH_LAUNCH_REPORT=1 (server/launch-report.ts writes it; test/main/identity.test.ts checks
 * both sides agree): where it is bound and its per-start nonce, or why it could not listen.
 */
export const LAUNCH_MARKER = 'hearth-launch ';

export interface LaunchReport {
  url: string;
  address: string;
  port: number;
  nonce: string;
}

export type LaunchEvent = ({ event: 'listening' } & LaunchReport) | { event: 'error'; code: string; message: string };

/** The event on a line of the child's stdout, or null for any other line. */
export function parseLaunchLine(line: string): LaunchEvent | null {
  if (!line.startsWith(LAUNCH_MARKER)) return null;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(LAUNCH_MARKER.length));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.event === 'listening' && typeof v.url === 'string' && typeof v.address === 'string'
    && typeof v.port === 'number' && typeof v.nonce === 'string') {
    return { event: 'listening', url: v.url, address: v.address, port: v.port, nonce: v.nonce };
  }
  if (v.event === 'error' && typeof v.code === 'string' && typeof v.message === 'string') {
    return { event: 'error', code: v.code, message: v.message };
  }
  return null;
}
