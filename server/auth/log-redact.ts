import type { FastifyError, FastifyRequest, FastifyServerOptions } from 'fastify';

const CENSOR = '[redacted]';
/** Anything shaped like a Hearth API key or admin token. */
const SECRET = /hearth_[A-Za-z0-9_-]{8,}/g;
/** Query parameters that clients use for credentials. */
const SECRET_PARAM = /(?:token|key|secret|password|passwd|auth|credential|signature|sig)/i;

export function redactText(text: string): string {
  return text.replace(SECRET, `hearth_${CENSOR}`);
}

/** The URL with credential-like query values and anything shaped like a key removed. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return redactText(url);
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try { name = decodeURIComponent(name); } catch { /* keep it as sent */ }
    return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=${CENSOR}` : pair;
  });
  return redactText(`${url.slice(0, q)}?${params.join('&')}`);
}

/** Fastify hands its own request to this serializer; no header is written, Authorization least of all. */
function serializeReq(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Errors without the raw request bytes Node attaches to parser errors (`rawPacket`, which holds
 * the request's headers, Authorization included), and with key-shaped strings removed.
 */
function serializeErr(err: FastifyError | Error, depth = 0): { type: string; message: string; stack: string; [key: string]: unknown } {
  if (typeof err !== 'object' || err === null) return { type: typeof err, message: redactText(String(err)), stack: '' };
  const e = err as Error & { code?: unknown; statusCode?: unknown };
  const cause = e.cause instanceof Error && depth < 3 ? { cause: serializeErr(e.cause, depth + 1) } : {};
  return {
    type: e.name,
    message: redactText(String(e.message)),
    stack: redactText(e.stack ?? ''),
    code: e.code,
    statusCode: e.statusCode,
    ...cause,
  };
}

/**
 * Logger options that never write a key or token: no request headers, credential-like query
 * values and key-shaped strings replaced, no raw request bytes.
 */
export function withRedaction(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return logger;
  const base: Exclude<FastifyServerOptions['logger'], boolean | undefined> = logger === true ? {} : logger;
  return {
    ...base,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'req.headers.cookie'], censor: CENSOR },
    serializers: { ...base.serializers, req: serializeReq, err: (err: FastifyError) => serializeErr(err) },
  };
}
