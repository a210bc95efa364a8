/**
 * `chargeback reconcile` and `chargeback dispute` from the command line: the JSON contract's names, `check`'s exit
 * codes, entered invoice totals, and a packet that is written atomically, never over an input or an earlier packet.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { dailyCsv, reconCsv, type Cells } from '../support/billingFixtures';
import { disputeFileNames } from '../../src/core/monthClose/writePacket';
import type { TieOutMonth } from '../../src/core/monthClose/tieOut';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const PEC = '["15.0% Partner earned credit for services managed"]';
const DAY: Cells = {
  UnitPrice: '0.10',
  PCToBCExchangeRate: '0.9',
  BillingCurrency: 'EUR',
  EffectiveUnitPrice: '0.085',
  PricingPreTaxTotal: '0.85',
};
const LINE: Cells = {
  UnitPrice: '0.10',
  PCToBCExchangeRate: '0.9',
  Currency: 'EUR',
  TaxTotal: '0.00',
  EffectiveUnitPrice: '0.085',
  PriceAdjustmentDescription: PEC,
};

describe('chargeback reconcile and dispute (CLI)', () => {
  let dir: string;
  let daily: string;
  let tied: string;
  let off: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-reconcile-'));
    daily = join(dir, 'daily.csv');
    tied = join(dir, 'tied.csv');
    off = join(dir, 'off.csv');
    // 20 units at 0.085, FX 0.9: ROUNDDOWN(ROUNDDOWN(1.7, 2) x 0.9, 2) = 1.53.
    writeFileSync(
      daily,
      dailyCsv([
        { ...DAY, Quantity: '10', BillingPreTaxTotal: '0.76' },
        { ...DAY, UsageDate: '2026-08-04', Quantity: '10', BillingPreTaxTotal: '0.76' },
      ]),
    );
    writeFileSync(tied, reconCsv([{ ...LINE, BillableQuantity: '20', Subtotal: '1.53', Total: '1.53' }]));
    writeFileSync(off, reconCsv([{ ...LINE, BillableQuantity: '30', Subtotal: '2.29', Total: '2.29' }]));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 when the month ties out, and says so', async () => {
    const r = await run(['reconcile', daily, tied]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Invoice G000000001, 2026-08-01 to 2026-08-31: ties out, invoice total EUR 1\.53\n/);
    assert.match(r.stdout, /1 line: 1 explained-rounding/);
  });

  it('writes the JSON contract with 1-based lines; exit 1 only on an error finding, as `check`', async () => {
    const r = await run(['reconcile', daily, off, '--format', 'json']);
    assert.equal(r.code, 0, 'a 0.76 difference is a warning below the 1.00 error threshold');
    const doc = JSON.parse(r.stdout);
    const [m] = doc.months;
    for (const k of ['invoiceNumber', 'period', 'files', 'lines', 'findings']) assert.ok(k in m, k);
    assert.deepEqual(m.files, [
      { path: daily, kind: 'daily-usage' },
      { path: off, kind: 'reconciliation' },
    ]);
    const [line] = m.lines;
    for (const k of ['path', 'line', 'subscriptionId', 'meterId', 'pec', 'subtotal', 'fromDaily', 'bound', 'label'])
      assert.ok(k in line, k);
    assert.deepEqual(
      [line.path, line.line, line.subscriptionId, line.meterId, line.pec, line.subtotal, line.fromDaily, line.label],
      [off, 2, 's-1', 'm-1', true, '2.29', '1.53', 'mismatch'],
    );
    const [f] = m.findings;
    for (const k of ['path', 'line', 'column', 'code', 'severity', 'message', 'expected', 'actual', 'impact', 'label'])
      assert.ok(k in f, k);
    assert.deepEqual(
      [f.path, f.line, f.column, f.code, f.severity, f.expected, f.actual, f.impact, f.label],
      [off, 2, 'BillableQuantity', 'recon-daily-mismatch', 'warning', '1.53', '2.29', '0.76', 'mismatch'],
    );
    assert.deepEqual(
      f.related.map((x: { path: string; line: number }) => [x.path, x.line]),
      [
        [daily, 2],
        [daily, 3],
      ],
    );
    // A warning alone exits 0; the error threshold makes it an error.
    assert.equal((await run(['reconcile', daily, off, '--error-threshold', '0.50'])).code, 1);
  });

  it('compares an entered invoice total, from the command line or a file', async () => {
    const r = await run(['reconcile', daily, tied, '--invoice-total', 'G000000001=1.50', '--error-threshold', '0.01']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /invoice-total-mismatch: .*add up to EUR 1\.53, but the invoice says 1\.50/);
    const totals = join(dir, 'totals.csv');
    writeFileSync(totals, 'InvoiceNumber,Total\nG000000001,1.53\n');
    assert.equal((await run(['reconcile', daily, tied, '--invoice-total', totals])).code, 0);
    const bad = await run(['reconcile', daily, tied, '--invoice-total', 'G000000001=lots']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected INVOICE=AMOUNT/);
  });

  it('refuses wrong usage with exit 2', async () => {
    assert.equal((await run(['reconcile'])).code, 2);
    assert.equal((await run(['reconcile', join(dir, 'nope.csv')])).code, 2);
    assert.equal((await run(['reconcile', daily, '--format', 'xml'])).code, 2);
    assert.equal((await run(['dispute', daily, off])).code, 2);
  });

  it('writes the dispute packet, never over an input and over an earlier packet only with --force', async () => {
    const out = join(dir, 'packet');
    const r = await run(['dispute', daily, off, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const csv = readFileSync(join(out, 'dispute-G000000001.csv'), 'utf8');
    assert.equal(csv.trim().split('\n').length, 2);
    assert.match(csv, /,mismatch,recon-daily-mismatch,/);
    assert.match(readFileSync(join(out, 'dispute-G000000001.html'), 'utf8'), /EUR 0\.76/);
    const again = await run(['dispute', daily, off, '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; pass --force/);
    assert.equal((await run(['dispute', daily, off, '--out', out, '--force'])).code, 0);
    // An input named like the packet is never replaced.
    const input = join(dir, 'inputs');
    const clash = join(input, 'dispute-G000000001.csv');
    await run(['dispute', daily, off, '--out', input]);
    writeFileSync(clash, dailyCsv([{ ...DAY, Quantity: '20', BillingPreTaxTotal: '1.53' }]));
    const refused = await run(['dispute', clash, off, '--out', input, '--force']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /is one of the input files/);
    assert.ok(existsSync(clash));
    assert.match(readFileSync(clash, 'utf8'), /^PartnerId,/);
  });

  it('names a packet of many invoices by the first, the last and how many, in a name any file system takes', () => {
    const month = (invoiceNumber: string) => ({ invoiceNumber, period: '2026-08-01/2026-08-31' }) as TieOutMonth;
    assert.deepStrictEqual(disputeFileNames([month('G1'), month('G2')]), {
      csv: 'dispute-G1-G2.csv',
      html: 'dispute-G1-G2.html',
    });
    const many = Array.from({ length: 49 }, (_, i) => month(`G04${String(i).padStart(7, '0')}`));
    const names = disputeFileNames(many);
    assert.equal(names.csv, 'dispute-G040000000-to-G040000048-49-invoices.csv');
    const long = disputeFileNames([month('X'.repeat(300)), month('Y/'.repeat(300))]);
    assert.ok(Buffer.byteLength(long.html) <= 255, long.html);
    assert.match(long.html, /^dispute-X+-Y_Y_/);
    assert.equal(disputeFileNames([month('')]).csv, 'dispute-2026-08.csv');
  });
});
