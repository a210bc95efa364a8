/**
 * The shipped JSON Schema agrees with the vocabulary the parser uses: it is generated from it (the file must be
 * the generator's output), and a small validator confirms that files the parser accepts pass the schema and that
 * shape errors the parser reports fail it too.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildJsonSchema, jsonSchemaText } from '../../src/core/allocation/jsonSchema';
import { parseRules } from '../../src/core/allocation/parseRules';
import { ENUMS, SECTIONS } from '../../src/core/allocation/vocabulary';
import { GOLDEN } from '../fixtures/allocation/golden';

const ROOT = join(__dirname, '..', '..', '..');
const SCHEMA_FILE = join(ROOT, 'schemas', 'chargeback.schema.json');

type Schema = Record<string, unknown>;

/** Just enough of draft-07 for our schema: type, enum, properties, patternProperties, additionalProperties,
 * required, items, minItems, minProperties, uniqueItems, minimum, anyOf, oneOf, $ref. Returns error paths. */
function validate(schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/definitions/', '');
    return validate((root['definitions'] as Record<string, Schema>)[name], value, root, path);
  }
  const errors: string[] = [];
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    const actual =
      value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
    if (!types.includes(actual) && !(actual === 'number' && types.includes('integer')))
      return [`${path}: expected ${types.join('|')}, got ${actual}`];
  }
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value))
    errors.push(`${path}: not one of ${JSON.stringify(schema['enum'])}`);
  if (typeof schema['minimum'] === 'number' && typeof value === 'number' && value < (schema['minimum'] as number))
    errors.push(`${path}: below minimum`);
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < (schema['minItems'] as number))
      errors.push(`${path}: too few items`);
    if (schema['uniqueItems'] && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      errors.push(`${path}: duplicate items`);
    if (schema['items'])
      value.forEach((v, i) => errors.push(...validate(schema['items'] as Schema, v, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    const patterns = (schema['patternProperties'] ?? {}) as Record<string, Schema>;
    if (typeof schema['minProperties'] === 'number' && Object.keys(obj).length < (schema['minProperties'] as number))
      errors.push(`${path}: too few properties`);
    for (const r of (schema['required'] ?? []) as string[]) if (!(r in obj)) errors.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k], v, root, `${path}.${k}`));
      else if (Object.keys(patterns).some((p) => new RegExp(p).test(k))) continue;
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unknown key ${k}`);
      else if (typeof schema['additionalProperties'] === 'object')
        errors.push(...validate(schema['additionalProperties'] as Schema, v, root, `${path}.${k}`));
    }
  }
  if (
    Array.isArray(schema['anyOf']) &&
    !(schema['anyOf'] as Schema[]).some((s) => validate(s, value, root, path).length === 0)
  )
    errors.push(`${path}: matches no alternative`);
  if (
    Array.isArray(schema['oneOf']) &&
    (schema['oneOf'] as Schema[]).filter((s) => validate(s, value, root, path).length === 0).length !== 1
  )
    errors.push(`${path}: must match exactly one alternative`);
  return errors;
}

function schemaErrors(text: string): string[] {
  return validate(buildJsonSchema(), parse(text), buildJsonSchema());
}

describe('JSON Schema of rules files', () => {
  it('ships schemas/chargeback.schema.json exactly as generated from the vocabulary', () => {
    const text = jsonSchemaText();
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(SCHEMA_FILE)) writeFileSync(SCHEMA_FILE, text);
    assert.equal(
      readFileSync(SCHEMA_FILE, 'utf8'),
      text,
      'run the tests with UPDATE_GOLDEN=1 to regenerate the schema',
    );
  });

  it('documents every key of every section and every enum value', () => {
    const schema = JSON.stringify(buildJsonSchema());
    for (const keys of Object.values(SECTIONS)) for (const k of keys) assert.ok(schema.includes(`"${k.key}":{`), k.key);
    for (const values of Object.values(ENUMS))
      for (const v of values) assert.ok(schema.includes(JSON.stringify(v.doc)), v.value);
  });

  it('accepts the files the parser accepts (golden example, sample)', () => {
    const files = [
      join(GOLDEN, 'contoso.chargeback.yaml'),
      join(ROOT, 'samples', 'contoso.chargeback.yaml'),
      join(ROOT, 'samples', 'reseller', 'northwind-resale.chargeback.yaml'),
    ].filter(existsSync);
    assert.ok(files.length >= 1);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.equal(parseRules(text).hasErrors, false, f);
      assert.deepEqual(schemaErrors(text), [], f);
    }
  });

  it('rejects the shape errors the parser rejects', () => {
    const base = 'chargeback: 1\ntargets:\n  web: {}\n  data: {}\n';
    const broken = [
      'chargeback: 1\namout: billed\n',
      'chargeback: 1\namount: listed\n',
      'chargeback: 2\n',
      'name: no version\n',
      base + 'rules:\n  - name: r\n    match: { region: x }\n    to: web\n    split: { evenly: [web] }\n',
      base + 'rules:\n  - name: r\n    match: { region: x }\n',
      base + 'rules:\n  - name: r\n    match: { regoin: x }\n    to: web\n',
      base + 'rules:\n  - name: r\n    match: { region: x }\n    split: { proportional: [web], basis: cpu }\n',
      base + 'rules:\n  - name: r\n    match: { region: [] }\n    to: web\n',
      base + 'rules:\n  - name: r\n    match: { tag: {} }\n    to: web\n',
      base + 'rules:\n  - name: r\n    match: { region: x }\n    split: { evenly: [web], percent: { web: 100 } }\n',
      'chargeback: 1\ncommitments: { amortize: yes please }\n',
      'chargeback: 1\ntargets:\n  web: { costCentre: x }\n',
      'chargeback: 1\ninvoicing: { customers: { c-1: { subscriptions: { s-1: { status: Removed } } } } }\n',
      'chargeback: 1\ninvoicing: { grouping: per-customer }\n',
      'chargeback: 1\ninvoicing: { prices: { software: { markup: 5 } } }\n',
    ];
    for (const text of broken) {
      assert.equal(parseRules(text).hasErrors, true, `parser accepts:\n${text}`);
      assert.notDeepEqual(schemaErrors(text), [], `schema accepts:\n${text}`);
    }
  });
});
