import { RECORD_FIELD_NAMES } from './record.js';

export const BUNDLE_FORMAT = 'hearth-audit/1';

/** The exact key set of each line type; a line with any other key is rejected. */
export const LINE_KEYS = {
  header: ['type', 'format', 'publicKey', 'fingerprint', 'from', 'to', 'prevHash'],
  record: ['type', ...RECORD_FIELD_NAMES, 'prevHash', 'hash'],
  checkpoint: ['type', 'seq', 'hash', 'time', 'signature'],
  end: ['type', 'count', 'firstSeq', 'lastSeq', 'lastHash', 'exportedAt', 'digest', 'signature'],
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
