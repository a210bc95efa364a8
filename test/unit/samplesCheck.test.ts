import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSource } from '../../src/core/billing/source';
import { loadPriceList } from '../../src/core/billing/priceList';
import { checkSource } from '../../src/core/rating/check';
import { defaultCheckOptions } from '../../src/core/rating/options';
import type { Finding } from '../../src/core/findings';

const samples = join(__dirname, '..', '..', '..', 'samples');

interface Planted {
  file: string;
  line: number;
  column: string;
  code: string;
}

describe('the bundled sample month', () => {
  it('is checked to exactly its planted defects: each on its cell, nothing else', async () => {
    const planted: Planted[] = JSON.parse(readFileSync(join(samples, 'planted-defects.json'), 'utf8'));
    const { priceList, findings: listFindings } = await loadPriceList(
      fileSource(join(samples, 'price-list', 'AzurePlanPriceList_2026-07.csv')),
    );
    assert.deepEqual(listFindings, []);
    const found: Planted[] = [];
    for (const file of [
      'billing/2026-07/DailyRatedUsage_2026-07.csv',
      'billing/2026-07/InvoiceReconciliation_2026-07.csv',
    ]) {
      const findings: Finding[] = [];
      const { summary } = await checkSource(fileSource(join(samples, file)), defaultCheckOptions({ priceList }), (f) =>
        findings.push(f),
      );
      assert.equal(summary.complete, true);
      for (const f of findings) found.push({ file, line: f.line + 1, column: f.column ?? '', code: f.code });
    }
    const key = (p: Planted) => `${p.file}:${p.line}:${p.column}:${p.code}`;
    // A discrepancy between the two files is the tie-out's to find (monthClose.test.ts), not a check of one file.
    assert.deepEqual(
      found.map(key).sort(),
      planted
        .filter((p) => p.code !== 'recon-daily-mismatch')
        .map(key)
        .sort(),
    );
  });
});
