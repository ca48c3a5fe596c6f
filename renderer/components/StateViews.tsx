import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/client.js';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p className="state state-loading" role="status">{label}</p>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorState({ error, title = 'Could not load this', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const missing = error instanceof ApiError && error.missingEndpoint;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{missing ? 'Not available on this server' : title}</p>
      <p className="state-body">{errorText(error)}</p>
      {onRetry ? <button type="button" className="btn" onClick={onRetry}>Try again</button> : null}
    </div>
  );
}

interface QueryViewProps<T> {
  query: UseQueryResult<T>;
  /** Shown instead of children when this says the data is empty. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  errorTitle?: string;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}

/** Loading, error (with retry), empty and loaded states of one query, the same on every page. */
export function QueryView<T>({ query, isEmpty, empty, errorTitle, loadingLabel, children }: QueryViewProps<T>) {
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.isError) return <ErrorState error={query.error} title={errorTitle} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <>{empty}</>;
  return <>{children(query.data)}</>;
}
