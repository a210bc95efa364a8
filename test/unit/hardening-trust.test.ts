// The editor side of data reach: restricted mode is declared in the manifest, and the language server's rules
// analysis reads nothing outside the workspace when told the workspace is not trusted.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver';
import { RulesService } from '../../src/server/rules/rulesService';
import { dailyCsv } from '../support/billingFixtures';

function service(confineTo: readonly string[] | undefined): {
  rules: RulesService;
  published: Map<string, Diagnostic[]>;
} {
  const published = new Map<string, Diagnostic[]>();
  const rules = new RulesService({
    publish: (uri, d) => void published.set(uri, d),
    dataChanged: () => undefined,
    dateOrder: async () => 'MDY',
    log: () => undefined,
    confineTo: () => confineTo,
  });
  return { rules, published };
}

describe('untrusted workspaces (restricted mode)', () => {
  let dir: string;
  let ws: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chargeback-trust-'));
    ws = join(dir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(dir, 'outside.csv'), dailyCsv([{}]));
    writeFileSync(join(ws, 'inside.csv'), dailyCsv([{}]));
    symlinkSync(join(dir, 'outside.csv'), join(ws, 'link.csv'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the manifest declares limited support and restricts the price-list setting', () => {
    const manifest = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8'));
    const u = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(u?.supported, 'limited');
    assert.match(u.description, /only inside the workspace folders/);
    assert.deepEqual(u.restrictedConfigurations, ['chargeback.priceList']);
  });

  const text =
    'chargeback: 1\ndata: [../outside.csv, ./inside.csv, ./link.csv]\nallowOutside: true\ntargets: { web: {} }\nrules:\n  - { name: all, match: { customer: "*" }, to: web }\n';

  it('untrusted: allowOutside is not honoured and a link out of the workspace is not followed', async () => {
    const uri = pathToFileURL(join(ws, 'r.chargeback.yaml')).toString();
    const { rules, published } = service([ws]);
    rules.update(uri, text, 0);
    await rules.settled(uri);
    const outside = (published.get(uri) ?? []).filter((d) => d.code === 'data-outside-folder');
    assert.deepEqual(
      outside.map((d) => d.range.start.character),
      [7, 37],
      JSON.stringify(published.get(uri)),
    );
    assert.deepEqual(rules.data(uri)?.files, [join(ws, 'inside.csv')]);
  });

  it('trusted: the same file reads all three with allowOutside: true', async () => {
    const uri = pathToFileURL(join(ws, 'r.chargeback.yaml')).toString();
    const { rules, published } = service(undefined);
    rules.update(uri, text, 0);
    await rules.settled(uri);
    assert.deepEqual(
      (published.get(uri) ?? []).filter((d) => d.severity === 1),
      [],
    );
    // outside.csv and link.csv are one file: read once.
    assert.deepEqual(rules.data(uri)?.files, [join(dir, 'outside.csv'), join(ws, 'inside.csv')]);
  });
});
