const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 -> "1.5 KB" (powers of 1024, as the OS reports memory). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Seconds as the two largest units: "3 d 4 h", "5 min 2 s", "0.4 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '-' : '';
  const s = Math.abs(seconds);
  if (s === 0) return '0 s';
  if (s < 1) return `${sign}${Math.max(1, Math.round(s * 1000))} ms`;
  if (s < 60) return `${sign}${Math.round(s)} s`;
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'min'],
    [Math.floor(s % 60), 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return sign + parts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, u]) => `${n} ${u}`).join(' ');
}

/** A 0..1 ratio as a percentage with enough digits to tell 99.9 % from 99.99 %. */
export function formatPercent(ratio: number | null | undefined, digits?: number): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  const pct = ratio * 100;
  if (digits !== undefined) return `${pct.toFixed(digits)} %`;
  if (pct === 100 || pct === 0) return `${pct} %`;
  // Floored, so 99.9996 % never reads as a met 100 %; the epsilon absorbs float noise.
  if (pct >= 99) return `${Math.floor(pct * 1000 + 1e-6) / 1000} %`;
  return `${pct.toFixed(1)} %`;
}

/** Milliseconds of latency: "0.42 ms", "12.3 ms", "1.25 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatNumber(n: number | null | undefined, maximumFractionDigits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits });
}

/** Epoch ms as a local date and time, "2025-03-04 14:05:09"; sortable and unambiguous. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "3 min ago", "in 2 d"; for times near now. */
export function formatRelative(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const diff = (ms - now) / 1000;
  if (Math.abs(diff) < 5) return 'just now';
  const text = formatDuration(Math.abs(diff)).split(' ').slice(0, 2).join(' ');
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** "[-1, 4]" shapes as the protocol writes them, -1 shown as "?" (any size). */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? '?' : String(d))).join(', ')}]`;
}

export const shortHash = (hex: string, n = 12): string => (hex.length > n ? `${hex.slice(0, n)}…` : hex);

/** A hex fingerprint in groups of four, easier to read aloud and compare. */
export function groupHex(hex: string, group = 4): string {
  return hex.match(new RegExp(`.{1,${group}}`, 'g'))?.join(' ') ?? hex;
}
