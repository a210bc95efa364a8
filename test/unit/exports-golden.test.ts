/**
 * Golden tests of every export format on the golden example: the report, the journal, the FOCUS lines and the JSON
 * must match the reviewed files under test/fixtures/allocation/golden byte for byte. After an intended change,
 * run the tests with UPDATE_GOLDEN=1, then read the diff of the golden files before committing them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocateSync } from '../../src/core/allocation/engine';
import { parseRules } from '../../src/core/allocation/parseRules';
import type { AllocationResult } from '../../src/core/allocation/result';
import { Dec } from '../../src/core/money';
import { focusCsv } from '../../src/core/exports/focusCsv';
import { journalCsv, journalLines } from '../../src/core/exports/journalCsv';
import { chargebackReportCsv } from '../../src/core/exports/reportCsv';
import { resultJsonText, resultToJson } from '../../src/core/exports/resultJson';
import { GOLDEN, goldenLines, goldenRulesText } from '../fixtures/allocation/golden';

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env['UPDATE_GOLDEN'] !== '1')
      assert.fail(`golden file ${name} did not exist: written, review it and run again`);
    return;
  }
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `${name} differs from the golden file (UPDATE_GOLDEN=1 rewrites it)`,
  );
}

/** Parses a CSV produced by our writer (quoted cells may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const cells: string[] = [];
    let i = 0;
    while (i <= raw.length) {
      if (raw[i] === '"') {
        let j = i + 1;
        let cell = '';
        while (j < raw.length) {
          if (raw[j] === '"' && raw[j + 1] === '"') {
            cell += '"';
            j += 2;
          } else if (raw[j] === '"') break;
          else cell += raw[j++];
        }
        cells.push(cell);
        i = j + 2;
      } else {
        const end = raw.indexOf(',', i);
        cells.push(raw.slice(i, end < 0 ? raw.length : end));
        i = end < 0 ? raw.length + 1 : end + 1;
      }
    }
    rows.push(cells);
  }
  return rows;
}

function column(rows: string[][], name: string): string[] {
  const i = rows[0].indexOf(name);
  assert.ok(i >= 0, `column ${name}`);
  return rows.slice(1).map((r) => r[i]);
}

function sum(values: string[]): string {
  return values
    .filter((v) => v !== '')
    .reduce((a, v) => a.plus(v), new Dec(0))
    .toFixed(2);
}

describe('exports: golden files', () => {
  const model = parseRules(goldenRulesText()).model;
  let result: AllocationResult;

  before(() => {
    assert.equal(model.valid, true);
    result = allocateSync(model, goldenLines());
    assert.equal(result.ok, true);
  });

  it('writes the chargeback report CSV: one row per target x rule', () => {
    golden('report.csv', chargebackReportCsv(result));
  });

  it('writes the general-ledger journal CSV', () => {
    golden('journal.csv', journalCsv(result, model));
  });

  it('writes the allocated cost lines as FOCUS CSV', async () => {
    golden('focus.csv', await focusCsv(result, model, goldenLines()));
  });

  it('writes the JSON of the whole result', () => {
    golden('result.json', resultJsonText(result));
  });
});

describe('exports: what the golden files must say', () => {
  const model = parseRules(goldenRulesText()).model;
  const result = allocateSync(model, goldenLines());

  it('adds the report rows up to the source total, to the cent', () => {
    const rows = parseCsv(chargebackReportCsv(result));
    assert.deepEqual(rows[0], [
      'TargetId',
      'TargetName',
      'CostCenter',
      'Rule',
      'Amount',
      'Currency',
      'Period',
      'Markup',
      'Charged',
    ]);
    assert.equal(sum(column(rows, 'Amount')), result.total.toFixed(2));
    assert.equal(result.total.toFixed(2), '275.85');
  });

  it('neutralizes cells a spreadsheet would run as formulas, and keeps numbers numbers', async () => {
    const report = chargebackReportCsv(result);
    assert.match(report, /,"'=HYPERLINK\(""http:\/\/x""\)",'-CC-1003,/);
    const focus = await focusCsv(result, model, goldenLines());
    // The refund keeps its minus sign as a number, in BilledCost and in x_ChargebackAmount.
    assert.match(focus, /,-3\.10,.*,4,-3\.10,web,/);
    assert.doesNotMatch(focus, /'-3\.10/);
  });

  it('balances the journal: debits equal credits exactly, and the cost debits equal the source total', () => {
    const lines = journalLines(result, model);
    const debits = lines.reduce((a, l) => a.plus(l.debit), new Dec(0));
    const credits = lines.reduce((a, l) => a.plus(l.credit), new Dec(0));
    assert.equal(debits.toFixed(2), credits.toFixed(2));
    const rows = parseCsv(journalCsv(result, model));
    const clearing = rows.find((r) => r[2] === '1990' && r[5] !== '')!;
    assert.equal(clearing[5], result.total.toFixed(2));
    assert.deepEqual(
      rows.slice(1).map((r) => r[1]),
      rows.slice(1).map(() => 'CB-2026-07'),
    );
  });

  it('adds the FOCUS BilledCost column up to the source total exactly, with target and rule columns', async () => {
    const rows = parseCsv(await focusCsv(result, model, goldenLines()));
    assert.equal(sum(column(rows, 'BilledCost')), result.sourceTotal.toFixed(2));
    assert.equal(sum(column(rows, 'x_ChargebackAmount')), result.sourceTotal.toFixed(2));
    assert.ok(column(rows, 'x_ChargebackTarget').includes('web'));
    assert.ok(column(rows, 'x_ChargebackRule').includes('Shared networking'));
    // The USD line was left out by `currency: EUR`.
    assert.ok(!column(rows, 'BillingCurrency').includes('USD'));
  });

  it('adds the FOCUS rows of each target x rule up to exactly the report row, with rounding rows where needed', async () => {
    const focus = parseCsv(await focusCsv(result, model, goldenLines()));
    const report = parseCsv(chargebackReportCsv(result));
    const sums = new Map<string, InstanceType<typeof Dec>>();
    const at = (name: string): number => focus[0].indexOf(name);
    for (const r of focus.slice(1)) {
      const key = `${r[at('x_ChargebackTarget')]}|${r[at('x_ChargebackRule')]}`;
      sums.set(key, (sums.get(key) ?? new Dec(0)).plus(r[at('x_ChargebackAmount')]));
    }
    for (const r of report.slice(1))
      assert.equal((sums.get(`${r[0]}|${r[3]}`) ?? new Dec(0)).toFixed(2), r[4], `${r[0]} ${r[3]}`);
    const rounding = focus.slice(1).filter((r) => r[at('ChargeCategory')] === 'Adjustment');
    assert.ok(rounding.every((r) => new Dec(r[at('x_ChargebackAmount')]).abs().lte('0.01')));
    assert.equal(rounding.reduce((a, r) => a.plus(r[at('BilledCost')]), new Dec(0)).toFixed(2), '0.00');
  });

  it('keeps the JSON names of the contract', () => {
    const json = resultToJson(result) as unknown as Record<string, unknown>;
    for (const key of ['currency', 'total', 'targets', 'unallocated', 'rules', 'warnings']) assert.ok(key in json, key);
    const r = resultToJson(result);
    assert.equal(r.currency, 'EUR');
    assert.equal(typeof r.total, 'string');
    assert.equal(r.targets[0].id, 'web');
    assert.equal(typeof r.targets[0].amount, 'string');
    assert.equal(typeof r.rules[0].name, 'string');
    assert.equal(typeof r.rules[0].amount, 'string');
    const total = r.targets.reduce((a, t) => a.plus(t.amount), new Dec(r.unallocated));
    assert.equal(total.toFixed(2), r.total);
  });
});
