import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { GpuInfo } from '../../../renderer/api/types.js';
import { GpuCard } from '../../../renderer/components/GpuCard.js';

const h200: GpuInfo = {
  index: 0, vendor: 'NVIDIA', name: 'NVIDIA H200', uuid: 'GPU-1', busId: '0000:18:00.0', driverVersion: '570.86.15', cudaVersion: '12.8',
  memoryTotalBytes: 143_771_000_832, memoryUsedBytes: 71_885_500_416, memoryFreeBytes: 71_885_500_416,
  utilizationPercent: 93, temperatureCelsius: 87, powerWatts: 612.4, powerLimitWatts: 700, sources: ['nvidia-smi'],
};

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();

describe('GpuCard', () => {
  test('memory, utilization, temperature and power as read', () => {
    const html = renderToStaticMarkup(<GpuCard gpu={h200} />);
    expect(text(html)).toContain('GPU 0: NVIDIA H200');
    expect(html).toContain('aria-label="GPU 0 memory"');
    expect(html).toContain('aria-valuenow="50"');
    expect(html).toContain('aria-label="GPU 0 utilization"');
    expect(html).toContain('aria-valuenow="93"');
    expect(text(html)).toContain('66.9 GB of 134 GB');
    expect(text(html)).toContain('Temperature 87 °C');
    expect(html).toContain('class="text-bad">87 °C');
    expect(text(html)).toContain('Power 612 W of 700 W');
    expect(text(html)).toContain('Driver 570.86.15 (CUDA 12.8)');
  });

  test('readings the tools could not take show as unknown, not as zero', () => {
    const blind: GpuInfo = {
      ...h200, index: null, name: 'Intel Arc', memoryTotalBytes: null, memoryUsedBytes: null, utilizationPercent: null,
      temperatureCelsius: null, powerWatts: null, powerLimitWatts: null, driverVersion: null, cudaVersion: null, busId: null,
    };
    const html = renderToStaticMarkup(<GpuCard gpu={blind} />);
    expect(text(html)).toContain('Memory unknown');
    expect(text(html)).toContain('Utilization unknown');
    expect(html).not.toContain('aria-valuenow');
    expect(text(html)).toContain('Temperature —');
    expect(html).toContain('aria-label="Intel Arc memory"');
  });
});
