/**
 * PCI addresses arrive as "00000000:1B:00.0" (nvidia-smi), "0000:c1:00.0" (rocm-smi) or
 * "1b:00.0" (lspci via systeminformation); all become "0000:1b:00.0" so they can be compared.
 */
export function normaliseBusId(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /^(?:([0-9a-f]+):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(raw.trim());
  if (!match) return null;
  const [, domain = '0', bus = '', device = '', fn = ''] = match;
  const domainNumber = Number.parseInt(domain, 16);
  return [
    domainNumber.toString(16).padStart(4, '0'),
    bus.toLowerCase().padStart(2, '0'),
    `${device.toLowerCase().padStart(2, '0')}.${fn}`,
  ].join(':');
}
