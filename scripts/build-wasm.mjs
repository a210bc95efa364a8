#!/usr/bin/env node
// Makes the fast reader's WebAssembly from one layout spec. src/core/fast/scannerLayout.json says where every
// region of the scanner's memory is, every field of its records and every code both sides use; from it this writes
//   src/core/fast/scannerLayout.ts   the same numbers as TypeScript constants (what byteCsv.ts indexes with), and
//   src/core/fast/scannerWasm.ts     scanner.wat with those numbers put in where it says {NAME}, assembled with
//                                       wabt (SIMD on), as base64: every bundle carries it, no file to find at run
//                                       time.
// `npm run build` runs it first. `node scripts/build-wasm.mjs --check` writes nothing and says whether the committed
// files are what the spec and scanner.wat make (a unit test runs it, so an edit of one side alone fails the tests).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import wabt from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'src/core/fast');
export const paths = {
  spec: join(dir, 'scannerLayout.json'),
  wat: join(dir, 'scanner.wat'),
  layoutTs: join(dir, 'scannerLayout.ts'),
  wasmTs: join(dir, 'scannerWasm.ts'),
};

const TYPES = { u8: 1, i32: 4, i64: 8 };
const RESERVED = new Set(['at', 'bytes', 'count', 'mask', 'end', 'size', 'shift']);

function fail(message) {
  throw new Error(`scannerLayout.json: ${message}`);
}

const alignUp = (n, a) => Math.ceil(n / a) * a;
const isPowerOfTwo = (n) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Record `name`: each field's byte offset, size, count and type; the record's size and alignment. */
function layRecord(name, record) {
  let cursor = 0;
  let align = 1;
  const fields = [];
  for (const f of record.fields) {
    const unit = TYPES[f.type];
    if (!unit) fail(`${name}.${f.name}: unknown type ${f.type}`);
    if (RESERVED.has(f.name)) fail(`${name}.${f.name}: a reserved name`);
    const count = f.count ?? 1;
    const at = f.at ?? alignUp(cursor, unit);
    if (at < cursor) fail(`${name}.${f.name} at ${at} overlaps the field before it (which ends at ${cursor})`);
    if (at % unit !== 0) fail(`${name}.${f.name} at ${at} is not aligned to ${unit}`);
    fields.push({ ...f, at, count, unit, bytes: unit * count });
    cursor = at + unit * count;
    align = Math.max(align, unit);
  }
  const size = record.size ?? alignUp(cursor, align);
  if (size < cursor) fail(`${name}: size ${size} is less than its fields (${cursor} bytes)`);
  return { name, doc: record.doc, fields, size, align };
}

/** The spec, every address and offset worked out and checked (no overlap, aligned, inside the memory). */
export function layOut(spec) {
  const records = {};
  for (const [name, r] of Object.entries(spec.records)) records[name] = layRecord(name, r);
  const memoryBytes = spec.memoryPages * 65536;
  const regions = [];
  let cursor = 0;
  for (const r of spec.regions) {
    let unit;
    let bytes;
    let count = r.count;
    if (r.record) {
      const rec = records[r.record];
      if (!rec) fail(`region ${r.name}: no record ${r.record}`);
      unit = rec.align;
      count ??= 1;
      bytes = rec.size * count;
    } else if (r.element) {
      unit = TYPES[r.element];
      if (!unit) fail(`region ${r.name}: unknown element ${r.element}`);
      bytes = unit * count;
    } else {
      unit = 16;
      bytes = r.bytes ?? 0;
    }
    const at = r.at ?? alignUp(cursor, unit);
    if (at < cursor) fail(`region ${r.name} at ${at} overlaps the region before it (which ends at ${cursor})`);
    if (at % unit !== 0) fail(`region ${r.name} at ${at} is not aligned to ${unit}`);
    if (r.grows && r !== spec.regions.at(-1)) fail(`region ${r.name} grows, so it must be the last`);
    if (at + bytes > memoryBytes) fail(`region ${r.name} ends past the memory's ${spec.memoryPages} pages`);
    regions.push({ ...r, at, bytes, count, end: at + bytes });
    cursor = at + bytes;
  }
  // Every name a {NAME} in scanner.wat may use, with its number.
  const names = new Map();
  const put = (k, v) => {
    if (names.has(k)) fail(`${k} is defined twice`);
    if (!Number.isSafeInteger(v)) fail(`${k} is not an integer`);
    names.set(k, v);
  };
  put('MEMORY.pages', spec.memoryPages);
  for (const r of regions) {
    put(`${r.name}.at`, r.at);
    put(`${r.name}.bytes`, r.bytes);
    put(`${r.name}.end`, r.end);
    if (r.count !== undefined) {
      put(`${r.name}.count`, r.count);
      if (isPowerOfTwo(r.count)) put(`${r.name}.mask`, r.count - 1);
    }
  }
  for (const rec of Object.values(records)) {
    put(`${rec.name}.size`, rec.size);
    if (isPowerOfTwo(rec.size)) put(`${rec.name}.shift`, Math.log2(rec.size));
    for (const f of rec.fields) {
      put(`${rec.name}.${f.name}`, f.at);
      if (f.count > 1) put(`${rec.name}.${f.name}.count`, f.count);
    }
  }
  for (const c of spec.constants) put(c.name, c.value);
  return { spec, records, regions, names };
}

