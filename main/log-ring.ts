/** Keeps the last `capacity` lines the server printed, for the log view and crash reports. */
export interface LogRing {
  push(line: string): void;
  /** Oldest first. */
  lines(): string[];
  readonly size: number;
}

export function createLogRing(capacity = 500): LogRing {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('log capacity must be a positive integer');
  const slots: string[] = [];
  let next = 0; // where the next line goes once the ring is full
  return {
    push(line) {
      if (slots.length < capacity) {
        slots.push(line);
        return;
      }
      slots[next] = line;
      next = (next + 1) % capacity;
    },
    lines() {
      return [...slots.slice(next), ...slots.slice(0, next)];
    },
    get size() {
      return slots.length;
    },
  };
}

/**
 * Turns stream chunks into whole lines: a chunk may end mid-line (or mid-character, hence the
 * TextDecoder in streaming mode), and the remainder waits for the next chunk or `flush`.
 */
export function createLineSplitter(onLine: (line: string) => void, maxLineLength = 8192) {
  const decoder = new TextDecoder();
  let pending = '';
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  return {
    write(chunk: Uint8Array | string): void {
      pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        emit(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
      // A child that prints without newlines must not grow memory without bound.
      while (pending.length > maxLineLength) {
        emit(pending.slice(0, maxLineLength));
        pending = pending.slice(maxLineLength);
      }
    },
    flush(): void {
      pending += decoder.decode();
      if (pending.length > 0) emit(pending);
      pending = '';
    },
  };
}
