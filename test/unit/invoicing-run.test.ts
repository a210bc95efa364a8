/**
 * Customer invoicing end to end: the reseller sample (samples/reseller) regenerates byte for byte and gives the
 * invoices its cases promise (the deleted first subscription of a shared reservation, a postpaid refund below zero,
 * a prepaid refund, draft -> final changes, totals that reconcile); the output files equal their golden copies; bad
 * input (a final invoice from unbilled data, mixed currencies, a scope to an unknown subscription) is reported at its
 * place with nothing written; `chargeback invoice` keeps its JSON contract and explains a line down to its rows.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RESELLER_PATHS, generateResellerSamples } from '../../scripts/generate-reseller-samples';
import { main } from '../../src/cli/main';
import { findLine, invoiceFiles, runInvoicing, writeInvoiceFiles, type InvoicingRun } from '../../src/core/invoicing';
import { dailyCsv } from '../support/billingFixtures';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const ROOT = repoRoot();
const SAMPLE = join(ROOT, 'samples', 'reseller');
const RULES = join(SAMPLE, RESELLER_PATHS.rules);
const GOLDEN = join(ROOT, 'test', 'fixtures', 'invoicing', 'golden');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { write: (t) => void (stdout += t) }, { write: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
    if (process.env['UPDATE_GOLDEN'] !== '1')
      assert.fail(`golden file ${name} did not exist: written, review it and run again`);
  }
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `${name} differs from its golden copy (UPDATE_GOLDEN=1 rewrites it)`,
  );
}

describe('reseller sample (samples/reseller)', () => {
  let run: InvoicingRun;
  before(async function () {
    this.timeout(20000);
    run = await runInvoicing(RULES, readFileSync(RULES, 'utf8'));
  });

  it('is what scripts/generate-reseller-samples.ts writes, byte for byte', () => {
    for (const [rel, content] of generateResellerSamples()) {
      assert.ok(
        readFileSync(join(SAMPLE, rel)).equals(content),
        `${rel} differs from the generator: run npm run samples`,
      );
    }
  });

  it('carries real-export traits: Charge without BenefitId, CreditPercentage = PEC, MM/DD/YYYY, un-rounded', () => {
    const text = readFileSync(join(SAMPLE, RESELLER_PATHS.finalDaily), 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = text
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = (name: string): number => header.indexOf(name);
    assert.ok(col('BenefitId') < col('BenefitOrderId'), 'BenefitId before BenefitOrderId, as in real billed files');
    const ordinary = rows.filter((r) => r[col('BenefitType')] === 'Charge');
    assert.ok(ordinary.length > 200 && ordinary.every((r) => r[col('BenefitId')] === ''));
    const pec = rows.filter((r) => r[col('PartnerEarnedCreditPercentage')] !== '');
    assert.ok(
      pec.every(
        (r) =>
          r[col('CreditPercentage')] === r[col('PartnerEarnedCreditPercentage')] &&
          r[col('CreditType')] === 'Partner Earned Credit Applied',
      ),
    );
    assert.ok(rows.every((r) => /^\d\d\/\d\d\/\d{4}$/.test(r[col('UsageDate')])));
    assert.ok(
      rows.some((r) => /\.\d{3,}$/.test(r[col('BillingPreTaxTotal')])),
      'some totals with more than two decimals',
    );
    assert.ok(
      rows.every((r) => r[col('InvoiceNumber')] !== ''),
      'billed rows carry their invoice number',
    );
  });

  it('holds billing files that chargeback check finds nothing wrong with (draft prices month to date, final closed)', async function () {
    this.timeout(20000);
    const files = [
      RESELLER_PATHS.draftDaily,
      RESELLER_PATHS.draftRecon,
      RESELLER_PATHS.finalDaily,
      RESELLER_PATHS.finalRecon,
    ];
    const r = await cli(['check', ...files.map((f) => join(SAMPLE, f))]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(
      r.stdout
        .trim()
        .split('\n')
        .filter((l) => /, no findings, billed EUR/.test(l)).length,
      4,
      r.stdout,
    );
  });

  it('makes the draft and the final invoices of the three customers, without problems', () => {
    assert.equal(run.ok, true, JSON.stringify(run.problems));
    assert.deepEqual(
      run.sets.map((s) => [s.status, s.invoices.length]),
      [
        ['draft', 5],
        ['final', 5],
      ],
    );
  });

  it("counts Fabrikam's shared reservation within fabrikam-prod, since fabrikam-legacy (first) was deleted", () => {
    const inv = run.sets[1].invoices.find((i) => i.id === '2026-08-fabrikam-sud-gmbh-postpaid')!;
    const ri = inv.lines.filter((l) => l.kind === 'reservation');
    assert.equal(ri.length, 1);
    assert.equal(ri[0].subscriptionName, 'fabrikam-prod');
    assert.match(ri[0].placement, /skipped: fabrikam-legacy \(Deleted\)/);
  });

  it("shows Tailspin's reservation refund as its own negative line: final total below zero, no payment due", () => {
    const inv = run.sets[1].invoices.find((i) => i.id === '2026-08-tailspin-toys-postpaid')!;
    const refund = inv.lines.find((l) => l.refund)!;
    assert.ok(refund.amount.isNegative());
    assert.ok(inv.total.isNegative());
    assert.equal(inv.paymentDue.toFixed(2), '0.00');
    assert.match(inv.note, /No payment due/);
    const draft = run.sets[0].invoices.find((i) => i.id === inv.id)!;
    assert.ok(draft.total.gt(0), 'the draft had no refund yet');
    assert.ok(inv.changes!.lines.some((c) => c.draft === undefined && c.final!.eq(refund.amount)));
  });

  it("raises Wide World's prepaid balance by the refund on wwi-data", () => {
    const inv = run.sets[1].invoices.find((i) => i.id === '2026-08-wide-world-importers-wwi-data')!;
    assert.ok(inv.total.isNegative());
    assert.equal(inv.balanceChange.toFixed(2), inv.total.neg().toFixed(2));
    assert.match(inv.note, /raises the account balance/);
  });

  it('reconciles: every billed amount on exactly one line, and the allocation of the same rows totals the same', () => {
    for (const set of run.sets) for (const c of set.reconciliation) assert.ok(c.ok, `${c.what}: ${c.note}`);
    assert.ok(run.sets[1].reconciliation.some((c) => /allocation/.test(c.what)));
  });

  it('writes files equal to their golden copies', () => {
    const files = invoiceFiles(run, 'Northwind resale - August 2026: invoices', join(SAMPLE, 'invoices'));
    const byName = new Map(files.map((f) => [f.name, f.content]));
    assert.equal(files.length, 5 * 2 * 3 + 3);
    for (const name of [
      'index.csv',
      'index.html',
      'invoices.json',
      '2026-08-tailspin-toys-postpaid.final.html',
      '2026-08-fabrikam-sud-gmbh-postpaid.final.csv',
    ]) {
      golden(name, byName.get(name)!);
    }
  });

  it('keeps data as text in the HTML: a strict policy, nothing remote, values escaped', () => {
    const html = invoiceFiles(run, 'A <b>bold</b> & "quoted" title', join(SAMPLE, 'invoices')).find(
      (f) => f.name === 'index.html',
    )!.content;
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
    assert.ok(!/<script|https?:\/\//.test(html.replace(/http-equiv/g, '')));
    assert.ok(html.includes('A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; title'));
  });

  it('explains a line down to its billing rows, rule, price and FX rate', async () => {
    const r = await cli(['invoice', RULES, '--final', '--explain', '2026-08-fabrikam-sud-gmbh-postpaid:4']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Reservation/);
    assert.match(r.stdout, /rule {7}shared reservation/);
    assert.match(r.stdout, /price {6}markup 3% from invoicing.prices.reservation/);
    assert.match(r.stdout, /PCToBCExchangeRate of the rows: 0.921434/);
    assert.match(r.stdout, /billing\/2026-08\/InvoiceReconciliation_2026-08.csv:2 {2}EUR 84.08/);
    const found = findLine(run, '2026-08-fabrikam-sud-gmbh-postpaid:99');
    assert.equal(typeof found, 'string');
  });

  it('makes only the drafts with --draft, each marked as a draft', async () => {
    const r = await cli(['invoice', RULES, '--draft', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { invoices: { status: string; changesSinceDraft?: unknown }[] };
    assert.equal(doc.invoices.length, 5);
    assert.ok(doc.invoices.every((i) => i.status === 'draft' && i.changesSinceDraft === undefined));
    const explained = await cli(['invoice', RULES, '--draft', '--explain', '2026-08-tailspin-toys-postpaid:1']);
    assert.match(explained.stdout, /^2026-08-tailspin-toys-postpaid:1 \(draft\)/);
  });

  it('prints the JSON contract with --format json (decimal strings for money)', async () => {
    const r = await cli(['invoice', RULES, '--final', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { invoices: Record<string, unknown>[] };
    assert.equal(doc.invoices.length, 5);
    for (const inv of doc.invoices) {
      for (const k of [
        'id',
        'customer',
        'subscriptions',
        'paymentModel',
        'status',
        'currency',
        'total',
        'paymentDue',
        'balanceChange',
        'lines',
      ])
        assert.ok(k in inv, k);
      assert.equal(inv['status'], 'final');
      assert.match(inv['total'] as string, /^-?\d+\.\d\d$/);
      for (const line of inv['lines'] as Record<string, unknown>[]) {
        for (const k of ['description', 'kind', 'amount', 'subscriptionId', 'sources']) assert.ok(k in line, k);
        assert.match(line['amount'] as string, /^-?\d+\.\d\d$/);
        const sources = line['sources'] as { path: string; line: number }[];
        assert.ok(sources.length > 0 && sources.every((s) => typeof s.path === 'string' && Number.isInteger(s.line)));
      }
    }
  });
});

describe('chargeback invoice: bad input, nothing written halfway', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-invoice-'));
    mkdirSync(join(dir, 'billed'));
    mkdirSync(join(dir, 'unbilled'));
    writeFileSync(join(dir, 'billed', 'daily.csv'), dailyCsv([{}, { UsageDate: '2026-08-04' }]));
    writeFileSync(
      join(dir, 'unbilled', 'daily.csv'),
      dailyCsv([{ InvoiceNumber: '' }, { InvoiceNumber: '', UsageDate: '2026-08-04' }]),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const rules = (invoicing: string): string => {
    const path = join(dir, 'r.chargeback.yaml');
    writeFileSync(path, `chargeback: 1\ndata: [./billed/*.csv]\ninvoicing:\n${invoicing}`);
    return path;
  };

  it('makes both from the right data, and writes every file into a new folder', async () => {
    const r = await cli([
      'invoice',
      rules('  draft: ./unbilled/*.csv\n  final: ./billed/*.csv\n'),
      '--out',
      join(dir, 'out'),
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), [
      '2026-08-contoso-postpaid.draft.csv',
      '2026-08-contoso-postpaid.draft.html',
      '2026-08-contoso-postpaid.draft.json',
      '2026-08-contoso-postpaid.final.csv',
      '2026-08-contoso-postpaid.final.html',
      '2026-08-contoso-postpaid.final.json',
      'index.csv',
      'index.html',
      'invoices.json',
    ]);
    const again = await cli(['invoice', join(dir, 'r.chargeback.yaml'), '--out', join(dir, 'out')]);
    assert.equal(again.code, 2, 'existing invoices are not replaced without --force');
    assert.match(again.stderr, /already holds .*use --force/);
    assert.equal(
      (await cli(['invoice', join(dir, 'r.chargeback.yaml'), '--out', join(dir, 'out'), '--force'])).code,
      0,
    );
  });

  it('refuses a final invoice from unbilled data, at the first unbilled row, and writes nothing', async () => {
    const r = await cli(['invoice', rules('  final: ./unbilled/*.csv\n'), '--final', '--out', join(dir, 'out')]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /unbilled[\\/]daily\.csv:2:1: error final-from-unbilled: A final invoice was asked for from unbilled data: 2 row/,
    );
    assert.equal(existsSync(join(dir, 'out')), false);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('.')),
      [],
      'no temporary folder left behind',
    );
  });

  it('refuses mixed currencies in one invoice, at the row that starts the mix', async () => {
    writeFileSync(
      join(dir, 'billed', 'daily.csv'),
      dailyCsv([{}, { BillingCurrency: 'EUR', UsageDate: '2026-08-04' }]),
    );
    const r = await cli(['invoice', rules('  grouping: per-payment-model\n'), '--out', join(dir, 'out')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /daily\.csv:3:1: error currency-mix: .* USD and EUR/);
    assert.equal(existsSync(join(dir, 'out')), false);
  });

  it('refuses a reservation scope that names no known subscription, on the scope in the rules file', async () => {
    writeFileSync(
      join(dir, 'billed', 'daily.csv'),
      dailyCsv([
        {},
        {
          BenefitOrderId: 'ro-7',
          BenefitType: 'Reservation',
          BillingPreTaxTotal: '0',
          PricingPreTaxTotal: '0',
          EffectiveUnitPrice: '0',
          PartnerEarnedCreditPercentage: '',
        },
      ]),
    );
    const path = rules('  reservations:\n    ro-7: { scope: e-404 }\n');
    const r = await cli(['invoice', path, '--out', join(dir, 'out')]);
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /r\.chargeback\.yaml:5:20: error unknown-subscription: Reservation ro-7 is scoped to subscription 'e-404'/,
    );
    assert.equal(existsSync(join(dir, 'out')), false);
  });

  it('reports an unknown subscription status in the rules file and does not run', async () => {
    const r = await cli([
      'invoice',
      rules('  customers:\n    c-1:\n      subscriptions:\n        e-1: { status: Gone }\n'),
      '--out',
      join(dir, 'out'),
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /r\.chargeback\.yaml:7:24: error invalid-enum: 'Gone' is not a valid subscription status/);
  });

  it('needs draft data for --draft, and refuses --draft with --final', async () => {
    const path = rules('  grouping: per-subscription\n');
    const r = await cli(['invoice', path, '--draft', '--out', join(dir, 'out')]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /error no-data: A draft invoice is made from unbilled data/);
    assert.equal((await cli(['invoice', path, '--draft', '--final', '--out', join(dir, 'out')])).code, 2);
  });

  it('never writes over an input file', async () => {
    const result = await writeInvoiceFiles(join(dir, 'billed'), [{ name: 'daily.csv', content: 'x' }], {
      overwrite: true,
      inputs: [join(dir, 'billed', 'daily.csv')],
    });
    assert.equal(result.written, false);
    assert.match((result as { message: string }).message, /never overwrite an input/);
    assert.ok(readFileSync(join(dir, 'billed', 'daily.csv'), 'utf8').startsWith('PartnerId'));
  });

  it('leaves nothing behind when a write fails', async () => {
    writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
    const result = await writeInvoiceFiles(join(dir, 'blocker', 'out'), [{ name: 'a.csv', content: 'x' }]);
    assert.equal(result.written, false);
    assert.deepEqual(readdirSync(dir).sort(), ['billed', 'blocker', 'unbilled']);
  });
});
