/**
 * The FOCUS export against the FOCUS 1.2 requirements for the columns it writes: every mandatory column present,
 * non-null where the spec says so, allowed values only, date/times and numbers in the spec's formats, and the
 * nullability rules that depend on ChargeCategory (usage, purchase, credit, tax, adjustment). On the sample month
 * (read by the product, checked against the files read independently with csv-parse) and on hand-made lines of
 * the categories the sample month lacks. Expected sums come from the engine and the source files, never constants.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type Decimal from 'decimal.js';
import { readCostLines, type CostLineIssue } from '../../src/core/allocation/costLines';
import { resolveDataFiles, uniqueFiles } from '../../src/core/allocation/dataFiles';
import { allocate, allocateSync } from '../../src/core/allocation/engine';
import { parseRules } from '../../src/core/allocation/parseRules';
import { fileSource } from '../../src/core/billing/source';
import { Dec } from '../../src/core/money';
import { focusCsv } from '../../src/core/exports/focusCsv';
import { FOCUS_SERVICE_CATEGORIES } from '../../src/core/exports/focusServiceCategory';
import { chargebackReportCsv } from '../../src/core/exports/reportCsv';
import { journalLines } from '../../src/core/exports/journalCsv';
import { resultToJson } from '../../src/core/exports/resultJson';
import { line, rules, yaml } from '../fixtures/allocation/lines';

const ROOT = join(__dirname, '..', '..', '..');
const RULES = join(ROOT, 'samples', 'contoso.chargeback.yaml');
const MONTH = join(ROOT, 'samples', 'billing', '2026-07');

type Row = Record<string, string>;

/** FOCUS 1.2 columns whose feature level is Mandatory. */
const MANDATORY = [
  'BilledCost',
  'BillingAccountId',
  'BillingAccountName',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'PricingQuantity',
  'PricingUnit',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
];
/** Mandatory columns that allow no null at all. */
const NEVER_NULL = [
  'BilledCost',
  'BillingAccountId',
  'BillingCurrency',
  'BillingPeriodEnd',
  'BillingPeriodStart',
  'ChargeCategory',
  'ChargePeriodEnd',
  'ChargePeriodStart',
  'ContractedCost',
  'EffectiveCost',
  'InvoiceIssuerName',
  'ListCost',
  'ProviderName',
  'PublisherName',
  'ServiceCategory',
  'ServiceName',
  'ChargeFrequency',
];
const NUMERIC = [
  'BilledCost',
  'ContractedCost',
  'EffectiveCost',
  'ListCost',
  'ListUnitPrice',
  'PricingQuantity',
  'ConsumedQuantity',
];
const DATE_TIMES = ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd'];
const ALLOWED: Record<string, readonly string[]> = {
  ChargeCategory: ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
  ChargeClass: ['', 'Correction'],
  ChargeFrequency: ['One-Time', 'Recurring', 'Usage-Based'],
  ServiceCategory: FOCUS_SERVICE_CATEGORIES,
  CommitmentDiscountStatus: ['', 'Used', 'Unused'],
  CommitmentDiscountCategory: ['', 'Spend', 'Usage'],
};

