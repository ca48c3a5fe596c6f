import type { ErrorKind } from '../base/errors.js';

export { badRequest, conflict, HearthError, notFound, unavailable } from '../base/errors.js';

/** An error of the HTTP layer itself (authentication, limits, media types), with its status. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The one mapping from domain error kinds to HTTP status codes. */
export const STATUS_OF: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  unavailable: 503,
  insufficient_storage: 507,
  internal: 500,
};
