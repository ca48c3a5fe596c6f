import { sql as registryKeysSettings } from './0001-registry-keys-settings.js';
import { sql as usageLog } from './0002-usage-log.js';
import { sql as latencyUptime } from './0003-latency-uptime.js';
import { sql as keyRateLimits } from './0004-key-rate-limits.js';
import { sql as usageJournal } from './0005-usage-journal.js';
import { sql as auditKeyHistory } from './0006-audit-key-history.js';
import { sql as versionProcessing } from './0007-version-processing.js';
import { sql as rolloutWatches } from './0008-rollout-watches.js';

/**
 * Every migration in order: entry N-1 takes a database from `user_version` N-1 to N.
 * Append-only: a new schema change is a new numbered file added at the end (see ../README.md).
 */
export const MIGRATIONS: readonly string[] = [
  registryKeysSettings,
  usageLog,
  latencyUptime,
  keyRateLimits,
  usageJournal,
  auditKeyHistory,
  versionProcessing,
  rolloutWatches,
];
