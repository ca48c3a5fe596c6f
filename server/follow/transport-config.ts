import { wellFormed } from '../auth/keys.js';
import { ConfigError, type Config } from '../base/config.js';
import { normalizeFingerprint, type LeaderTransport } from './transport.js';

/**
 * The follower's credential and transport from its settings, refused at start when unsafe: the
 * admin token as the credential (it would give the follower, and anyone on its path, the whole
 * leader), https without a pinned certificate, or plain http without --follow-insecure.
 */
export function followTransport(config: Config, env: NodeJS.ProcessEnv = process.env): { key: string; transport: LeaderTransport } {
  const url = new URL(config.followUrl as string);
  const key = config.followKey;
  if (key === undefined && env.HEARTH_FOLLOW_TOKEN !== undefined) {
    // Earlier versions followed with the leader's admin token; say what replaced it rather than only that a key is missing.
    throw new ConfigError('HEARTH_FOLLOW_TOKEN (the leader\'s admin token) is no longer used: a follower now reads its leader with a key of the follow scope. Make one on the leader (hearth key create follower --scopes follow), give it as HEARTH_FOLLOW_KEY, and unset HEARTH_FOLLOW_TOKEN.');
  }
  if (key === undefined) {
    throw new ConfigError('Following a leader needs a key with the follow scope: make one on the leader (hearth key create follower --scopes follow) and give it as --follow-key (or HEARTH_FOLLOW_KEY).');
  }
  if (!wellFormed(key)) {
    throw new ConfigError('--follow-key must be an API key of the leader with the follow scope (hearth key create follower --scopes follow); the leader\'s admin token is refused, it would hand over the whole leader.');
  }
  if (url.protocol === 'https:') {
    if (config.followFingerprint === undefined) {
      throw new ConfigError(`Following ${url.origin} needs its TLS certificate pinned: give --follow-fingerprint with the SHA-256 fingerprint the leader prints at start (also in "hearth network show").`);
    }
    const fingerprint = normalizeFingerprint(config.followFingerprint);
    if (fingerprint === null) {
      throw new ConfigError('--follow-fingerprint must be a SHA-256 certificate fingerprint: 32 bytes in hex, with or without colons (as "hearth network show" prints it).');
    }
    return { key, transport: { kind: 'pinned', fingerprint } };
  }
  if (!config.followInsecure) {
    throw new ConfigError(`Following ${url.origin} over plain http would send the follow key and receive models unprotected: serve the leader with --tls and follow its https URL with --follow-fingerprint, or accept the risk with --follow-insecure.`);
  }
  return { key, transport: { kind: 'insecure' } };
}
