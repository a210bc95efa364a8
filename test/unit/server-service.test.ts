// The language server's service layer without an LSP connection: settings pulled and cached per document, price
// lists resolved against the right workspace folder and reloaded only when they change, and the language-service
// facade routing billing and rules documents to their features.
import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from 'vscode-languageserver';
import type { ChargebackSettings } from '../../src/shared/settings';
import type { FileSummary } from '../../src/shared/protocol';
import { PriceLists } from '../../src/server/service/priceLists';
import { ServerSettings } from '../../src/server/service/settings';
import { ChargebackLanguageService } from '../../src/server/service/languageService';
import { dailyCsv } from '../support/billingFixtures';
import { RULES } from '../support/rulesFixtures';

const PRICE_LIST = [
  'ProductTitle,ProductId,SkuId,SkuTitle,Publisher,SkuDescription,UnitOfMeasure,TermDuration,Market,Currency,UnitPrice,' +
    'PricingTierRangeMin,PricingTierRangeMax,EffectiveStartDate,EffectiveEndDate,MeterIds,MeterType,Tags',
  'VM,P1,S1,D2s v5,Microsoft,,1 Hour,,US,USD,0.789,0,,2026-01-01,,m-1,Consumption,',
].join('\n');

function recorder() {
  const warnings: string[] = [];
  const logs: string[] = [];
  return { warnings, logs, hooks: { warn: (m: string) => warnings.push(m), log: (m: string) => logs.push(m) } };
}

describe('server: settings', () => {
  it('uses the defaults until the client can be asked, then asks once per document until settings change', async () => {
    const asked: string[] = [];
    const pulled: Partial<ChargebackSettings> = { dateOrder: 'DMY', maxDiagnostics: 7 };
    const r = recorder();
    const settings = new ServerSettings(
      { pull: async (uri) => (asked.push(uri), pulled), warn: r.hooks.warn },
      new PriceLists(r.hooks),
    );
    assert.equal((await settings.user('file:///a.csv')).dateOrder, 'MDY');
    assert.deepEqual(asked, []);
    settings.canPull = true;
    assert.equal(await settings.dateOrder('file:///a.csv'), 'DMY');
    assert.equal((await settings.checkSettings('file:///a.csv')).maxDiagnostics, 7);
    assert.deepEqual(asked, ['file:///a.csv']);
    settings.changed();
    await settings.user('file:///a.csv');
    settings.forget('file:///a.csv');
    await settings.user('file:///a.csv');
    assert.deepEqual(asked, ['file:///a.csv', 'file:///a.csv', 'file:///a.csv']);
  });

  it('falls back, with a warning, on an error threshold that is not an amount; caps the diagnostics', async () => {
    const r = recorder();
    const pull = async () => ({ errorThreshold: 'lots', maxDiagnostics: 10_000_000 });
    const settings = new ServerSettings({ pull, warn: r.hooks.warn }, new PriceLists(r.hooks));
    settings.canPull = true;
    const check = await settings.checkSettings('file:///a.csv');
    assert.equal(check.options.errorThreshold.toFixed(2), '1.00');
    assert.equal(check.maxDiagnostics, 100000);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /errorThreshold "lots" is not an amount/);
  });
});

describe('server: price lists', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'finops-pricelists-'));
    for (const folder of ['one', 'two']) mkdirSync(join(dir, folder));
    writeFileSync(join(dir, 'two', 'prices.csv'), PRICE_LIST);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a relative setting against the workspace folder that holds the document', async () => {
    const r = recorder();
    const lists = new PriceLists(r.hooks);
    lists.workspaceFolders = [join(dir, 'one'), join(dir, 'two')];
    const inTwo = pathToFileURL(join(dir, 'two', 'usage.csv')).toString();
    const list = await lists.forDocument(inTwo, 'prices.csv');
    assert.equal(list?.size, 1);
    assert.deepEqual(r.warnings, []);
    // A document of the first folder does not see the second folder's list.
    const inOne = pathToFileURL(join(dir, 'one', 'usage.csv')).toString();
    assert.equal(await lists.forDocument(inOne, 'prices.csv'), undefined);
    assert.equal(r.warnings.length, 1);
    assert.ok(r.warnings.join('\n').includes(join(dir, 'one', 'prices.csv')), r.warnings.join('\n'));
    assert.equal(await lists.forDocument(inOne, '  '), undefined);
  });

  it('loads a list once and again only after the file changed', async () => {
    const r = recorder();
    const lists = new PriceLists(r.hooks);
    const path = join(dir, 'two', 'prices.csv');
    const first = await lists.forDocument('file:///x.csv', path);
    assert.equal(await lists.forDocument('file:///y.csv', path), first);
    assert.equal(r.logs.length, 1);
    const later = new Date(Date.now() + 5000);
    utimesSync(path, later, later);
    const reloaded = await lists.forDocument('file:///x.csv', path);
    assert.notEqual(reloaded, first);
    assert.equal(r.logs.length, 2);
  });
});

describe('server: language service facade', () => {
  function service() {
    const published = new Map<string, Diagnostic[]>();
    const summaries: FileSummary[] = [];
    const r = recorder();
    const settings = new ServerSettings({ pull: async () => null, warn: r.hooks.warn }, new PriceLists(r.hooks));
    const languageService = new ChargebackLanguageService({
      checkSettings: (uri) => settings.checkSettings(uri),
      dateOrder: (uri) => settings.dateOrder(uri),
      publish: (uri, diagnostics) => published.set(uri, diagnostics),
      summary: (s) => summaries.push(s),
      dataChanged: () => undefined,
      log: r.hooks.log,
    });
    return { languageService, published, summaries };
  }

  it('checks an opened billing document and hovers its cells', async () => {
    const { languageService, published, summaries } = service();
    const text = dailyCsv([{ EffectiveUnitPrice: '0.8' }]);
    const doc = TextDocument.create('untitled:usage.csv', 'pc-daily-usage', 1, text);
    languageService.opened(doc);
    await languageService.billing.settled(doc.uri);
    assert.equal(summaries.length, 1);
    assert.equal(summaries[0].rows, 1);
    assert.ok(summaries[0].errors + summaries[0].warnings > 0, 'the wrong EffectiveUnitPrice is a finding');
    assert.ok((published.get(doc.uri) ?? []).length > 0);
    const hover = languageService.hover(doc, { line: 1, character: 1 });
    assert.ok(hover, 'a billing cell has a hover');
    assert.deepEqual(
      languageService.completion(doc, { line: 1, character: 1 }),
      [],
      'billing files have no completion',
    );
    languageService.closed(doc);
    assert.deepEqual(published.get(doc.uri), []);
  });

  it('parses an opened rules document at once: outline, definition, hover and diagnostics', () => {
    const { languageService, published } = service();
    const doc = TextDocument.create(
      'untitled:r.chargeback.yaml',
      'chargeback-rules',
      1,
      RULES.replace('to: data', 'to: dta'),
    );
    languageService.opened(doc);
    assert.deepEqual(
      languageService.symbols(doc.uri).map((s) => s.name),
      ['targets', 'rules'],
    );
    assert.equal(languageService.definition(doc.uri, { line: 9, character: 9 }), null, 'dta is no target');
    assert.match(
      String((languageService.hover(doc, { line: 15, character: 6 })?.contents as { value: string }).value),
      /split/,
    );
    assert.ok((published.get(doc.uri) ?? []).some((d) => d.code === 'unknown-target'));
    assert.deepEqual(languageService.codeLenses(doc.uri), [], 'no lenses before the data was read');
    languageService.closed(doc);
    assert.deepEqual(languageService.symbols(doc.uri), []);
  });
});
