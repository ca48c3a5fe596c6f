// A leaf: it imports nothing, so every layer may use it, protocol/ and db/ included.

/** The text of anything thrown: an Error's message, else the value as a string (a rejected promise may hold anything). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A thrown value as an Error (a string thrown becomes its message). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}
