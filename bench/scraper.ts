// Scrapes /metrics the whole time Hearth is measured, as a site's Prometheus would, so the
// figures include what the metrics cost.
export interface ScrapeReport {
  scrapes: number;
  failures: number;
  lastStatus: number | null;
}

export function startScraper(url: string, token: string, intervalMs = 2000): { stop(): ScrapeReport } {
  const report: ScrapeReport = { scrapes: 0, failures: 0, lastStatus: null };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        report.scrapes++;
        report.lastStatus = res.status;
        if (!res.ok) report.failures++;
      }, () => { report.failures++; })
      .finally(() => { busy = false; });
  }, intervalMs);
  timer.unref();
  return { stop: () => { clearInterval(timer); return { ...report }; } };
}
