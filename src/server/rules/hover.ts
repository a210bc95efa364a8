/**
 * Hover in rules files: a rule's name shows the money it takes, a target what it is charged, a key or an enum value
 * its documentation.
 */
import { Hover, MarkupKind, Position, Range } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import { ENUMS, keyInfo, sectionAt } from '../../core/allocation/vocabulary';
import { cursorContext } from './cursorContext';
import { contains, toRange } from './ranges';
import { dataCurrency, money, resultCurrency, type RulesData } from './rulesData';

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
  const rule = model.rules.find((r) => r.nameRange && contains(r.nameRange, position));
  if (rule)
    return {
      contents: { kind: MarkupKind.Markdown, value: ruleMoney(rule.index, rule.name, data, currency) },
      range: toRange(rule.nameRange!),
    };

  // A target id or a reference to one: who it is and what it is charged.
  const reference = model.targetReferences.find((r) => contains(r.range, position));
  const declared = model.targets.find((t) => contains(t.idRange, position));
  const targetId = reference?.id ?? declared?.id;
  if (targetId !== undefined) {
    const target = model.targets.find((t) => t.id === targetId);
    const lines = [`**Target \`${targetId}\`**${target?.name ? ` · ${target.name.value}` : ''}`];
    if (target?.costCenter)
      lines.push(
        '',
        `Cost center ${target.costCenter.value}${target.account ? `, account ${target.account.value}` : ''}`,
      );
    const allocated = data?.result?.targets.find((t) => t.id === targetId);
    if (allocated) {
      lines.push(
        '',
        `Charged **${money(allocated.charged, currency)}**${allocated.markup.isZero() ? '' : ` (${money(allocated.amount, currency)} + markup ${money(allocated.markup, currency)})`}`,
      );
      for (const share of allocated.breakdown) lines.push(`- ${share.rule}: ${money(share.amount, currency)}`);
    } else if (!target) {
      lines.push('', 'Not declared under `targets:`.');
    }
    return {
      contents: { kind: MarkupKind.Markdown, value: lines.join('\n') },
      range: toRange((reference ?? declared)!.range ?? declared!.idRange),
    };
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
    if (info)
      return {
        contents: {
          kind: MarkupKind.Markdown,
          value: `**${info.key}**${info.required ? ' (required)' : ''}\n\n${info.doc}`,
        },
        range,
      };
    return null;
  }
  if (ctx.kind === 'value' && ctx.key) {
    const section = sectionAt(ctx.path);
    const info = section && keyInfo(section, ctx.key);
    if (info?.shape.kind === 'enum') {
      const value = ENUMS[info.shape.enumName].find((v) => v.value === name);
      if (value)
        return {
          contents: { kind: MarkupKind.Markdown, value: `**${ctx.key}: ${value.value}**\n\n${value.doc}` },
          range,
        };
    }
  }
  return null;
}

function ruleMoney(index: number, name: string, data: RulesData | undefined, currency: string): string {
  const r = data?.result?.rules.find((x) => x.index === index);
  if (!r) return `**Rule ${JSON.stringify(name)}**\n\nNo billing data read yet (check \`data:\`).`;
  const lines = [`**Rule ${JSON.stringify(name)}**`, ''];
  if (r.lines === 0) {
    lines.push(
      r.shadowedBy !== undefined
        ? `Takes no line: every line it matches is taken first by rule ${JSON.stringify(data!.result!.rules[r.shadowedBy]?.name)}.`
        : 'Matches no line of the billing data.',
    );
  } else {
    lines.push(
      `Takes **${r.lines.toLocaleString('en-US')}** line${r.lines === 1 ? '' : 's'} worth **${money(r.matched, currency)}**; allocates ${money(r.allocated, currency)}.`,
    );
    if (r.sample.length > 0)
      lines.push(
        '',
        'First lines: ' +
          r.sample
            .slice(0, 3)
            .map((s) => `${s.file.split('/').pop()}:${s.line}`)
            .join(', '),
      );
  }
  return lines.join('\n');
}
