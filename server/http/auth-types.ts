import type { ApiKey, Scope } from '../auth/keys.js';

/** What the auth check reads from a request. */
export interface AuthQuestion {
  access: 'public' | 'admin' | Scope;
  authorization: string | undefined;
  /** The client's address (request.ip). */
  ip: string;
  /** Whether the client is on this machine (net/local-client.ts). */
  local: () => boolean;
  corsOrigin: string | undefined;
}

/** Who asked: the admin token, an API key, or neither (an anonymous client that may call the route). */
export interface Identity {
  admin?: true;
  key?: ApiKey;
}
