import { RECORD_FIELD_NAMES } from './record.js';

/** Written by exports; format 1 bundles (no checkpoint interval, one key) still verify. */
export const BUNDLE_FORMAT = 'hearth-audit/2';
export const BUNDLE_FORMAT_1 = 'hearth-audit/1';

/** The exact key set of each line type; a line with any other key is rejected. */
export const LINE_KEYS = {
  // checkpointEvery: a checkpoint at most this many records apart, for records after
  // checkpointsFrom; keys: the earlier signing keys whose checkpoints the bundle holds.
  header: ['type', 'format', 'publicKey', 'fingerprint', 'from', 'to', 'prevHash', 'checkpointEvery', 'checkpointsFrom', 'keys'],
  record: ['type', ...RECORD_FIELD_NAMES, 'prevHash', 'hash'],
  checkpoint: ['type', 'seq', 'hash', 'time', 'signature', 'fingerprint'],
  end: ['type', 'count', 'firstSeq', 'lastSeq', 'lastHash', 'exportedAt', 'digest', 'signature'],
} as const;

/** Format 1's header and checkpoint lines; records and the end line are the same. */
export const LINE_KEYS_1 = {
  ...LINE_KEYS,
  header: ['type', 'format', 'publicKey', 'fingerprint', 'from', 'to', 'prevHash'],
  checkpoint: ['type', 'seq', 'hash', 'time', 'signature'],
} as const;

export type LineType = keyof typeof LINE_KEYS;

export interface EndPayload {
  type: 'end';
  count: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string;
  exportedAt: number;
  /** SHA-256 of every byte of the bundle before the end line. */
  digest: string;
}
