/**
 * Deterministic JSON (RFC 8785 for the values we store): object keys sorted by UTF-16 code units,
 * no whitespace, strings and numbers as JSON.stringify writes them. Keys whose value is undefined
 * are left out, as JSON.stringify does; any other non-JSON value throws.
 */
export function canonicalJson(value: unknown): string {
  // Fast path: rebuild objects with sorted keys and let the native JSON.stringify write them.
  // It cannot be used when a key looks like an array index (JS enumerates those first, in
  // numeric order) or for objects with their own toJSON; those take the slow path.
  const sorted = sortKeys(value);
  return sorted === SLOW ? slowCanonical(value) : JSON.stringify(sorted);
}

const SLOW = Symbol('slow');
const INDEX_LIKE = /^(?:0|[1-9]\d{0,9})$/;

function sortKeys(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialize ${value} as JSON`);
      return value;
    case 'object': {
      if (Array.isArray(value)) {
        const out: unknown[] = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          if (item === undefined) throw new TypeError('cannot serialize undefined in an array as JSON');
          const s = sortKeys(item);
          if (s === SLOW) return SLOW;
          out[i] = s;
        }
        return out;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return SLOW;
      const keys = Object.keys(value).sort();
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        // Assigning "__proto__" would set the prototype instead of adding a key.
        if (key === '__proto__' || (key.charCodeAt(0) <= 0x39 && INDEX_LIKE.test(key))) return SLOW;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        const s = sortKeys(item);
        if (s === SLOW) return SLOW;
        out[key] = s;
      }
      return out;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
  }
}

function slowCanonical(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialize ${value} as JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value
          .map((item: unknown) => {
            if (item === undefined) throw new TypeError('cannot serialize undefined in an array as JSON');
            return slowCanonical(item);
          })
          .join(',')}]`;
      }
      const entries = Object.keys(value)
        .sort()
        .flatMap((key) => {
          const item = (value as Record<string, unknown>)[key];
          return item === undefined ? [] : [`${JSON.stringify(key)}:${slowCanonical(item)}`];
        });
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
  }
}

/**
 * Whether `text` is the canonical JSON of `parsed` (= JSON.parse(text)). Cheap for the common case:
 * text as JSON.stringify writes it with every object's keys already in order; anything else is
 * decided by canonicalJson.
 */
export function isCanonicalText(parsed: unknown, text: string): boolean {
  if (keysInOrder(parsed) && JSON.stringify(parsed) === text) return true;
  return canonicalJson(parsed) === text;
}

function keysInOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(keysInOrder);
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i += 1) if (!(keys[i - 1] < keys[i])) return false;
  for (const key of keys) if (!keysInOrder((value as Record<string, unknown>)[key])) return false;
  return true;
}
