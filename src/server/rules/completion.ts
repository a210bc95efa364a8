/**
 * Completion in rules files: keys of the section at the cursor, enum values, target ids, and values harvested from
 * the billing data (meter categories, tags, currencies, data files) with their line counts and money.
 */
import {
  CompletionItem,
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  Position,
  Range,
} from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import type { DataHarvest, HarvestedValue } from '../../core/allocation/harvest';
import type { RulesFile } from '../../core/allocation/model';
import {
  ENUMS,
  SECTIONS,
  keyInfo,
  sectionAt,
  type EnumName,
  type KeyInfo,
  type SectionName,
} from '../../core/allocation/vocabulary';
import { cursorContext, type CursorContext } from './cursorContext';
import { dataCurrency, money, type RulesData } from './rulesData';

/** Needs quotes in YAML when written plain (globs start with `*`, values with `:` or flow characters...). */
function yamlScalar(value: string): string {
  return /^[\s*&!|>'"%@`#,[\]{}?:-]|[:#]\s|[\s]$|^$|^(true|false|null|yes|no|~)$/i.test(value) ||
    /^[\d.+-]+$/.test(value)
    ? JSON.stringify(value)
    : value;
}

function keyItems(section: SectionName, ctx: CursorContext, range: Range): CompletionItem[] {
  return SECTIONS[section]
    .filter((k) => !ctx.siblings.includes(k.key))
    .map((k, i) => ({
      label: k.key,
      kind: CompletionItemKind.Property,
      detail: k.required ? 'required' : undefined,
      documentation: { kind: MarkupKind.Markdown, value: k.doc + (k.example ? `\n\n\`${k.key}: ${k.example}\`` : '') },
      sortText: `${k.required ? 0 : 1}${String(i).padStart(3, '0')}`,
      textEdit: { range, newText: `${k.key}: ` },
      command:
        k.shape.kind === 'enum' || k.shape.kind === 'targetRef' || k.shape.kind === 'to'
          ? { title: 'Suggest', command: 'editor.action.triggerSuggest' }
          : undefined,
    }));
}

function enumItems(name: EnumName, range: Range): CompletionItem[] {
  return ENUMS[name].map((v) => ({
    label: v.value,
    kind: CompletionItemKind.EnumMember,
    documentation: { kind: MarkupKind.Markdown, value: v.doc },
    textEdit: { range, newText: v.value },
  }));
}

function targetItems(model: RulesFile, range: Range, exclude: string[] = []): CompletionItem[] {
  return model.targets
    .filter((t) => !exclude.includes(t.id))
    .map((t) => ({
      label: t.id,
      kind: CompletionItemKind.Reference,
      detail: [t.name?.value, t.costCenter?.value].filter(Boolean).join(' · ') || 'target',
      textEdit: { range, newText: t.id },
    }));
}

function harvestedItems(values: HarvestedValue[], currency: string, range: Range, quoted: boolean): CompletionItem[] {
  return values.map((v, i) => ({
    label: v.value,
    kind: CompletionItemKind.Value,
    detail: `${v.lines.toLocaleString('en-US')} line${v.lines === 1 ? '' : 's'} · ${money(v.amount, currency)}`,
    documentation: {
      kind: MarkupKind.Markdown,
      value: `Found in the billing data: **${v.lines.toLocaleString('en-US')}** lines, **${money(v.amount, currency)}**.`,
    },
    sortText: String(i).padStart(5, '0'),
    filterText: v.value,
    textEdit: { range, newText: quoted ? v.value : yamlScalar(v.value) },
  }));
}

/** The key info of the key that owns a block list item (`data:` / `evenly:` items are values, `rules:` items maps). */
function listOwner(path: (string | number)[]): { section: SectionName; info: KeyInfo } | undefined {
  if (path.length < 2 || typeof path[path.length - 1] !== 'number' || typeof path[path.length - 2] !== 'string')
    return undefined;
  const section = sectionAt(path.slice(0, -2));
  const info = section && keyInfo(section, path[path.length - 2] as string);
  if (!section || !info || info.shape.kind === 'listOfSection') return undefined;
  return { section, info };
}

export function rulesCompletion(
  text: string,
  position: Position,
  parsed: ParsedRules,
  data?: RulesData,
): CompletionItem[] {
  const ctx = cursorContext(text, position.line, position.character);
  const range = Range.create(position.line, ctx.prefixStart, position.line, position.character);
  const line = text.split(/\r\n|\r|\n/)[position.line] ?? '';
  const quoted = ctx.prefixStart > 0 && /["']/.test(line[ctx.prefixStart - 1]);
  const model = parsed.model;
  const currency = dataCurrency(data);

  let path = ctx.path;
  let kind = ctx.kind;
  let key = ctx.key;
  const owner = kind === 'key' ? listOwner(path) : undefined;
  if (owner) {
    key = path[path.length - 2] as string;
    path = path.slice(0, -2);
    kind = 'value';
  }

  if (kind === 'key') {
    const section = sectionAt(path);
    if (section) return keyItems(section, ctx, range);
    const last = path[path.length - 1];
    if (last === 'tag' && sectionAt(path.slice(0, -1)) === 'match') {
      const tags = [...(data?.harvest?.tags ?? new Map()).entries()].filter(([k]) => !ctx.siblings.includes(k));
      return tags.map(([tagKey, field], i) => ({
        label: tagKey,
        kind: CompletionItemKind.Field,
        detail: `tag on ${field.lines.toLocaleString('en-US')} lines`,
        sortText: String(i).padStart(5, '0'),
        textEdit: { range, newText: `${tagKey}: ` },
        command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
      }));
    }
    if (last === 'percent' && sectionAt(path.slice(0, -1)) === 'split') {
      return targetItems(model, range, ctx.siblings).map((item) => ({
        ...item,
        textEdit: { range, newText: `${item.label}: ` },
      }));
    }
    return [];
  }

  // A value.
  const section = sectionAt(path);
  if (!key) return [];
  if (!section) {
    if (path[path.length - 1] === 'tag' && sectionAt(path.slice(0, -1)) === 'match') {
      const field = data?.harvest?.tags.get(key.toLowerCase());
      return field ? harvestedItems(field.values, currency, range, quoted) : [];
    }
    return [];
  }
  const info = keyInfo(section, key);
  if (!info) return [];
  switch (info.shape.kind) {
    case 'enum':
      return enumItems(info.shape.enumName, range);
    case 'version':
      return [
        {
          label: '1',
          kind: CompletionItemKind.Constant,
          detail: 'language version 1',
          textEdit: { range, newText: '1' },
        },
      ];
    case 'boolean':
      return ['true', 'false'].map((v) => ({
        label: v,
        kind: CompletionItemKind.Constant,
        textEdit: { range, newText: v },
      }));
    case 'targetRef':
    case 'targetRefList':
      return targetItems(model, range);
    case 'to':
      return [
        ...targetItems(model, range),
        {
          label: '{ tag: … }',
          kind: CompletionItemKind.Snippet,
          detail: 'the target whose id equals a tag value',
          insertTextFormat: InsertTextFormat.Snippet,
          textEdit: { range, newText: '{ tag: ${1:team} }' },
        },
      ];
    case 'globs': {
      const field = data?.harvest?.fields[key as keyof DataHarvest['fields']];
      return field ? harvestedItems(field.values, currency, range, quoted) : [];
    }
    case 'tagGlobs': {
      const tags = [...(data?.harvest?.tags ?? new Map()).keys()];
      return tags.map((t) => ({
        label: `{ ${t}: "*" }`,
        kind: CompletionItemKind.Snippet,
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range, newText: `{ ${t}: "\${1:*}" }` },
      }));
    }
    case 'stringOrList':
      if (key === 'data') {
        return (data?.candidates ?? []).map((c) => ({
          label: c,
          kind: CompletionItemKind.File,
          textEdit: { range, newText: quoted ? c : yamlScalar(c) },
        }));
      }
      return [];
    case 'string':
      if (key === 'currency') {
        return (data?.harvest?.currencies ?? []).map((c) => ({
          label: c.value,
          kind: CompletionItemKind.Value,
          detail: `${c.lines.toLocaleString('en-US')} lines · ${money(c.amount, c.value)}`,
          textEdit: { range, newText: c.value },
        }));
      }
      return [];
    default:
      return [];
  }
}
