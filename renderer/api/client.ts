/** An error the UI can show as is: the server's {"error"} message, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server answered that it has no such endpoint (an older server than this UI). */
  get missingEndpoint(): boolean {
    return this.status === 404 && this.message.startsWith('This server has no');
  }
}

export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Record<string, QueryValue | readonly string[]>;

/** `?a=1&b=x` from the defined, non-empty values; arrays join with commas. "" when nothing is left. */
export function queryString(params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) search.set(name, value.join(','));
      continue;
    }
    search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The error a failed response stands for, with a message a person can act on. */
export async function errorFrom(res: Response, method = 'GET', path = ''): Promise<ApiError> {
  let message = '';
  const text = await res.text().catch(() => '');
  if (text !== '') {
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') message = body.error;
    } catch {
      message = text.slice(0, 300);
    }
  }
  if (res.status === 404 && message.startsWith('No endpoint')) {
    return new ApiError(`This server has no ${method} ${path.split('?')[0]} yet; it may be older than this page.`, 404);
  }
  if (message === '') message = `The server answered ${res.status} ${res.statusText}`.trim() + '.';
  return new ApiError(message, res.status);
}

export interface ClientOptions {
  token: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called on a 401 so the UI can ask for the token again. */
  onUnauthorized?: () => void;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiClient {
  readonly baseUrl: string;
  get<T>(path: string, query?: QueryParams): Promise<T>;
  send<T>(method: Method, path: string, body?: unknown, query?: QueryParams): Promise<T>;
  upload<T>(path: string, file: Blob, query?: QueryParams): Promise<T>;
  /** A body sent as is with its own content type: an asset, an image or a text for a processed version. */
  raw<T>(method: Method, path: string, body: Blob | string, contentType: string, query?: QueryParams): Promise<T>;
  blob(path: string, query?: QueryParams): Promise<Blob>;
  /** true on 2xx, false on 4xx/5xx: for health routes that answer with a status and no body. */
  probe(path: string): Promise<boolean>;
}

/** The admin API over fetch, with the admin token on every call. */
export function createClient({ token, baseUrl = '', fetch: fetchImpl = globalThis.fetch.bind(globalThis), onUnauthorized }: ClientOptions): ApiClient {
  async function call(method: Method, path: string, init: { body?: BodyInit; contentType?: string; query?: QueryParams } = {}): Promise<Response> {
    const url = `${baseUrl}${path}${queryString(init.query)}`;
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (init.contentType) headers['content-type'] = init.contentType;
    let res: Response;
    try {
      res = await fetchImpl(url, { method, headers, body: init.body });
    } catch {
      throw new ApiError('Cannot reach the Hearth server. Check that it is running, then try again.', 0);
    }
    if (res.ok) return res;
    if (res.status === 401) onUnauthorized?.();
    throw await errorFrom(res, method, path);
  }

  const json = async <T>(res: Response): Promise<T> => {
    const text = await res.text();
    return (text === '' ? null : JSON.parse(text)) as T;
  };

  return {
    baseUrl,
    get: async (path, query) => json(await call('GET', path, { query })),
    send: async (method, path, body, query) => json(await call(method, path, {
      query,
      ...(body === undefined ? {} : { body: JSON.stringify(body), contentType: 'application/json' }),
    })),
    upload: async (path, file, query) => json(await call('POST', path, { body: file, contentType: 'application/octet-stream', query })),
    raw: async (method, path, body, contentType, query) => json(await call(method, path, { body, contentType, query })),
    blob: async (path, query) => (await call('GET', path, { query })).blob(),
    probe: async (path) => {
      try {
        const res = await fetchImpl(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return res.ok;
      } catch {
        return false;
      }
    },
  };
}
