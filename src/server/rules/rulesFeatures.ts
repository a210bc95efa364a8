/**
 * Language features of `*.chargeback.yaml` files, as plain functions of the text, its parse and what is known of
 * the billing data (no LSP connection here, so each is unit-tested directly): completion of keys, enum values,
 * target ids and values harvested from the billing data; hover with documentation and money; go to definition of
 * target references; the outline; code lenses with each rule's amount; diagnostics.
 */
import {
  CompletionItem,
  CompletionItemKind,
  Diagnostic,
  DiagnosticSeverity,
  DocumentSymbol,
  Hover,
  InsertTextFormat,
  Location,
  MarkupKind,
  Position,
  Range,
  SymbolKind,
} from 'vscode-languageserver';
import type Decimal from 'decimal.js';
import type { ParsedRules } from '../../core/allocation/parseRules';
import type { Problem, Range as RulesRange } from '../../core/allocation/problems';
import type { DataHarvest, HarvestedValue } from '../../core/allocation/harvest';
import type { AllocationResult } from '../../core/allocation/result';
import type { RulesFile } from '../../core/allocation/model';
import { ENUMS, SECTIONS, keyInfo, sectionAt, type EnumName, type KeyInfo, type SectionName } from '../../core/allocation/vocabulary';
import { formatCents } from '../../core/money';
import { cursorContext, type CursorContext } from './cursorContext';

/** What the server knows of the billing data a rules file names (after reading it). */
export interface RulesData {
  harvest?: DataHarvest;
  result?: AllocationResult;
  /** Data-dependent problems (globs matching no file, shadowed rules, currency mix, ...). */
  problems: Problem[];
  /** Problems reading the billing data (unreadable amounts, files that are not billing files), shown on `data:`. */
  issues?: { severity: 'error' | 'warning' | 'info'; message: string }[];
  /** Billing files the `data:` globs matched. */
  files: string[];
  /** CSV files near the rules file, relative to it, for completing `data:`. */
  candidates?: string[];
  /** While the rules have errors: the last evaluation of a version without errors (shown marked stale). */
  stale?: { parsed: ParsedRules; result: AllocationResult };
  /** The parse the result belongs to. */
  parsedWith?: ParsedRules;
}

export const RULES_SOURCE = 'chargeback-rules';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

function toRange(r: RulesRange): Range {
  return Range.create(r.start.line, r.start.character, r.end.line, r.end.character);
}

function contains(r: RulesRange, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}

function money(amount: Decimal, currency: string): string {
  const [whole, cents] = formatCents(amount).split('.');
  return `${currency ? currency + ' ' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

/** At most this many data-reading issues become diagnostics; the CLI lists them all. */
const MAX_ISSUE_DIAGNOSTICS = 20;

export function rulesDiagnostics(parsed: ParsedRules, data?: RulesData): Diagnostic[] {
  const problems = [...parsed.problems, ...(data?.problems ?? [])];
  const diagnostics: Diagnostic[] = problems.map((p) => ({
    range: toRange(p.range),
    severity: SEVERITY[p.severity],
    code: p.code,
    source: RULES_SOURCE,
    message: p.message,
  }));
  const issues = data?.issues ?? [];
  const at = parsed.model.keyRanges['data'];
  if (at && issues.length > 0) {
    for (const issue of issues.slice(0, MAX_ISSUE_DIAGNOSTICS)) {
      diagnostics.push({ range: toRange(at), severity: SEVERITY[issue.severity], code: 'data-issue', source: RULES_SOURCE, message: issue.message });
    }
    if (issues.length > MAX_ISSUE_DIAGNOSTICS) {
      diagnostics.push({
        range: toRange(at), severity: DiagnosticSeverity.Information, code: 'data-issue', source: RULES_SOURCE,
        message: `${issues.length - MAX_ISSUE_DIAGNOSTICS} more issues reading the billing data: \`chargeback allocate\` lists them all.`,
      });
    }
  }
  return diagnostics;
}

// ---------------------------------------------------------------------------------------------------- completion

