export const PAGES = ['overview', 'hardware', 'models', 'keys', 'network', 'usage'] as const;
export type Page = (typeof PAGES)[number];

export const PAGE_TITLES: Record<Page, string> = {
  overview: 'Overview',
  hardware: 'Hardware',
  models: 'Models',
  keys: 'API keys',
  network: 'Network',
  usage: 'Usage and audit',
};

export interface Route {
  page: Page;
  /** The model on /models/<name>. */
  model?: string;
}

const isPage = (s: string): s is Page => (PAGES as readonly string[]).includes(s);

/** The route for a location path under `base` ('/ui/'); unknown paths show the overview. */
export function parseRoute(pathname: string, base = '/ui/'): Route {
  const root = base.endsWith('/') ? base : `${base}/`;
  const rest = pathname.startsWith(root) ? pathname.slice(root.length) : pathname === root.slice(0, -1) ? '' : pathname.replace(/^\//, '');
  const [first = '', second] = rest.split('/').filter((s) => s !== '');
  if (!isPage(first)) return { page: 'overview' };
  if (first === 'models' && second !== undefined) {
    try {
      return { page: 'models', model: decodeURIComponent(second) };
    } catch {
      return { page: 'models' };
    }
  }
  return { page: first };
}

/** The location path of a route under `base`. */
export function routePath(route: Route, base = '/ui/'): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  if (route.page === 'overview') return root;
  if (route.page === 'models' && route.model) return `${root}models/${encodeURIComponent(route.model)}`;
  return `${root}${route.page}`;
}
