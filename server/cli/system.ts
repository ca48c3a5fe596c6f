import type { Command } from 'commander';
import { formatSystem } from '../hardware/index.js';
import type { Helpers, Out } from './common.js';

import type { SystemInfo as SystemAnswer } from '../http/routes/admin-schemas.js';

/** `hearth system`: the hardware, providers and what is loaded where. */
export function addSystemCommand(program: Command, out: Out, { clientOptions, clientFrom }: Helpers): void {
  clientOptions(program.command('system'))
    .description('Show CPUs, memory, GPUs, execution providers and what is loaded where')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const sys = await clientFrom(cmd).request<SystemAnswer>('GET', '/admin/v1/system');
      if (o.json) return out.log(JSON.stringify(sys, null, 2));
      if (sys.hardware) out.log(formatSystem({ ...sys.hardware, providers: sys.providers }));
      out.log(`\nServer: Hearth ${sys.server.version} on ${sys.server.host}:${sys.server.port}, up ${Math.round(sys.server.uptimeSeconds)} s, ${sys.server.workers} inference workers`);
      out.log(`Audit signing key fingerprint: ${sys.auditKeyFingerprint}`);
      for (const [device, u] of Object.entries(sys.devices)) {
        out.log(`Device ${device}: ${u.count} loaded, ~${Math.round(u.bytes / 1e6)} MB${u.budget ? ` of ${Math.round(u.budget.bytes / 1e6)} MB budget, at most ${u.budget.count}` : ''}`);
      }
      for (const l of sys.loaded) out.log(`  ${l.name} v${l.version}\t${l.state}\t${l.provider}${l.reason ? `\t${l.reason}` : ''}`);
    });
}
