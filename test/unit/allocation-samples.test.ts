/**
 * The sample rules file allocates the sample billing month completely: nothing unallocated, nothing caught by the
 * `unallocated:` fallback but the tag value the sample is built to miss, and the total equals the invoice's cost
 * lines computed independently (csv-parse, not our reader): every daily usage row plus the reconciliation rows the
 * daily file lacks (purchases and seats).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readCostLines } from '../../src/core/allocation/costLines';
import type { CostLineIssue } from '../../src/core/allocation/costLines';
import { resolveDataFiles, uniqueFiles } from '../../src/core/allocation/dataFiles';
import { allocate } from '../../src/core/allocation/engine';
import { parseRules } from '../../src/core/allocation/parseRules';
import { fileSource } from '../../src/core/billing/source';
import { Dec } from '../../src/core/money';
import { focusCsv } from '../../src/core/exports/focusCsv';
import { journalLines } from '../../src/core/exports/journalCsv';
import { chargebackReportCsv } from '../../src/core/exports/reportCsv';

const ROOT = join(__dirname, '..', '..', '..');
const RULES = join(ROOT, 'samples', 'contoso.chargeback.yaml');
const MONTH = join(ROOT, 'samples', 'billing', '2026-07');

function records(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, bom: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
}

describe('samples: contoso.chargeback.yaml on the sample month', function () {
  this.timeout(60_000);
  const available = existsSync(RULES) && existsSync(MONTH);

  it('allocates every cent of the sample month, and nothing falls through to unallocated', async function () {
    if (!available) this.skip();
    const parsed = parseRules(readFileSync(RULES, 'utf8'));
    assert.deepEqual(
      parsed.problems.filter((p) => p.severity !== 'info'),
      [],
    );
    const files = uniqueFiles(await resolveDataFiles(RULES, parsed.model.data));
    assert.equal(files.length, 2);
    const issues: CostLineIssue[] = [];
    const lines = () =>
      readCostLines(
        files.map((f) => fileSource(f)),
        { onIssue: (i) => issues.push(i) },
      );
    const result = await allocate(parsed.model, lines());
    assert.equal(result.ok, true);
    // The one warning the sample month is built to raise: a team tag that names no target, with its money.
    assert.deepEqual(
      result.warnings.map((w) => w.code),
      ['tag-value-no-target'],
    );
    assert.match(result.warnings[0].message, /team = 'marketing' names no target; \d+\.\d{2} EUR/);

    // The independent total: daily usage rows + reconciliation rows without a meter (purchases, seats).
    // The planted unreadable BillingPreTaxTotal ("n/a") is money nobody can read: not allocated, and said so.
    const daily = records(join(MONTH, 'DailyRatedUsage_2026-07.csv'))
      .filter((r) => r['BillingPreTaxTotal'] !== 'n/a')
      .reduce((a, r) => a.plus(r['BillingPreTaxTotal']), new Dec(0));
    const recon = records(join(MONTH, 'InvoiceReconciliation_2026-07.csv'))
      .filter((r) => r['MeterDescription'] === '' || r['ReservationOrderId'] !== '')
      .reduce((a, r) => a.plus(r['Subtotal']), new Dec(0));
    assert.equal(result.total.toFixed(2), daily.plus(recon).toFixed(2));

    assert.equal(result.unallocated.amount.toFixed(2), '0.00');
    assert.equal(result.unmatched.lines, 0, 'no line reached the unallocated: fallback');
    const platform = result.targets.find((t) => t.id === 'platform')!;
    assert.deepEqual(
      platform.breakdown.map((b) => b.rule),
      ['Team tag'],
      'platform only catches the marketing tag',
    );
    assert.equal(platform.amount.toFixed(2), result.warnings[0].amount!.toFixed(2));
    const sum = result.targets.reduce((a, t) => a.plus(t.amount), new Dec(0));
    assert.equal(sum.toFixed(2), result.total.toFixed(2));
    assert.ok(
      result.rules.every((r) => r.lines > 0),
      'every rule takes some line',
    );
    assert.deepEqual(issues.map((i) => i.code).sort(), ['invalid-amount', 'recon-usage-skipped']);

    // The exports add up to the same total.
    const report = chargebackReportCsv(result)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    assert.equal(report.reduce((a, r) => a.plus(r[4]), new Dec(0)).toFixed(2), result.total.toFixed(2));
    const journal = journalLines(result, parsed.model);
    assert.equal(
      journal.reduce((a, l) => a.plus(l.debit), new Dec(0)).toFixed(2),
      journal.reduce((a, l) => a.plus(l.credit), new Dec(0)).toFixed(2),
    );
    const focus = parse(await focusCsv(result, parsed.model, lines()), { columns: true }) as Record<string, string>[];
    assert.ok(
      focus.every((r) => r['x_ChargebackTarget'] !== ''),
      'every FOCUS row names a target',
    );
    const billed = focus.reduce((a, r) => a.plus(r['BilledCost']), new Dec(0));
    assert.equal(billed.toFixed(2), result.total.toFixed(2));
  });
});
