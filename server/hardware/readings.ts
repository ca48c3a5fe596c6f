/**
 * A numeric reading from a GPU tool. "[N/A]", "N/A", "[Not Supported]", "" and any other text
 * mean "the tool could not tell" and become null; "0" is a real 0.
 */
export function parseReading(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  // Number('') is 0, which would turn "no reading" into a reading.
  if (text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** A text field from a GPU tool; placeholders like "[N/A]" become null. */
export function parseText(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const text = raw.trim();
  if (text === '' || /^\[?(n\/a|not supported|unknown error)\]?$/i.test(text)) return null;
  return text;
}

export const MIB = 1024 * 1024;

export function mibToBytes(mib: number | null): number | null {
  return mib === null ? null : Math.round(mib * MIB);
}
