export { ZERO_HASH } from './schema.js';
export type {
  AdminAction,
  AdminActionName,
  InferenceRecord,
  Outcome,
  RecordFields,
  RecordKind,
  StoredRecord,
} from './types.js';
export { canonicalJson } from './canonical.js';
export { hashRecord } from './record.js';
export { createUsageLog, type UsageLog, type UsageLogOptions, type UsageLogStats } from './log.js';
export {
  createUsageLogWorker,
  UsageLogThreadError,
  type UsageLogWorker,
  type UsageLogWorkerOptions,
} from './log-worker.js';
export {
  fingerprint,
  generateSigningKey,
  loadOrCreateSigningKey,
  normalizeFingerprint,
  SIGNING_KEY_FILE,
  type SigningKey,
} from './signing.js';
export { getChainState, type ChainState } from './chain-state.js';
export { exportBundle, type ExportBundleOptions } from './export-bundle.js';
export {
  verifyBundle,
  verifyBundleFile,
  verifyBundleStream,
  type VerifyOptions,
  type VerifyResult,
} from './verify-bundle.js';
export { runExtendsCommand, runVerifyCommand, type VerifyCommandOptions } from './verify-command.js';
export { AuditChainRefused } from './chain-guard.js';
export { CHECKPOINT_FILE } from './checkpoint-file.js';
export { exportUsage, type ExportUsageOptions } from './export-usage.js';
export { summarizeUsage, type KeySummary, type ModelSummary, type SummaryOptions, type UsageTotals } from './summary.js';
export { hasAdminRecord, queryUsage, type QueryUsageOptions, type UsagePage } from './query.js';
export { pruneBefore, type PruneResult } from './retention.js';
export type { UsageFilter } from './filter.js';
