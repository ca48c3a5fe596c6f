import type { FollowStatus } from '../api/types.js';

const REASON: Record<NonNullable<FollowStatus['hold']>['reason'], string> = {
  'leader-changed': 'Another server answers as the leader',
  removals: 'The leader removed many models or keys at once',
};

/**
 * The follower's state for the overview: nothing on a server that follows no leader, a line
 * naming the leader otherwise, and an alert while mirroring is on hold, with the command that
 * lifts it (confirming is a deliberate act, so the page shows how rather than a button).
 */
export function FollowNotice({ status, onConfirm }: { status: FollowStatus; onConfirm?: (holdId: string) => void }) {
  if (!status.following) return null;
  const { hold } = status;
  if (!hold) {
    return (
      <p className="follow-status">
        Follows <code>{status.leader}</code> (instance <code>{status.leaderInstanceId ?? 'not yet seen'}</code>)
        {status.lastError ? <span className="text-warn">: {status.lastError}</span> : null}
      </p>
    );
  }
  return (
    <div className="warning follow-hold" role="alert">
      <strong>Mirroring is stopped: {REASON[hold.reason]}.</strong>
      <p>{hold.message}</p>
      {hold.removals.length > 0 ? (
        <ul>{hold.removals.slice(0, 20).map((r) => <li key={r}>{r}</li>)}</ul>
      ) : null}
      <p>
        To go ahead: <code>hearth follow confirm {hold.id}</code>
        {onConfirm ? <> or <button type="button" onClick={() => onConfirm(hold.id)}>Confirm hold {hold.id}</button></> : null}
      </p>
    </div>
  );
}
