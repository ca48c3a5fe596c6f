import { useSyncExternalStore } from 'react';
import { parseRoute, routePath, type Route } from './routes.js';

const BASE = import.meta.env.BASE_URL;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** Moves to a route with the History API; the server answers every /ui/ path with the app. */
export function navigate(route: Route): void {
  const path = routePath(route, BASE);
  if (path !== window.location.pathname) window.history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function useRoute(): [Route, (route: Route) => void] {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  const route = parseRoute(pathname, BASE);
  return [route, navigate];
}

export const hrefOf = (route: Route): string => routePath(route, BASE);
