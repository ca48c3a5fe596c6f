import type { AliasChange } from '../api/types.js';

/**
 * Where rollback would move an alias: the server's rule (server/registry/registry.ts
 * previousTarget) replayed on the history it returns, so the button can name the version.
 */
export function rollbackTarget(history: readonly AliasChange[], liveVersions: readonly number[], alias = 'production'): number | undefined {
  const stack: number[] = [];
  for (const change of history) {
    if (change.alias !== alias) continue;
    if (change.action === 'delete') stack.length = 0;
    else if (change.action === 'rollback' || change.action === 'auto-rollback') stack.pop();
    else if (change.version !== null && stack[stack.length - 1] !== change.version) stack.push(change.version);
  }
  const live = new Set(liveVersions);
  stack.pop();
  while (stack.length > 0 && !live.has(stack[stack.length - 1])) stack.pop();
  return stack[stack.length - 1];
}

/** A history line in words: "production → v3 (rollback)". */
export function describeChange(c: AliasChange): string {
  const target = c.version === null ? 'removed' : `→ v${c.version}`;
  const how = c.action === 'set' ? '' : ` (${c.action.replace('-', ' ')})`;
  return `${c.alias} ${target}${how}${c.reason ? `: ${c.reason}` : ''}`;
}
