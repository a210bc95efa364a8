/**
 * Builds the JSON Schema of `*.chargeback.yaml` files from the vocabulary, for users of the YAML extension
 * (redhat.vscode-yaml), which completes and validates with it. The shipped file `schemas/chargeback.schema.json`
 * is this function's output; a unit test fails when they differ (UPDATE_GOLDEN=1 rewrites the file). The schema
 * checks shapes only; the language server's own diagnostics (unknown targets, percentages, ...) go further.
 */
import { ENUMS, EXTENSION_KEY_PREFIX, SECTIONS, SUPPORTED_VERSIONS } from './vocabulary';
import type { EnumName, KeyInfo, SectionName, ValueShape } from './vocabulary';

type Schema = Record<string, unknown>;

const TEXT: Schema = { type: ['string', 'number'] };
const GLOB: Schema = {
  type: ['string', 'number'],
  description: 'A glob: `*` any text, `?` one character, case-insensitive.',
};

function enumSchema(name: EnumName): Schema {
  return {
    type: 'string',
    enum: ENUMS[name].map((v) => v.value),
    enumDescriptions: ENUMS[name].map((v) => v.doc),
    markdownEnumDescriptions: ENUMS[name].map((v) => v.doc),
  };
}

const ref = (section: SectionName): Schema => ({ $ref: `#/definitions/${section}` });

function shapeSchema(shape: ValueShape): Schema {
  switch (shape.kind) {
    case 'version':
      return { enum: [...SUPPORTED_VERSIONS] };
    case 'string':
      return { ...TEXT };
    case 'stringOrList':
      return { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] };
    case 'enum':
      return enumSchema(shape.enumName);
    case 'boolean':
      return { type: 'boolean' };
    case 'percent':
      return { type: 'number' };
    case 'amount':
      return { type: 'number', minimum: 0 };
    case 'targetRef':
      return { ...TEXT, description: 'A target id declared under `targets:`.' };
    case 'targetRefList':
      return { type: 'array', items: { ...TEXT }, minItems: 1, uniqueItems: true };
    case 'percentMap':
      return { type: 'object', additionalProperties: { type: 'number', minimum: 0 }, minProperties: 1 };
    case 'globs':
      return { anyOf: [{ ...GLOB }, { type: 'array', items: { ...GLOB }, minItems: 1 }] };
    case 'tagGlobs':
      return {
        type: 'object',
        additionalProperties: { anyOf: [{ ...GLOB }, { type: 'array', items: { ...GLOB }, minItems: 1 }] },
        minProperties: 1,
      };
    case 'to':
      return { anyOf: [{ ...TEXT }, ref('toTag')] };
    case 'pec':
      return { anyOf: [enumSchema('pecMode'), ref('pec')] };
    case 'section':
      return ref(shape.section);
    case 'mapOfSection':
      return { type: 'object', additionalProperties: { anyOf: [ref(shape.section), { type: 'null' }] } };
    case 'listOfSection':
      return { type: 'array', items: ref(shape.section) };
    case 'reserved':
      return {};
  }
}

function keySchema(info: KeyInfo): Schema {
  return { ...shapeSchema(info.shape), description: info.doc, markdownDescription: info.doc };
}

/** Constraints the shapes alone cannot say. */
const SECTION_EXTRAS: Partial<Record<SectionName, Schema>> = {
  rule: { oneOf: [{ required: ['to'] }, { required: ['split'] }] },
  split: { oneOf: [{ required: ['evenly'] }, { required: ['percent'] }, { required: ['proportional'] }] },
  budget: { oneOf: [{ required: ['monthly'] }, { required: ['quarterly'] }, { required: ['yearly'] }] },
};

function sectionSchema(section: SectionName): Schema {
  const properties: Schema = {};
  for (const info of SECTIONS[section]) properties[info.key] = keySchema(info);
  const required = SECTIONS[section].filter((k) => k.required).map((k) => k.key);
  const extensions =
    section === 'match' || section === 'toTag' ? {} : { patternProperties: { [`^${EXTENSION_KEY_PREFIX}`]: {} } };
  return {
    type: 'object',
    properties,
    ...extensions,
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    ...(SECTION_EXTRAS[section] ?? {}),
  };
}

/** The JSON Schema (draft-07, which the YAML extension supports best). */
export function buildJsonSchema(): Schema {
  const definitions: Schema = {};
  for (const section of Object.keys(SECTIONS) as SectionName[]) {
    if (section === 'top') continue;
    definitions[section] = sectionSchema(section);
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'FinOps Chargeback rules (*.chargeback.yaml)',
    description:
      'Who pays for what: targets, rules (first match wins) and where unmatched cost goes. Language version 1.',
    ...sectionSchema('top'),
    definitions,
  };
}

/** The schema as the text of the shipped file. */
export function jsonSchemaText(): string {
  return JSON.stringify(buildJsonSchema(), null, 2) + '\n';
}
