interface MeterProps {
  label: string;
  /** 0 to 1; null when unknown. */
  value: number | null;
  /** What the number means, shown next to the bar, e.g. "3.2 GB of 16 GB". */
  text: string;
  /** The accessible name where the visible label is not unique on the page ("GPU 0 memory"). */
  name?: string;
  /** Amber and red when nearly full; off for readings where high is fine (utilization). */
  levels?: boolean;
}

/** A labelled bar; with levels, amber from 75 % and red from 90 %. */
export function Meter({ label, value, text, name = label, levels = true }: MeterProps) {
  const pct = value === null ? null : Math.min(100, Math.max(0, value * 100));
  const tone = pct === null ? 'muted' : !levels ? 'info' : pct >= 90 ? 'bad' : pct >= 75 ? 'warn' : 'ok';
  return (
    <div className="meter-row">
      <div className="meter-label"><span>{label}</span><span className="meter-text">{text}</span></div>
      <div
        className={`meter meter-${tone}`}
        role="meter"
        aria-label={name}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct)}
        aria-valuetext={text}
      >
        <div className="meter-fill" style={{ width: `${pct ?? 0}%` }} />
      </div>
    </div>
  );
}
