/**
 * The bench's editor leg: what a user who opens a big daily usage file waits for. The language server's own
 * BillingService checks the document text (held in memory, as the editor hands it over) and publishes diagnostics;
 * this measures the time from the document's opening to the published diagnostics, and the longest time the
 * server's event loop was kept busy meanwhile (what a keystroke, hover or completion would have waited at worst).
 *
 *   node editor-leg.js FILE    -> one JSON object on stdout
 */
import { readFileSync } from 'node:fs';
import { BillingService } from '../../src/server/billing/billingService';
import { defaultCheckOptions } from '../../src/core/rating/options';

async function main(): Promise<void> {
  const file = process.argv[2];
  const text = readFileSync(file, 'utf8');
  const uri = 'file:///bench/usage.csv';
  let diagnostics = -1;
  let publishedAt = 0;
  const service = new BillingService({
    settingsFor: async () => ({ options: defaultCheckOptions(), maxDiagnostics: 1000 }),
    publish: (_uri, d) => {
      diagnostics = d.length;
      publishedAt = performance.now();
    },
    summary: () => undefined,
    log: () => undefined,
  });
  // The longest gap between ticks of a 5 ms timer: how long the event loop was held at most.
  let last = performance.now();
  let longestBlock = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestBlock = Math.max(longestBlock, now - last);
    last = now;
  }, 5);
  const opened = performance.now();
  service.schedule({ uri, version: 1, getText: () => text }, 0);
  await service.settled(uri);
  clearInterval(ticker);
  const summary = service.summary(uri);
  process.stdout.write(
    JSON.stringify({
      diagnosticsMs: Math.round(publishedAt - opened),
      diagnostics,
      longestBlockMs: Math.round(longestBlock),
      rows: summary?.rows,
      findings: summary?.findings,
    }) + '\n',
  );
}

void main();
