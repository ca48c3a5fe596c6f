import type { ReactNode } from 'react';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export function Badge({ tone = 'muted', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return <span className={`badge badge-${tone}`} title={title}>{children}</span>;
}

/** Model version states (Triton's words) as tones. */
export function stateTone(state: string): Tone {
  switch (state) {
    case 'READY': return 'ok';
    case 'LOADING': return 'info';
    case 'UNAVAILABLE': return 'muted';
    default: return 'bad';
  }
}
