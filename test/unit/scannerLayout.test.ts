import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as layoutTs from '../../src/core/fast/scannerLayout';
import { SCANNER_WASM } from '../../src/core/fast/scannerWasm';

/**
 * The TypeScript <-> WebAssembly memory layout comes from one spec (scannerLayout.json): the generated constants,
 * the assembled module and the spec must agree, and an edit of any one side alone must be caught.
 */

const root = join(__dirname, '..', '..', '..');
const fast = join(root, 'src', 'core', 'fast');

interface Layout {
  names: Map<string, number>;
  regions: { name: string; at: number; bytes: number; count?: number }[];
}
interface Generator {
  layOut(spec: unknown): Layout;
  expandWat(layout: Layout, wat: string): string;
  layoutTs(layout: Layout): string;
  wasmTs(layout: Layout, wat: string): Promise<string>;
  staleFiles(): Promise<[string, string][]>;
}

/** The little of the WebAssembly API this needs (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, { value: number }> };
}

const generator = (): Promise<Generator> =>
  import(pathToFileURL(join(root, 'scripts', 'build-wasm.mjs')).href) as Promise<Generator>;
const spec = (): {
  regions: { name: string; at?: number }[];
  records: Record<string, { fields: { name: string; at?: number; type: string }[] }>;
} => JSON.parse(readFileSync(join(fast, 'scannerLayout.json'), 'utf8'));
const wat = (): string => readFileSync(join(fast, 'scanner.wat'), 'utf8');

describe('the scanner memory layout, generated from one spec', function () {
  this.timeout(30_000);

  it('has committed files that are exactly what the spec and scanner.wat make', async () => {
    const g = await generator();
    assert.deepEqual(
      (await g.staleFiles()).map(([k]) => k),
      [],
    );
  });

  it('gives TypeScript the numbers the module was assembled with', async () => {
    const g = await generator();
    const layout = g.layOut(spec());
    for (const r of layout.regions) {
      const ts = layoutTs.REGIONS[r.name as keyof typeof layoutTs.REGIONS];
      assert.equal(ts.at, r.at, r.name);
      assert.equal(ts.bytes, r.bytes, r.name);
    }
    assert.equal(layoutTs.CONF_I32.position * 4, layout.names.get('CONF.position'));
    assert.equal(layoutTs.GROUP_I64.femtos * 8, layout.names.get('GROUP.femtos'));
    assert.equal(layoutTs.GROUP_BYTES, layout.names.get('GROUP.size'));
    assert.equal(layoutTs.LANE_CHECKED, layout.names.get('LANE_CHECKED'));
    // The module's exported addresses are the spec's.
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const x = new wasm.Instance(new wasm.Module(Buffer.from(SCANNER_WASM, 'base64'))).exports;
    for (const name of ['START', 'END', 'FLAGS', 'RESULT', 'CONF', 'GROUPS', 'ARENA'] as const) {
      assert.equal(x[name].value, layoutTs.REGIONS[name].at, name);
    }
  });

  it('moves a field on both sides when the spec moves it', async () => {
    const g = await generator();
    const s = spec();
    const before = g.layOut(s);
    const position = s.records.CONF.fields.find((f) => f.name === 'position')!;
    position.at = 60;
    const after = g.layOut(s);
    assert.equal(after.names.get('CONF.position'), 60);
    assert.equal(after.names.get('CONF.lines'), 64, 'the fields after it follow');
    assert.match(g.layoutTs(after), /position: 15,/);
    assert.doesNotMatch(g.layoutTs(before), /position: 15,/);
    const text = g.expandWat(after, wat());
    assert.ok(text.includes('(i32.load offset=60 (global.get $CONF))'), 'the WAT reads the field where it now is');
    assert.notEqual(await g.wasmTs(after, wat()), await g.wasmTs(before, wat()), 'other bytes');
  });

  it('refuses a layout whose regions or fields overlap or are misaligned', async () => {
    const g = await generator();
    const overlap = spec();
    overlap.regions.find((r) => r.name === 'DATES')!.at = 4210688 + 4;
    assert.throws(() => g.layOut(overlap), /overlaps/);
    const misaligned = spec();
    misaligned.records.GROUP.fields.find((f) => f.name === 'femtos')!.at = 76;
    assert.throws(() => g.layOut(misaligned), /GROUP\.femtos at 76 is not aligned/);
  });

  it('refuses a scanner.wat that writes a field offset by hand or names what the spec does not have', async () => {
    const g = await generator();
    const layout = g.layOut(spec());
    const source = wat();
    assert.throws(
      () => g.expandWat(layout, source.replace('offset={CONF.position}', 'offset=64')),
      /offset=64: name the field/,
    );
    assert.throws(() => g.expandWat(layout, source.replace('{CONF.position}', '{CONF.positon}')), /CONF\.positon/);
    assert.throws(() => g.expandWat(layout, source.replace('(i32.const {SLOTS.at})', '(i32.const 4718592)')), /SLOTS/);
  });
});