/** FOCUS NumericFormat: plain or E notation, no plus sign, no thousands separators. */
const NUMBER = /^-?\d+(\.\d+)?(E-?\d+)?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** Every requirement this checker knows, on every row: the violations as "row N Column: what". */
function violations(rows: Row[], header: string[], unreadableQuantity: (r: Row) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const c of MANDATORY) if (!header.includes(c)) out.push(`header lacks mandatory ${c}`);
  const purchasesAmortized = new Set(
    rows.filter((r) => r['CommitmentDiscountStatus'] === 'Used').map((r) => r['CommitmentDiscountId']),
  );
  rows.forEach((r, n) => {
    const bad = (column: string, what: string): void => {
      out.push(`row ${n + 2} ${column}: ${what} (${r[column]})`);
    };
    const isNull = (c: string): boolean => (r[c] ?? '') === '';
    const category = r['ChargeCategory'];
    const correction = r['ChargeClass'] === 'Correction';
    for (const c of NEVER_NULL) if (header.includes(c) && isNull(c)) bad(c, 'null');
    for (const [c, allowed] of Object.entries(ALLOWED))
      if (header.includes(c) && !allowed.includes(r[c])) bad(c, 'not an allowed value');
    for (const c of NUMERIC) if (!isNull(c) && !NUMBER.test(r[c])) bad(c, 'not a FOCUS number');
    for (const c of DATE_TIMES) if (!INSTANT.test(r[c])) bad(c, 'not a UTC date/time');
    if (!(r['BillingPeriodStart'] < r['BillingPeriodEnd']))
      bad('BillingPeriodEnd', 'not after the start (ends are exclusive)');
    if (!(r['ChargePeriodStart'] < r['ChargePeriodEnd']))
      bad('ChargePeriodEnd', 'not after the start (ends are exclusive)');
    if (isNull('ChargeDescription')) bad('ChargeDescription', 'null (SHOULD NOT)');
    // Nullability by charge category.
    if (category === 'Tax') {
      for (const c of ['PricingQuantity', 'PricingUnit', 'ListUnitPrice', 'SkuId'])
        if (!isNull(c)) bad(c, 'not null on a Tax row');
    }
    if ((category === 'Usage' || category === 'Purchase') && !correction) {
      const exempt = unreadableQuantity(r);
      for (const c of ['PricingQuantity', 'ListUnitPrice', 'SkuId'])
        if (isNull(c) && !(exempt && c === 'PricingQuantity')) bad(c, `null on a ${category} row`);
      if (exempt && !isNull('PricingQuantity'))
        bad('PricingQuantity', 'a number where the source quantity is unreadable');
    }
    if (isNull('PricingQuantity') !== isNull('PricingUnit'))
      bad('PricingUnit', 'null exactly when PricingQuantity is not');
    const unused = r['CommitmentDiscountStatus'] === 'Unused';
    if ((category !== 'Usage' || unused) && !isNull('ConsumedQuantity')) bad('ConsumedQuantity', 'not null off usage');
    if (category === 'Usage' && !unused && !correction && isNull('ConsumedQuantity') && !unreadableQuantity(r))
      bad('ConsumedQuantity', 'null on usage');
    if (isNull('ConsumedQuantity') !== isNull('ConsumedUnit'))
      bad('ConsumedUnit', 'null exactly when ConsumedQuantity is not');
    if (category === 'Purchase' && r['ChargeFrequency'] === 'Usage-Based')
      bad('ChargeFrequency', 'Usage-Based on a purchase');
    // Costs.
    if (
      category === 'Purchase' &&
      purchasesAmortized.has(r['CommitmentDiscountId']) &&
      !new Dec(r['EffectiveCost']).isZero()
    ) {
      bad('EffectiveCost', 'not 0 on a purchase amortized over its usage');
    }
    if ((category === 'Credit' || category === 'Adjustment') && !new Dec(r['EffectiveCost']).eq(r['BilledCost']))
      bad('EffectiveCost', 'differs from BilledCost');
    if (!new Dec(r['ContractedCost']).eq(r['BilledCost']))
      bad('ContractedCost', 'differs from BilledCost (no ContractedUnitPrice)');
    if (!isNull('ListUnitPrice') && new Dec(r['ListUnitPrice']).isNegative()) bad('ListUnitPrice', 'negative');
    if (!isNull('ListUnitPrice') && !isNull('PricingQuantity')) {
      const product = new Dec(r['ListUnitPrice']).times(r['PricingQuantity']);
      if (product.minus(r['ListCost']).abs().gt('0.01'))
        bad('ListCost', `is not ListUnitPrice x PricingQuantity (${product.toFixed()})`);
    }
    if (isNull('ListUnitPrice') && category !== 'Tax' && !new Dec(r['ListCost']).eq(r['BilledCost']))
      bad('ListCost', 'differs from BilledCost without a unit price');
    // Columns that go together.
    const id = !isNull('CommitmentDiscountId');
    for (const c of ['CommitmentDiscountCategory', 'CommitmentDiscountType'])
      if (isNull(c) === id) bad(c, 'null exactly when CommitmentDiscountId is not');
    if (!id && !isNull('CommitmentDiscountStatus')) bad('CommitmentDiscountStatus', 'set without CommitmentDiscountId');
    if (id && category === 'Usage' && isNull('CommitmentDiscountStatus'))
      bad('CommitmentDiscountStatus', 'null on covered usage');
    if (!id && !isNull('CommitmentDiscountName')) bad('CommitmentDiscountName', 'set without CommitmentDiscountId');
    if (isNull('RegionId') !== isNull('RegionName')) bad('RegionName', 'null exactly when RegionId is not');
    if (isNull('ResourceId') && (!isNull('ResourceName') || !isNull('ResourceType')))
      bad('ResourceName', 'set without ResourceId');
    if (!isNull('ResourceId') && isNull('ResourceType')) bad('ResourceType', 'null with a ResourceId');
    if (!isNull('ResourceName') && r['ResourceName'] === r['ResourceId']) bad('ResourceName', 'duplicates ResourceId');
    if (isNull('SkuId') && !isNull('SkuMeter')) bad('SkuMeter', 'set without SkuId');
    if (isNull('SubAccountId') !== isNull('SubAccountName'))
      bad('SubAccountName', 'null exactly when SubAccountId is not');
    if (!isNull('Tags')) {
      const tags: unknown = JSON.parse(r['Tags']);
      if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) bad('Tags', 'not a JSON object');
    }
    for (const c of header)
      if (!/^x_/.test(c) && !/^[A-Z][A-Za-z]+$/.test(c)) out.push(`column ${c}: neither FOCUS nor x_`);
  });
  return out;
}

