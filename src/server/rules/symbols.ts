/** The outline of a rules file: its targets and its rules, in file order. */
import { DocumentSymbol, SymbolKind } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import { toRange } from './ranges';

export function rulesSymbols(parsed: ParsedRules): DocumentSymbol[] {
  const model = parsed.model;
  const symbols: DocumentSymbol[] = [];
  const section = (key: string, kind: SymbolKind, children: DocumentSymbol[]): void => {
    const keyRange = model.keyRanges[key];
    if (!keyRange) return;
    const full =
      children.length > 0 ? { start: keyRange.start, end: children[children.length - 1].range.end } : toRange(keyRange);
    symbols.push({ name: key, kind, range: full, selectionRange: toRange(keyRange), children });
  };
  section(
    'targets',
    SymbolKind.Namespace,
    model.targets.map((t) => ({
      name: t.id,
      detail: [t.name?.value, t.costCenter?.value].filter(Boolean).join(' · '),
      kind: SymbolKind.Object,
      range: toRange(t.range),
      selectionRange: toRange(t.idRange),
    })),
  );
  section(
    'rules',
    SymbolKind.Namespace,
    model.rules.map((r) => ({
      name: r.name,
      detail:
        r.to?.kind === 'target'
          ? `to ${r.to.target.value}`
          : r.to?.kind === 'tag'
            ? `to tag ${r.to.tagKey.value}`
            : r.split
              ? `split ${r.split.method}`
              : '',
      kind: SymbolKind.Function,
      range: toRange(r.range),
      selectionRange: toRange(r.nameRange ?? r.range),
    })),
  );
  return symbols;
}
