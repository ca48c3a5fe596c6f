/**
 * Domain errors: what went wrong, in words a person can act on, and its kind. The registry,
 * runtime and services raise these and know nothing of HTTP; the HTTP layer (http/errors.ts)
 * is the one place that turns a kind into a status code, as Triton's frontends map its core's
 * error codes.
 */
export type ErrorKind =
  | 'invalid'               // the request or file is wrong: 400
  | 'not_found'             // 404
  | 'conflict'              // the state does not allow it now: 409
  | 'too_large'             // 413
  | 'unsupported_media'     // a body in a format this route does not take: 415
  | 'unavailable'           // temporarily: 503, with how long to wait
  | 'insufficient_storage'  // no room for it at all on its device: 507
  | 'internal';             // the server's own fault: 500

export class HearthError extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly retryAfterS?: number) {
    super(message);
    this.name = new.target.name;
  }
}

export const badRequest = (message: string) => new HearthError('invalid', message);
export const notFound = (message: string) => new HearthError('not_found', message);
export const conflict = (message: string) => new HearthError('conflict', message);
export const tooLarge = (message: string) => new HearthError('too_large', message);
export const unavailable = (message: string, retryAfterS = 1) => new HearthError('unavailable', message, retryAfterS);
export const unsupportedMedia = (message: string) => new HearthError('unsupported_media', message);
export const insufficientStorage = (message: string) => new HearthError('insufficient_storage', message);