/**
 * scanner.wat with the spec's numbers in place of each {NAME}. The source must name what the spec defines: an
 * unknown name, or a literal `offset=` (a field offset written by hand), is an error.
 */
export function expandWat(layout, wat) {
  const used = new Set();
  // {NAME} or {NAME+NAME...} (an address inside a region: {CONF.at+CONF.pow10}), in code; comments stay as written.
  const expand = (code, line) => {
    const literal = code.match(/offset=\d+/);
    if (literal) throw new Error(`scanner.wat:${line}: ${literal[0]}: name the field ({RECORD.field}) instead`);
    const text = code.replace(/\{([A-Za-z0-9_.+]+)\}/g, (_, sum) => {
      let value = 0;
      for (const name of sum.split('+')) {
        if (!layout.names.has(name)) throw new Error(`scanner.wat:${line}: {${name}} is not in scannerLayout.json`);
        used.add(name);
        value += layout.names.get(name);
      }
      return String(value);
    });
    if (/[{}]/.test(text)) throw new Error(`scanner.wat:${line}: a stray brace`);
    return text;
  };
  const text = wat
    .split('\n')
    .map((l, n) => {
      const at = l.indexOf(';;');
      return at < 0 ? expand(l, n + 1) : expand(l.slice(0, at), n + 1) + l.slice(at);
    })
    .join('\n');
  // Every region but the window (at 0, so that a position in it is its address) has its global.
  for (const r of layout.regions) {
    if (r.at !== 0 && !used.has(`${r.name}.at`)) {
      throw new Error(`scanner.wat: region ${r.name} has no global ({${r.name}.at})`);
    }
  }
  return text;
}

/** Text cut into lines of at most `width` characters, at spaces. */
function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** A doc comment, on one line when it fits in 120 columns, else wrapped. */
function doc(text, indent = '') {
  if (!text) return '';
  if (indent.length + text.length + 7 <= 120) return `${indent}/** ${text} */\n`;
  const lines = wrap(text, 120 - indent.length - 3);
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}\n`).join('')}${indent} */\n`;
}