/** Needs quotes in YAML when written plain (globs start with `*`, values with `:` or flow characters...). */
function yamlScalar(value: string): string {
  return /^[\s*&!|>'"%@`#,[\]{}?:-]|[:#]\s|[\s]$|^$|^(true|false|null|yes|no|~)$/i.test(value) || /^[\d.+-]+$/.test(value) ? JSON.stringify(value) : value;
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
      command: k.shape.kind === 'enum' || k.shape.kind === 'targetRef' || k.shape.kind === 'to' ? { title: 'Suggest', command: 'editor.action.triggerSuggest' } : undefined,
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
    documentation: { kind: MarkupKind.Markdown, value: `Found in the billing data: **${v.lines.toLocaleString('en-US')}** lines, **${money(v.amount, currency)}**.` },
    sortText: String(i).padStart(5, '0'),
    filterText: v.value,
    textEdit: { range, newText: quoted ? v.value : yamlScalar(v.value) },
  }));
}

function dataCurrency(data?: RulesData): string {
  const currencies = data?.harvest?.currencies ?? [];
  return currencies.length === 1 ? currencies[0].value : '';
}

/** The key info of the key that owns a block list item (`data:` / `evenly:` items are values, `rules:` items maps). */
function listOwner(path: (string | number)[]): { section: SectionName; info: KeyInfo } | undefined {
  if (path.length < 2 || typeof path[path.length - 1] !== 'number' || typeof path[path.length - 2] !== 'string') return undefined;
  const section = sectionAt(path.slice(0, -2));
  const info = section && keyInfo(section, path[path.length - 2] as string);
  if (!section || !info || info.shape.kind === 'listOfSection') return undefined;
  return { section, info };
}

export function rulesCompletion(text: string, position: Position, parsed: ParsedRules, data?: RulesData): CompletionItem[] {
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
      return targetItems(model, range, ctx.siblings).map((item) => ({ ...item, textEdit: { range, newText: `${item.label}: ` } }));
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
      return [{ label: '1', kind: CompletionItemKind.Constant, detail: 'language version 1', textEdit: { range, newText: '1' } }];
    case 'boolean':
      return ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Constant, textEdit: { range, newText: v } }));
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
        return (data?.candidates ?? []).map((c) => ({ label: c, kind: CompletionItemKind.File, textEdit: { range, newText: quoted ? c : yamlScalar(c) } }));
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

// ---------------------------------------------------------------------------------------------------- hover

function wordAt(line: string, character: number): { start: number; end: number } | undefined {
  const isWord = (c: string | undefined) => !!c && /[\w.$-]/.test(c);
  let start = character;
  let end = character;
  while (start > 0 && isWord(line[start - 1])) start--;
  while (end < line.length && isWord(line[end])) end++;
  return start < end ? { start, end } : undefined;
}

export function rulesHover(text: string, position: Position, parsed: ParsedRules, data?: RulesData): Hover | null {
  const model = parsed.model;
  const currency = data?.result ? resultCurrency(data) : dataCurrency(data);

  // A rule's name (or the dash that starts it): how much money it takes.
  const rule = model.rules.find((r) => (r.nameRange && contains(r.nameRange, position)));
  if (rule) return { contents: { kind: MarkupKind.Markdown, value: ruleMoney(rule.index, rule.name, data, currency) }, range: toRange(rule.nameRange!) };

  // A target id or a reference to one: who it is and what it is charged.
  const reference = model.targetReferences.find((r) => contains(r.range, position));
  const declared = model.targets.find((t) => contains(t.idRange, position));
  const targetId = reference?.id ?? declared?.id;
  if (targetId !== undefined) {
    const target = model.targets.find((t) => t.id === targetId);
    const lines = [`**Target \`${targetId}\`**${target?.name ? ` · ${target.name.value}` : ''}`];
    if (target?.costCenter) lines.push('', `Cost center ${target.costCenter.value}${target.account ? `, account ${target.account.value}` : ''}`);
    const allocated = data?.result?.targets.find((t) => t.id === targetId);
    if (allocated) {
      lines.push('', `Charged **${money(allocated.charged, currency)}**${allocated.markup.isZero() ? '' : ` (${money(allocated.amount, currency)} + markup ${money(allocated.markup, currency)})`}`);
      for (const share of allocated.breakdown) lines.push(`- ${share.rule}: ${money(share.amount, currency)}`);
    } else if (!target) {
      lines.push('', 'Not declared under `targets:`.');
    }
    return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: toRange((reference ?? declared)!.range ?? declared!.idRange) };
  }

  // A key of the language, or an enum value: its documentation.
  const lineText = text.split(/\r\n|\r|\n/)[position.line] ?? '';
  const word = wordAt(lineText, position.character);
  if (!word) return null;
  const range = Range.create(position.line, word.start, position.line, word.end);
  const ctx = cursorContext(text, position.line, word.start);
  const name = lineText.slice(word.start, word.end);
  const isKey = /^\s*:/.test(lineText.slice(word.end));
  if (isKey) {
    const section = sectionAt(ctx.path);
    const info = section && keyInfo(section, name);
    if (info) return { contents: { kind: MarkupKind.Markdown, value: `**${info.key}**${info.required ? ' (required)' : ''}\n\n${info.doc}` }, range };
    return null;
  }
  if (ctx.kind === 'value' && ctx.key) {
    const section = sectionAt(ctx.path);
    const info = section && keyInfo(section, ctx.key);
    if (info?.shape.kind === 'enum') {
      const value = ENUMS[info.shape.enumName].find((v) => v.value === name);
      if (value) return { contents: { kind: MarkupKind.Markdown, value: `**${ctx.key}: ${value.value}**\n\n${value.doc}` }, range };
    }
  }
  return null;
}

