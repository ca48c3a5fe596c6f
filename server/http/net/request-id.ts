import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a client's X-Request-Id may be: a UUID, a trace id, nginx's $request_id all fit. */
export const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Why a client's X-Request-Id was refused, or undefined when it is absent or fits. */
export function badRequestId(header: string | string[] | undefined): string | undefined {
  if (header === undefined || (typeof header === 'string' && CLIENT_REQUEST_ID.test(header))) return undefined;
  return 'X-Request-Id must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ / + = - (one header, no spaces).';
}

/**
 * Request ids: the server's own, unique across restarts (a random prefix per start, then a
 * counter), followed by a space and the client's X-Request-Id when it sent a valid one. Logs and
 * usage records carry both: the client's id to correlate, the server's so that a client cannot
 * make its request look like another one. An invalid client id is refused with 400 by the
 * network plugin; until then it is simply left out here.
 */
export function requestIdGenerator(): (req: IncomingMessage) => string {
  const boot = randomBytes(4).toString('hex');
  let n = 0;
  return (req) => {
    const own = `${boot}-${(++n).toString(36)}`;
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? `${own} ${given}` : own;
  };
}