/** scannerLayout.ts: the spec's numbers as TypeScript constants. */
export function layoutTs(layout) {
  const { spec, records, regions } = layout;
  let out =
    '// Generated by scripts/build-wasm.mjs from scannerLayout.json: do not edit (edit it, then npm run build).\n';
  out += doc(spec.doc) + '\n';
  out += `/** Pages (64 KiB) the memory starts with. */\nexport const MEMORY_PAGES = ${spec.memoryPages};\n\n`;
  out += '/** The regions of the memory: byte address, size and (for arrays of elements or records) count. */\n';
  out += 'export const REGIONS = {\n';
  for (const r of regions) {
    out += doc(r.doc, '  ');
    const parts = [`at: ${r.at}`, `bytes: ${r.bytes}`];
    if (r.count !== undefined) parts.push(`count: ${r.count}`);
    out += `  ${r.name}: { ${parts.join(', ')} },\n`;
  }
  out += '} as const;\n';
  for (const rec of Object.values(records)) {
    out +=
      '\n' +
      wrap(`${rec.name}: ${rec.doc ?? ''}`, 117)
        .map((l) => `// ${l}\n`)
        .join('');
    out += `/** Bytes of one ${rec.name}. */\nexport const ${rec.name}_BYTES = ${rec.size};\n`;
    for (const [type, unit] of Object.entries(TYPES)) {
      const fields = rec.fields.filter((f) => f.type === type);
      if (fields.length === 0) continue;
      const view = { u8: 'a Uint8Array', i32: 'an Int32Array', i64: 'a BigInt64Array' }[type];
      out += `/** ${rec.name}'s ${type} fields as indexes into ${view} that starts at the ${rec.name}. */\n`;
      out += `export const ${rec.name}_${type.toUpperCase()} = {\n`;
      for (const f of fields) out += doc(f.doc, '  ') + `  ${f.name}: ${f.at / unit},\n`;
      out += '} as const;\n';
    }
    const arrays = rec.fields.filter((f) => f.count > 1);
    if (arrays.length > 0) {
      out += `/** Elements of ${rec.name}'s array fields. */\n`;
      const counts = arrays.map((f) => `${f.name}: ${f.count}`).join(', ');
      out += `export const ${rec.name}_COUNT = { ${counts} } as const;\n`;
    }
  }
  out += '\n// Codes and limits both sides use.\n';
  for (const c of spec.constants) out += doc(c.doc) + `export const ${c.name} = ${c.value};\n`;
  return out;
}

/** scannerWasm.ts: the assembled module as base64. */
export async function wasmTs(layout, wat) {
  const w = await wabt();
  const module = w.parseWat('scanner.wat', expandWat(layout, wat), { simd: true });
  try {
    module.validate();
    const { buffer } = module.toBinary({});
    return [
      '// Generated by scripts/build-wasm.mjs from scanner.wat and scannerLayout.json: do not edit.',
      '/** The record scanner (scanner.wat), assembled, as base64. */',
      `export const SCANNER_WASM = '${Buffer.from(buffer).toString('base64')}';`,
      '',
    ].join('\n');
  } finally {
    module.destroy();
  }
}

/** Both generated files from the spec and the .wat as they stand. */
export async function generate() {
  const layout = layOut(JSON.parse(readFileSync(paths.spec, 'utf8')));
  // Formatted as the project formats TypeScript, so that `prettier --check` holds whatever the spec says.
  const options = { ...(await prettier.resolveConfig(paths.layoutTs)), filepath: paths.layoutTs };
  return {
    layoutTs: await prettier.format(layoutTs(layout), options),
    wasmTs: await wasmTs(layout, readFileSync(paths.wat, 'utf8')),
  };
}

/** The generated files that differ from what the spec and the .wat make now, with their new text. */
export async function staleFiles() {
  const files = await generate();
  return Object.entries(files).filter(([k, text]) => !existsSync(paths[k]) || readFileSync(paths[k], 'utf8') !== text);
}

/** Writes the generated files that are out of date (what `npm run build` does first); returns their paths. */
export async function writeGenerated() {
  const stale = await staleFiles();
  for (const [k, text] of stale) writeFileSync(paths[k], text);
  return stale.map(([k]) => paths[k].slice(root.length + 1));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = await staleFiles();
    console.log(
      stale.length === 0
        ? 'scannerLayout.ts and scannerWasm.ts match scannerLayout.json and scanner.wat'
        : `out of date: ${stale.map(([k]) => paths[k].slice(root.length + 1)).join(', ')} (run npm run build)`,
    );
    process.exit(stale.length === 0 ? 0 : 1);
  }
  for (const path of await writeGenerated()) console.log(`wrote ${path}`);
}
