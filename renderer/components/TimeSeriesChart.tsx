import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedIndices } from '../lib/latency.js';

export interface ChartSeries {
  label: string;
  color: string;
  /** Dashed line, for a series that is a bound rather than a value. */
  dash?: boolean;
}

interface ChartProps {
  /** uPlot's aligned data: x in seconds, then one column per series. */
  data: uPlot.AlignedData;
  series: readonly ChartSeries[];
  /** Axis values and legend values. */
  format: (value: number) => string;
  /** Read by screen readers in place of the drawing; say what the chart shows. */
  description: string;
  height?: number;
}

/** A uPlot line chart that follows its container's width. */
export function TimeSeriesChart({ data, series, format, description, height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The latest props, for the chart built below. It is rebuilt only when what it draws changes
  // (seriesKey, height), not for an equal series array or a new format function from a caller.
  // Written in an effect (declared first, so it runs first), never during render.
  const latest = useRef({ data, series, format });
  useEffect(() => {
    latest.current = { data, series, format };
  });

  const seriesKey = series.map((s) => `${s.label}:${s.color}:${s.dash ? 1 : 0}`).join('|');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { series } = latest.current;
    const format = (value: number) => latest.current.format(value);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { y: { range: (_u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: '#5b6473', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#dfe3e8' } },
        { stroke: '#5b6473', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#dfe3e8' }, size: 64, values: (_u, splits) => splits.map(format) },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash ? [6, 4] : undefined,
          spanGaps: false,
          // A lone value between gaps draws no line; a dot keeps it visible.
          points: { show: true, size: 6, filter: (u: uPlot, i: number) => isolatedIndices(u.data[i]) },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
    };
    const u = new uPlot(opts, latest.current.data, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [seriesKey, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" role="img" aria-label={description} />
    </figure>
  );
}
