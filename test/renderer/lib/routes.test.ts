import { describe, expect, test } from 'vitest';
import { PAGES, parseRoute, routePath } from '../../../renderer/lib/routes.js';

describe('routes', () => {
  test('paths under /ui/ name a page; anything else is the overview', () => {
    expect(parseRoute('/ui/')).toEqual({ page: 'overview' });
    expect(parseRoute('/ui')).toEqual({ page: 'overview' });
    expect(parseRoute('/ui/keys')).toEqual({ page: 'keys' });
    expect(parseRoute('/ui/usage/')).toEqual({ page: 'usage' });
    expect(parseRoute('/ui/nope')).toEqual({ page: 'overview' });
    expect(parseRoute('/ui/models/fraud%20v2')).toEqual({ page: 'models', model: 'fraud v2' });
    expect(parseRoute('/ui/models/%E0%A4%A')).toEqual({ page: 'models' });
  });

  test('every route survives a round trip', () => {
    for (const page of PAGES) expect(parseRoute(routePath({ page }))).toEqual({ page });
    const m = { page: 'models' as const, model: 'a.b-c_d' };
    expect(routePath(m)).toBe('/ui/models/a.b-c_d');
    expect(parseRoute(routePath(m))).toEqual(m);
  });

  test('works under another base (the Vite dev server serves at /)', () => {
    expect(parseRoute('/hardware', '/')).toEqual({ page: 'hardware' });
    expect(routePath({ page: 'network' }, '/')).toBe('/network');
  });
});
