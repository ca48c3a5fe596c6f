// A leaf: it imports nothing, so every layer may use it, protocol/ and db/ included.

/** The text of anything thrown: an Error's message, else the value as a string (a rejected promise may hold anything). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