function resultCurrency(data: RulesData): string {
  return data.result?.currency || dataCurrency(data);
}

function ruleMoney(index: number, name: string, data: RulesData | undefined, currency: string): string {
  const r = data?.result?.rules.find((x) => x.index === index);
  if (!r) return `**Rule ${JSON.stringify(name)}**\n\nNo billing data read yet (check \`data:\`).`;
  const lines = [`**Rule ${JSON.stringify(name)}**`, ''];
  if (r.lines === 0) {
    lines.push(r.shadowedBy !== undefined ? `Takes no line: every line it matches is taken first by rule ${JSON.stringify(data!.result!.rules[r.shadowedBy]?.name)}.` : 'Matches no line of the billing data.');
  } else {
    lines.push(`Takes **${r.lines.toLocaleString('en-US')}** line${r.lines === 1 ? '' : 's'} worth **${money(r.matched, currency)}**; allocates ${money(r.allocated, currency)}.`);
    if (r.sample.length > 0) lines.push('', 'First lines: ' + r.sample.slice(0, 3).map((s) => `${s.file.split('/').pop()}:${s.line}`).join(', '));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------- navigation

export function rulesDefinition(uri: string, position: Position, parsed: ParsedRules): Location | null {
  const reference = parsed.model.targetReferences.find((r) => contains(r.range, position));
  if (!reference) return null;
  const target = parsed.model.targets.find((t) => t.id === reference.id);
  return target ? Location.create(uri, toRange(target.idRange)) : null;
}

export function rulesSymbols(parsed: ParsedRules): DocumentSymbol[] {
  const model = parsed.model;
  const symbols: DocumentSymbol[] = [];
  const section = (key: string, kind: SymbolKind, children: DocumentSymbol[]): void => {
    const keyRange = model.keyRanges[key];
    if (!keyRange) return;
    const full = children.length > 0 ? { start: keyRange.start, end: children[children.length - 1].range.end } : toRange(keyRange);
    symbols.push({ name: key, kind, range: full, selectionRange: toRange(keyRange), children });
  };
  section('targets', SymbolKind.Namespace, model.targets.map((t) => ({
    name: t.id,
    detail: [t.name?.value, t.costCenter?.value].filter(Boolean).join(' · '),
    kind: SymbolKind.Object,
    range: toRange(t.range),
    selectionRange: toRange(t.idRange),
  })));
  section('rules', SymbolKind.Namespace, model.rules.map((r) => ({
    name: r.name,
    detail: r.to?.kind === 'target' ? `to ${r.to.target.value}` : r.to?.kind === 'tag' ? `to tag ${r.to.tagKey.value}` : r.split ? `split ${r.split.method}` : '',
    kind: SymbolKind.Function,
    range: toRange(r.range),
    selectionRange: toRange(r.nameRange ?? r.range),
  })));
  return symbols;
}

export { rulesCodeLenses } from './allocationLenses';
