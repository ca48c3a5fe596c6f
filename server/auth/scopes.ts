/**
 * What an API key may do. `follow`: read only what a follower mirrors (the registry, model files,
 * key hashes, the instance id), so a follower never needs the admin token.
 */
export const SCOPES = ['infer', 'metadata', 'follow', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];
