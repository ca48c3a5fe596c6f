import { Gauge, type Registry } from 'prom-client';
import type { Follower } from './follower.js';

const REASONS = ['leader-changed', 'removals'] as const;

/** hearth_follow_* gauges, read from the follower at each scrape, so an alert can page on a hold. */
export function followMetrics(registry: Registry, follower: Follower): void {
  new Gauge({
    name: 'hearth_follow_held',
    help: '1 while mirroring is stopped until the operator confirms (reason: leader-changed or removals).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const hold = follower.state().hold;
      for (const reason of REASONS) this.set({ reason }, hold?.reason === reason ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hearth_follow_lag_seconds',
    help: 'Seconds since the registry last matched the leader (absent before the first match).',
    registers: [registry],
    collect() {
      this.reset();
      const lag = follower.state().lag;
      if (lag !== null) this.set(lag / 1000);
    },
  });
}
