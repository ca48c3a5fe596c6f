export interface RawLine {
  bytes: Buffer;
  /** false for trailing bytes with no "\n" after them. */
  terminated: boolean;
}

/** Splits a byte stream on "\n" only (never "\r"), so every byte stays visible to the verifier. */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<RawLine, void, undefined> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : toBuffer(chunk);
    const buffer = rest.length > 0 ? Buffer.concat([rest, data]) : data;
    let start = 0;
    for (let nl = buffer.indexOf(0x0a, start); nl !== -1; nl = buffer.indexOf(0x0a, start)) {
      yield { bytes: buffer.subarray(start, nl), terminated: true };
      start = nl + 1;
    }
    rest = buffer.subarray(start);
  }
  if (rest.length > 0) yield { bytes: rest, terminated: false };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
