/** HTTP statuses a protocol error may carry (Triton's mapping: invalid 400, not found 404, too large 413, unsupported 501). */
export type ProtocolStatus = 400 | 404 | 413 | 501;

/**
 * A client's mistake in an inference request, found before any inference runs.
 * The message names the input or output at fault and is safe to return as `{"error": message}`.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly status: ProtocolStatus,
    message: string,
  ) {
    super(message);
  }
}

/** A name quoted for messages, so empty or odd names stay visible. */
export function quote(name: string): string {
  return JSON.stringify(name);
}
