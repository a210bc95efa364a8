/**
 * Reading cost lines from billing files: daily usage, reconciliation and FOCUS columns become cost lines;
 * reconciliation usage is never counted twice with the daily file of the same invoice; unreadable amounts are
 * warnings with file and line, never zero.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCostLines } from '../../src/core/allocation/costLines';
import type { CostLineIssue } from '../../src/core/allocation/costLines';
import type { CostLine } from '../../src/core/allocation/costLine';
import { expandPattern, resolveDataFiles } from '../../src/core/allocation/dataFiles';
import { stringSource } from '../../src/core/billing/source';
import type { TextSource } from '../../src/core/billing/source';
import { DAILY_USAGE_COLUMNS, RECONCILIATION_COLUMNS } from '../../src/core/billing/fileKinds';

function csv(columns: readonly string[], rows: Record<string, string>[]): string {
  const q = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => q(r[c] ?? '')).join(','))].join('\n') + '\n';
}

function daily(rows: Record<string, string>[]): string {
  const base = {
    BillingCurrency: 'EUR',
    InvoiceNumber: 'INV-1',
    UnitPrice: '0.1',
    Quantity: '10',
    PCToBCExchangeRate: '0.9',
    UsageDate: '7/2/2026',
    ChargeStartDate: '7/1/2026',
    ChargeEndDate: '7/31/2026',
  };
  return csv(
    DAILY_USAGE_COLUMNS,
    rows.map((r) => ({ ...base, ...r })),
  );
}

function recon(rows: Record<string, string>[]): string {
  const base = {
    Currency: 'EUR',
    InvoiceNumber: 'INV-1',
    ChargeStartDate: '2026-07-01',
    ChargeEndDate: '2026-07-31',
    UnitPrice: '1',
    BillableQuantity: '1',
    PCToBCExchangeRate: '1',
  };
  return csv(
    RECONCILIATION_COLUMNS,
    rows.map((r) => ({ ...base, ...r })),
  );
}

async function read(
  sources: TextSource[],
  amount: 'billed' | 'retail' | 'effective' = 'billed',
  detail = false,
): Promise<{ lines: CostLine[]; issues: CostLineIssue[] }> {
  const lines: CostLine[] = [];
  const issues: CostLineIssue[] = [];
  for await (const l of readCostLines(sources, { amount, detail, onIssue: (i) => issues.push(i) })) lines.push(l);
  return { lines, issues };
}

describe('cost lines from billing files', () => {
  it('reads a daily usage row into a cost line with matching attributes, tags and retail value', async () => {
    const row = {
      BillingPreTaxTotal: '0.76',
      CustomerName: 'Contoso',
      ResourceGroup: 'rg-web',
      MeterCategory: 'Storage',
      Tags: '{"Team":"web"}',
      EntitlementDescription: 'contoso-web',
      PartnerEarnedCreditPercentage: '15',
    };
    // Allocating billed cost does not need the retail value: reading skips it unless asked for the details.
    assert.equal((await read([stringSource('usage.csv', daily([row]))])).lines[0].retail, undefined);
    const { lines, issues } = await read([stringSource('usage.csv', daily([row]))], 'billed', true);
    assert.deepEqual(issues, []);
    assert.equal(lines.length, 1);
    const l = lines[0];
    assert.equal(l.file, 'usage.csv');
    assert.equal(l.line, 2);
    assert.equal(l.sourceKind, 'daily-usage');
    assert.equal(l.billed.toFixed(2), '0.76');
    assert.equal(l.retail?.toFixed(), '0.9');
    assert.equal(l.currency, 'EUR');
    assert.equal(l.resourceGroup, 'rg-web');
    assert.equal(l.entitlementName, 'contoso-web');
    assert.deepEqual(l.tags, { team: 'web' });
    assert.equal(l.date, '2026-07-02');
    // PEC as a fraction, read as the checker reads it (the cell says 15 %).
    assert.equal(l.pec?.toFixed(), '0.15');
  });

  it('leaves out a line whose billed amount cannot be read, with a warning naming file, line and column', async () => {
    const { lines, issues } = await read([
      stringSource('usage.csv', daily([{ BillingPreTaxTotal: '1.00' }, { BillingPreTaxTotal: '12.5.1' }])),
    ]);
    assert.equal(lines.length, 1);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].code, 'invalid-amount');
    assert.equal(issues[0].file, 'usage.csv');
    assert.equal(issues[0].line, 3);
    assert.equal(issues[0].column, 'BillingPreTaxTotal');
  });

  it('warns when amount: retail needs a quantity that cannot be read', async () => {
    const { lines, issues } = await read(
      [stringSource('usage.csv', daily([{ BillingPreTaxTotal: '1.00', Quantity: 'n/a' }]))],
      'retail',
    );
    assert.equal(lines.length, 1);
    assert.equal(lines[0].retail, undefined);
    assert.deepEqual(
      issues.map((i) => [i.code, i.line, i.column]),
      [['invalid-value', 2, 'Quantity']],
    );
  });

  it('warns about tags that are not JSON, so that no tag silently fails to match', async () => {
    const { issues } = await read([
      stringSource('usage.csv', daily([{ BillingPreTaxTotal: '1.00', Tags: '{team: web' }])),
    ]);
    assert.equal(issues[0].code, 'invalid-tags');
  });

  it('never counts reconciliation usage twice with the daily file of the same invoice', async () => {
    const { lines, issues } = await read([
      stringSource(
        'recon.csv',
        recon([
          { Subtotal: '10.00', ProductName: 'Virtual Machines', MeterDescription: 'Virtual Machines - D2s v5' },
          { Subtotal: '160.92', ProductName: 'Reserved VM Instance', ReservationOrderId: 'order-1' },
          { Subtotal: '810.80', ProductName: 'Microsoft 365 Business Premium', PriceAdjustmentDescription: '' },
          { Subtotal: '5.00', InvoiceNumber: 'INV-2', ProductName: 'Bandwidth', MeterDescription: 'Bandwidth - Out' },
        ]),
      ),
      stringSource('usage.csv', daily([{ BillingPreTaxTotal: '9.99' }])),
    ]);
    // Daily first; the recon VM usage of INV-1 is left out; INV-2 has no daily file, so its usage stays.
    assert.deepEqual(
      lines.map((l) => [l.file, l.billed.toFixed(2)]),
      [
        ['usage.csv', '9.99'],
        ['recon.csv', '160.92'],
        ['recon.csv', '810.80'],
        ['recon.csv', '5.00'],
      ],
    );
    assert.equal(lines[1].reservationOrderId, 'order-1');
    assert.deepEqual(
      issues.map((i) => i.code),
      ['recon-usage-skipped'],
    );
    assert.match(issues[0].message, /INV-1/);
  });

  it('keeps all reconciliation lines when no daily file is among the inputs', async () => {
    const { lines } = await read([
      stringSource(
        'recon.csv',
        recon([
          {
            Subtotal: '10.00',
            MeterDescription: 'VM',
            PriceAdjustmentDescription: '["15.0% Partner earned credit for services managed"]',
          },
        ]),
      ),
    ]);
    assert.equal(lines.length, 1);
    assert.equal(lines[0].pec?.toFixed(), '0.15');
  });

  it('reads FOCUS rows: BilledCost, EffectiveCost, ListCost, commitment purchases and usage', async () => {
    const focus = csv(
      [
        'BillingAccountId',
        'BillingCurrency',
        'BillingPeriodStart',
        'BillingPeriodEnd',
        'ChargePeriodStart',
        'ChargePeriodEnd',
        'ChargeCategory',
        'BilledCost',
        'EffectiveCost',
        'ListCost',
        'ServiceName',
        'SubAccountName',
        'x_ResourceGroupName',
        'Tags',
        'CommitmentDiscountId',
      ],
      [
        {
          BillingCurrency: 'USD',
          ChargePeriodStart: '2026-07-01T00:00:00Z',
          ChargeCategory: 'Usage',
          BilledCost: '0',
          EffectiveCost: '1.5',
          ListCost: '2',
          ServiceName: 'Virtual Machines',
          SubAccountName: 'prod',
          x_ResourceGroupName: 'rg-a',
          Tags: '{"team":"web"}',
          CommitmentDiscountId: '/providers/Microsoft.Capacity/reservationOrders/o1/reservations/r1',
        },
        {
          BillingCurrency: 'USD',
          ChargePeriodStart: '2026-07-01T00:00:00Z',
          ChargeCategory: 'Purchase',
          BilledCost: '100',
          EffectiveCost: '0',
          ListCost: '100',
          ServiceName: 'Virtual Machines',
          CommitmentDiscountId: '/providers/Microsoft.Capacity/reservationOrders/o1',
        },
      ],
    );
    const { lines, issues } = await read([stringSource('focus.csv', focus)], 'effective');
    assert.deepEqual(issues, []);
    assert.equal(lines[0].sourceKind, 'focus');
    assert.equal(lines[0].effective?.toFixed(), '1.5');
    assert.equal(lines[0].retail?.toFixed(), '2');
    assert.equal(lines[0].meterCategory, 'Virtual Machines');
    assert.equal(lines[0].entitlementName, 'prod');
    assert.equal(lines[0].resourceGroup, 'rg-a');
    assert.equal(lines[0].date, '2026-07-01');
    assert.ok(lines[0].benefitId?.includes('o1'));
    assert.equal(lines[0].reservationOrderId, undefined);
    assert.ok(lines[1].reservationOrderId?.includes('o1'));
  });

  it('says that a file is not a billing file instead of allocating it', async () => {
    const { lines, issues } = await read([stringSource('notes.csv', 'a,b\n1,2\n')]);
    assert.equal(lines.length, 0);
    assert.equal(issues[0].code, 'unsupported-file');
  });

  it('streams big files in flat memory (rows are handed out chunk by chunk)', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ BillingPreTaxTotal: '0.01', ResourceGroup: `rg-${i % 7}` }));
    let n = 0;
    for await (const l of readCostLines([stringSource('big.csv', daily(rows), 4096)])) n += l.billed.isZero() ? 0 : 1;
    assert.equal(n, 3000);
  });
});

describe('data: globs to billing files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-data-'));
    mkdirSync(join(dir, 'billing', '2026-07'), { recursive: true });
    mkdirSync(join(dir, 'billing', '2026-08'), { recursive: true });
    writeFileSync(join(dir, 'billing', '2026-07', 'a.csv'), '');
    writeFileSync(join(dir, 'billing', '2026-07', 'b.csv'), '');
    writeFileSync(join(dir, 'billing', '2026-07', 'notes.txt'), '');
    writeFileSync(join(dir, 'billing', '2026-08', 'c.csv'), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves data: patterns relative to the rules file', async () => {
    const rulesPath = join(dir, 'x.chargeback.yaml');
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const m = await resolveDataFiles(rulesPath, [
      { value: './billing/2026-07/*.csv', range },
      { value: 'billing/*/c.csv', range },
      { value: './none/*.csv', range },
    ]);
    assert.deepEqual(
      m.map((x) => x.files.map((f) => f.slice(dir.length + 1))),
      [['billing/2026-07/a.csv', 'billing/2026-07/b.csv'], ['billing/2026-08/c.csv'], []],
    );
  });

  it('expands ** over any number of folders', async () => {
    const files = await expandPattern(dir, '**/*.csv');
    assert.equal(files.length, 3);
  });
});