function sumBy(rows: Row[], key: (r: Row) => string, column: string): Map<string, Decimal> {
  const m = new Map<string, Decimal>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? new Dec(0)).plus(r[column] || 0));
  return m;
}

function csvRecords(text: string): { header: string[]; rows: Row[] } {
  const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Row[];
  return { header: Object.keys(rows[0] ?? {}), rows };
}

describe('FOCUS export: the FOCUS 1.2 requirements of its columns', function () {
  this.timeout(120_000);

  it('on the sample month: every mandatory column, per charge category, and sums that agree with the files', async () => {
    const parsed = parseRules(readFileSync(RULES, 'utf8'));
    const files = uniqueFiles(await resolveDataFiles(RULES, parsed.model.data));
    const issues: CostLineIssue[] = [];
    const lines = () =>
      readCostLines(
        files.map((f) => fileSource(f)),
        { detail: true, onIssue: (i) => issues.push(i) },
      );
    const result = await allocate(parsed.model, lines());
    assert.equal(result.ok, true);
    const { header, rows } = csvRecords(await focusCsv(result, parsed.model, lines()));

    // The source files, read independently: which rows have an unreadable quantity, and the billed sum per invoice.
    const daily = csvRecords(readFileSync(join(MONTH, 'DailyRatedUsage_2026-07.csv'), 'utf8')).rows;
    const recon = csvRecords(readFileSync(join(MONTH, 'InvoiceReconciliation_2026-07.csv'), 'utf8')).rows;
    const unreadable = new Set(daily.map((r, i) => (NUMBER.test(r['Quantity']) ? -1 : i + 2)).filter((i) => i > 0));
    assert.ok(unreadable.size > 0, 'the sample month plants an unreadable quantity');
    const problems = violations(
      rows,
      header,
      (r) => r['x_SourceFile'].endsWith('DailyRatedUsage_2026-07.csv') && unreadable.has(Number(r['x_SourceLine'])),
    );
    assert.deepEqual(problems.slice(0, 20), []);

    // Every category the month has, with its own rules: usage, purchases (seats and the reservation), rounding.
    const categories = new Set(rows.map((r) => r['ChargeCategory']));
    for (const c of ['Usage', 'Purchase']) assert.ok(categories.has(c), c);
    const reservation = rows.filter((r) => r['ChargeCategory'] === 'Purchase' && r['CommitmentDiscountId'] !== '');
    assert.ok(reservation.length > 0, 'the reservation purchase is a Purchase row with its commitment');
    assert.ok(reservation.every((r) => r['ResourceId'] === r['CommitmentDiscountId'] && r['EffectiveCost'] === '0.00'));
    const covered = rows.filter((r) => r['CommitmentDiscountStatus'] === 'Used');
    assert.ok(covered.length > 0 && covered.every((r) => r['ChargeCategory'] === 'Usage'));

    // BilledCost per InvoiceId equals the billing files: daily rows plus the reconciliation rows the daily file lacks.
    // A row whose amount cannot be read is not allocated (the reader says so), so it is in neither sum.
    const readable = daily.filter(
      (r) => NUMBER.test(r['BillingPreTaxTotal']) || /^-?\d+(\.\d+)?E[-+]?\d+$/i.test(r['BillingPreTaxTotal']),
    );
    const unreadableAmounts = daily.length - readable.length;
    const reported = new Set(issues.filter((i) => i.code === 'invalid-amount').map((i) => `${i.file}:${i.line}`));
    assert.equal(reported.size, unreadableAmounts, 'each unreadable amount reported');
    const fileInvoices = sumBy(readable, (r) => r['InvoiceNumber'], 'BillingPreTaxTotal');
    for (const r of recon.filter((x) => x['MeterDescription'] === '' || x['ReservationOrderId'] !== '')) {
      fileInvoices.set(r['InvoiceNumber'], (fileInvoices.get(r['InvoiceNumber']) ?? new Dec(0)).plus(r['Subtotal']));
    }
    const exportInvoices = sumBy(
      rows.filter((r) => r['InvoiceId'] !== ''),
      (r) => r['InvoiceId'],
      'BilledCost',
    );
    assert.deepEqual([...exportInvoices.keys()].sort(), [...fileInvoices.keys()].sort());
    for (const [invoice, amount] of fileInvoices)
      assert.equal(exportInvoices.get(invoice)!.toFixed(2), amount.toFixed(2), invoice);

    // EffectiveCost is amortized: per commitment the usage carries the purchase; in all it is the allocated total.
    for (const [id, purchase] of sumBy(reservation, (r) => r['CommitmentDiscountId'], 'BilledCost')) {
      const usage = sumBy(
        covered.filter((r) => r['CommitmentDiscountId'] === id),
        () => id,
        'EffectiveCost',
      ).get(id)!;
      assert.equal(usage.toFixed(2), purchase.toFixed(2), `commitment ${id}`);
    }
    const total = (column: string): string => rows.reduce((a, r) => a.plus(r[column] || 0), new Dec(0)).toFixed(2);
    assert.equal(total('EffectiveCost'), result.total.toFixed(2));
    assert.equal(total('BilledCost'), result.total.toFixed(2));
    assert.equal(total('x_ChargebackAmount'), result.total.toFixed(2));

    // The report, the journal and the JSON say the same per target as the FOCUS rows' x_ChargebackAmount.
    const focusTargets = sumBy(rows, (r) => r['x_ChargebackTarget'], 'x_ChargebackAmount');
    const report = sumBy(csvRecords(chargebackReportCsv(result)).rows, (r) => r['TargetId'], 'Amount');
    const json = resultToJson(result);
    for (const t of json.targets) {
      assert.equal(focusTargets.get(t.id)?.toFixed(2) ?? '0.00', new Dec(t.amount).toFixed(2), `FOCUS ${t.id}`);
      assert.equal(report.get(t.id)?.toFixed(2) ?? '0.00', new Dec(t.amount).toFixed(2), `report ${t.id}`);
    }
    const debits = journalLines(result, parsed.model).reduce((a, l) => a.plus(l.debit), new Dec(0));
    const markup = result.targets.reduce((a, t) => a.plus(t.markup), new Dec(0));
    assert.equal(debits.toFixed(2), result.total.plus(markup).toFixed(2));
  });

  it('fills the columns of tax, credit and adjustment rows as the spec asks for each, and FOCUS input passes through', async () => {
    const model = rules(yaml`
      chargeback: 1
      data: [./x.csv]
      targets: { web: {}, ops: {} }
      rules:
        - name: All
          match: { customer: "*" }
          split: { percent: { web: 70, ops: 30 } }
    `);
    const base = {
      customer: 'Contoso',
      billingAccountId: 'P1',
      billingPeriodStart: '2026-07-01',
      billingPeriodEnd: '2026-08-01',
      date: '2026-07-01',
      invoice: 'INV1',
    };
    const lines = [
      {
        ...line({
          ...base,
          sourceKind: 'focus',
          chargeCategory: 'Tax',
          billed: '19.00',
          effective: '19.00',
          meterCategory: 'Tax',
          unit: 'Units',
        }),
        quantity: new Dec(1),
        unitPrice: new Dec(19),
      },
      line({
        ...base,
        sourceKind: 'focus',
        chargeCategory: 'Credit',
        billed: '-5.00',
        effective: '-5.00',
        product: 'Azure credit',
      }),
      line({
        ...base,
        sourceKind: 'reconciliation',
        chargeType: 'customerCredit',
        billed: '-2.50',
        product: 'Goodwill credit',
      }),
      line({
        ...base,
        sourceKind: 'focus',
        chargeCategory: 'Adjustment',
        billed: '0.33',
        effective: '0.33',
        product: 'Rounding',
      }),
      {
        ...line({
          ...base,
          sourceKind: 'daily-usage',
          billed: '10.01',
          retail: '11.78',
          unit: '1 Hour',
          meterCategory: 'Virtual Machines',
          meterName: 'D2s v5',
          skuId: 'DZH318Z0BQ4K/00C2',
          region: 'West Europe',
        }),
        quantity: new Dec(10),
        unitPrice: new Dec('1.178'),
      },
    ];
    const result = allocateSync(model, lines);
    assert.equal(result.ok, true);
    const { header, rows } = csvRecords(await focusCsv(result, model, lines));
    assert.deepEqual(violations(rows, header), []);
    const byCategory = (c: string): Row[] => rows.filter((r) => r['ChargeCategory'] === c);
    assert.ok(
      byCategory('Tax').every((r) => r['PricingQuantity'] === '' && r['ListUnitPrice'] === '' && r['SkuId'] === ''),
    );
    assert.equal(byCategory('Credit').length, 4, 'two credits cut 70/30');
    assert.ok(byCategory('Usage').every((r) => r['ServiceCategory'] === 'Compute' && r['RegionId'] === 'westeurope'));
    assert.equal(rows.reduce((a, r) => a.plus(r['BilledCost']), new Dec(0)).toFixed(2), result.total.toFixed(2));
    assert.equal(rows.reduce((a, r) => a.plus(r['EffectiveCost']), new Dec(0)).toFixed(2), result.total.toFixed(2));
  });

  it('reports a checker that would catch a broken export (the checker itself is tested)', () => {
    const good: Row = {
      BilledCost: '1.00',
      BillingAccountId: 'P',
      BillingAccountName: '',
      BillingCurrency: 'EUR',
      BillingPeriodEnd: '2026-08-01T00:00:00Z',
      BillingPeriodStart: '2026-07-01T00:00:00Z',
      ChargeCategory: 'Usage',
      ChargeClass: '',
      ChargeDescription: 'x',
      ChargeFrequency: 'Usage-Based',
      ChargePeriodEnd: '2026-07-02T00:00:00Z',
      ChargePeriodStart: '2026-07-01T00:00:00Z',
      ContractedCost: '1.00',
      EffectiveCost: '1.00',
      InvoiceIssuerName: 'Microsoft',
      ListCost: '1.00',
      ListUnitPrice: '0.5',
      PricingQuantity: '2',
      PricingUnit: 'Hours',
      ConsumedQuantity: '2',
      ConsumedUnit: 'Hours',
      ProviderName: 'Microsoft',
      PublisherName: 'Microsoft',
      ServiceCategory: 'Compute',
      ServiceName: 'Virtual Machines',
      SkuId: 'S',
      SkuMeter: 'M',
      RegionId: '',
      RegionName: '',
      ResourceId: '',
      ResourceName: '',
      ResourceType: '',
      SubAccountId: '',
      SubAccountName: '',
      CommitmentDiscountId: '',
      CommitmentDiscountCategory: '',
      CommitmentDiscountType: '',
      CommitmentDiscountStatus: '',
      CommitmentDiscountName: '',
      Tags: '',
    };
    const header = Object.keys(good);
    assert.deepEqual(violations([good], header), []);
    const broken: [Partial<Row>, RegExp][] = [
      [{ ChargeCategory: '' }, /ChargeCategory: null/],
      [{ ServiceCategory: 'Containers' }, /ServiceCategory: not an allowed value/],
      [{ ChargePeriodStart: '2026-07-01' }, /ChargePeriodStart: not a UTC date\/time/],
      [{ ChargeCategory: 'Tax', ConsumedQuantity: '', ConsumedUnit: '' }, /PricingQuantity: not null on a Tax row/],
      [{ EffectiveCost: '' }, /EffectiveCost: null/],
      [{ BilledCost: '+1.00', ContractedCost: '+1.00' }, /BilledCost: not a FOCUS number/],
    ];
    for (const [change, message] of broken)
      assert.match(violations([{ ...good, ...change } as Row], header).join('\n'), message);
  });
});
