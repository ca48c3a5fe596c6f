import type { Db } from '../db/database.js';
import { Registry } from '../registry/registry.js';
import type { VersionSettings } from '../registry/settings.js';

/**
 * The registry as registerVersion sees it when a follower mirrors one version: the version it
 * adds lands on the leader's number with the leader's settings, so the file goes through the
 * same validation as an upload while the numbering stays the leader's, gaps included.
 */
export class PinnedRegistry extends Registry {
  constructor(db: Db, private readonly pin: { version: number; settings: VersionSettings }) {
    super(db);
  }

  override addVersion(input: Parameters<Registry['addVersion']>[0]): ReturnType<Registry['addVersion']> {
    return super.addVersion({ ...input, version: this.pin.version, settings: this.pin.settings });
  }
}
