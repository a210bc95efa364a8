import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { fileSource, stringSource } from '../../src/core/billing/source';
import { checkSource } from '../../src/core/rating/check';
import { defaultCheckOptions } from '../../src/core/rating/options';
import { DAILY_USAGE_COLUMNS } from '../../src/core/billing/fileKinds';
import type { Finding } from '../../src/core/findings';
import { dailyCsv, reconCsv } from '../support/billingFixtures';
import { checkText } from '../support/check';

describe('bad input gets a clear answer', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-bad-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function checkBytes(name: string, bytes: Buffer) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const findings: Finding[] = [];
    const run = await checkSource(fileSource(path), defaultCheckOptions(), (f) => findings.push(f));
    return { ...run, findings };
  }

  it('an empty file is reported as empty, not as a crash', async () => {
    const { findings, summary } = await checkText('');
    assert.equal(summary.kind, 'unknown');
    assert.equal(summary.rows, 0);
    assert.deepEqual(
      findings.map((f) => f.code),
      ['empty-file'],
    );
  });

  it('a header without rows is recognized and says it has no data', async () => {
    const { findings, summary } = await checkText(dailyCsv([]));
    assert.equal(summary.kind, 'daily-usage');
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity]),
      [['no-data-rows', 'info']],
    );
  });

  it('a binary file is refused with a reason', async () => {
    const { findings } = await checkBytes(
      'image.csv',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48]),
    );
    assert.deepEqual(
      findings.map((f) => f.code),
      ['unsupported-encoding'],
    );
    assert.match(findings[0].message, /binary/);
  });

  it('a UTF-16 file is refused with a hint to save it as UTF-8', async () => {
    const text = dailyCsv([{}]);
    const { findings, summary } = await checkBytes(
      'utf16.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
    );
    assert.deepEqual(
      findings.map((f) => f.code),
      ['unsupported-encoding'],
    );
    assert.match(findings[0].message, /UTF-16/);
    assert.equal(summary.rows, 0);
  });

  it('a UTF-8 file with BOM read from disk is checked like the same text', async () => {
    const text = dailyCsv([{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }], {
      bom: true,
    });
    const fromDisk = await checkBytes('bom.csv', Buffer.from(text, 'utf8'));
    const fromText = await checkText(text);
    assert.equal(fromDisk.summary.kind, 'daily-usage');
    assert.deepEqual(fromDisk.findings, fromText.findings);
    assert.equal(fromDisk.findings[0].code, 'eup-mismatch');
    // The BOM is not a character of line 0 in the editor either: positions agree.
    assert.equal(fromDisk.findings[0].line, 1);
  });

  it('a CSV that is not a billing file is of kind unknown and has no findings, even when ragged', async () => {
    const { findings, summary } = await checkText('name,amount\nalice,1\nbob\n"carol",2,3\n');
    assert.equal(summary.kind, 'unknown');
    assert.equal(summary.rows, 3);
    assert.deepEqual(findings, []);
  });

  it('an unterminated quote is reported where it opens, and earlier rows are still checked', async () => {
    const good = dailyCsv([{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }]);
    const text = good + 'p-1,"Partner never closed\r\n';
    const { findings } = await checkText(text);
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.character]),
      [
        ['invalid-csv', 2, 4],
        ['eup-mismatch', 1, findings[1].character],
      ],
    );
    assert.match(findings[0].message, /never closed/);
  });

  it('a ragged row is reported on the row and not rated', async () => {
    const text = dailyCsv([{}]) + 'p-1,Partner,c-1\r\n';
    const { findings, summary } = await checkText(text);
    assert.deepEqual(
      findings.map((f) => [f.code, f.line]),
      [['ragged-row', 2]],
    );
    assert.match(findings[0].message, /3 cells but the header has 55/);
    assert.equal(summary.rows, 2);
  });

  it('trailing empty cells beyond the header are tolerated', async () => {
    const text = dailyCsv([{}]).replace(/\r\n$/, ',,\r\n');
    assert.deepEqual((await checkText(text)).findings, []);
  });

  it('a missing required column is reported on the header, and rows are not re-rated', async () => {
    const text = dailyCsv([{ EffectiveUnitPrice: '0.868' }]).replace('EffectiveUnitPrice', 'EffectivePrice');
    const { findings, summary } = await checkText(text);
    assert.equal(summary.kind, 'daily-usage');
    assert.deepEqual(
      findings.map((f) => [f.code, f.line, f.character]),
      [['missing-column', 0, 0]],
    );
    assert.match(findings[0].message, /EffectiveUnitPrice/);
  });

  it('header names are matched case-insensitively and in any order', async () => {
    const rows = [{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }];
    const text = dailyCsv(rows);
    const [header, ...rest] = text.split('\r\n');
    const order = [...DAILY_USAGE_COLUMNS.keys()].reverse();
    const swap = (line: string) => {
      const cells = line.split(',');
      return order.map((i) => cells[i]).join(',');
    };
    const shuffled = [swap(header.toUpperCase()), ...rest.filter(Boolean).map(swap)].join('\r\n') + '\r\n';
    const { findings, summary } = await checkText(shuffled);
    assert.equal(summary.kind, 'daily-usage');
    assert.deepEqual(
      findings.map((f) => [f.code, f.column]),
      [['eup-mismatch', 'EFFECTIVEUNITPRICE']],
    );
  });

  it('semicolon-delimited exports with decimal commas are checked like comma files', async () => {
    const rows = [
      {
        EffectiveUnitPrice: '0,868',
        UnitPrice: '0,868',
        Quantity: '29',
        BillingPreTaxTotal: '25,17',
        PricingPreTaxTotal: '25,17',
        PartnerEarnedCreditPercentage: '0,15',
        PCToBCExchangeRate: '1',
      },
    ];
    const { findings, summary } = await checkText(dailyCsv(rows, { delimiter: ';' }));
    assert.equal(summary.delimiter, ';');
    assert.deepEqual(
      findings.map((f) => [f.code, f.expected]),
      [['eup-mismatch', '0.737586206896552']],
    );
  });

  it('LF and CRLF files give the same findings', async () => {
    const rows = [{ EffectiveUnitPrice: '0.868', BillingPreTaxTotal: '25.17', PricingPreTaxTotal: '25.17' }];
    const crlf = await checkText(dailyCsv(rows));
    const lf = await checkText(dailyCsv(rows, { eol: '\n' }));
    assert.deepEqual(lf.findings, crlf.findings);
  });

  it('the legacy usage-based reconciliation file is recognized and labelled, not re-rated', async () => {
    const header =
      'PartnerId,PartnerName,PartnerBillableAccountId,CustomerCompanyName,MpnId,InvoiceNumber,ChargeStartDate,ChargeEndDate,SubscriptionId,ConsumedQuantity,IncludedQuantity,OverageQuantity,ListPrice,PretaxCharges,TaxAmount,PostTaxTotal,Currency,PretaxEffectiveRate,DetailLineItemId';
    const { findings, summary } = await checkText(
      `${header}\n1,P,A,C,M,I,7/1/2026,7/31/2026,S,10,0,10,1.0,10.00,0,10.00,USD,1.0,1\n`,
    );
    assert.equal(summary.kind, 'legacy-usage');
    assert.deepEqual(
      findings.map((f) => [f.code, f.severity]),
      [['legacy-format', 'info']],
    );
  });

  it('a reconciliation line with unreadable amounts names each bad cell', async () => {
    const { findings } = await checkText(reconCsv([{ Subtotal: 'N/A', TaxTotal: '' }]));
    assert.deepEqual(
      findings.map((f) => [f.code, f.column]),
      [
        ['invalid-value', 'Subtotal'],
        ['invalid-value', 'TaxTotal'],
      ],
    );
  });

  it('a cancelled check stops early and says it is incomplete', async () => {
    const rows = Array.from({ length: 200 }, () => ({}));
    const controller = new AbortController();
    controller.abort();
    const findings: Finding[] = [];
    const run = await checkSource(
      stringSource('x.csv', dailyCsv(rows), 1000),
      defaultCheckOptions(),
      (f) => findings.push(f),
      { signal: controller.signal },
    );
    assert.equal(run.summary.complete, false);
    assert.ok(new Decimal(run.summary.billedTotal).isZero());
  });
});
