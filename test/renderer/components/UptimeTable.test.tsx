import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { UptimeReportBody } from '../../../renderer/api/types.js';
import { UptimeTable } from '../../../renderer/components/UptimeTable.js';

const win = (availability: number | null, budgetLeftSeconds: number) =>
  ({ availability, observedSeconds: 86_400, downSeconds: 86.4 - budgetLeftSeconds, budgetSeconds: 86.4, budgetLeftSeconds });

const report: UptimeReportBody = {
  target: 0.999,
  server: { '24h': win(1, 86.4), '7d': win(0.9991, 10), '30d': win(0.99, -777.6) },
  models: [{ name: 'iris', version: 2, ready: false, since: 0, '24h': win(null, 0), '7d': win(1, 86.4), '30d': win(1, 86.4) }],
  since: 0,
  startedAt: 0,
};

/** The text of each body row, cell by cell. */
function rows(html: string): string[][] {
  const body = html.split('<tbody>')[1];
  return body.split('</tr>').filter((r) => r.includes('<t')).map((r) =>
    r.split(/<\/t[hd]>/).map((c) => c.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()).filter((c) => c !== ''));
}

describe('UptimeTable', () => {
  test('shows each window against the target with its status and what is left of the budget', () => {
    const html = renderToStaticMarkup(<UptimeTable report={report} />);
    const [server, iris] = rows(html);
    expect(server[0]).toBe('Server');
    expect(server[1]).toBe('100 % On target Down 0 s of 1 d observed; 1 min 26 s of error budget left.');
    expect(server[2]).toMatch(/^99\.91 % Budget nearly spent/);
    expect(server[3]).toMatch(/^99 % Below target .*budget overspent by 12 min 57 s\.$/);
    expect(iris[0]).toBe('iris v2 not ready');
    expect(iris[1]).toBe('— Not enough data yet Nothing observed in this window yet.');
    expect(html).toContain('Availability against the target of 99.9 %');
  });

  test('does not judge a window of a few seconds: a model that loaded for 89 ms of 9 s is not "below target"', () => {
    const fresh = { availability: 0.9903, observedSeconds: 9.2, downSeconds: 0.089, budgetSeconds: 0.0092, budgetLeftSeconds: -0.08 };
    const html = renderToStaticMarkup(<UptimeTable report={{ ...report, server: { '24h': fresh, '7d': fresh, '30d': fresh } }} />);
    const [server] = rows(html);
    expect(server[1]).toMatch(/^— Not enough data yet Up 99\.03 % of 9 s observed; judged against the target from 5 min on\.$/);
    expect(html).not.toContain('Below target');
  });
});
