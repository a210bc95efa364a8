/**
 * Quick fixes for rules files (the light bulb): take the "Did you mean ...?" of a misspelt key, enum value or target;
 * create a target that a rule names but `targets:` lacks; make the percentages of a `percent:` split add up to 100
 * (the last share takes the difference). Each fix is an edit of the exact range the diagnostic marks, computed
 * from the parsed file, so that a fix can never land on the wrong line.
 */
import { Dec } from '../../core/money';
import { CodeActionKind, TextEdit, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';

const DID_YOU_MEAN = /Did you mean '([^']+)'\?/;

function codeOf(d: Diagnostic): string {
  return typeof d.code === 'string' ? d.code : String(d.code ?? '');
}

function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function overlaps(a: Range, b: Range): boolean {
  const before = (x: Range['start'], y: Range['start']) =>
    x.line < y.line || (x.line === y.line && x.character <= y.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

/** A target entry in the style of the file's other targets (block style, same indentation), after the last one. */
function createTarget(uri: string, parsed: ParsedRules, id: string, diagnostic: Diagnostic): CodeAction | undefined {
  const targets = parsed.model.targets;
  const section = parsed.model.keyRanges['targets'];
  if (!section) return undefined;
  const last = targets[targets.length - 1];
  const entry = `${id}: { name: ${id} }`;
  let edit: TextEdit;
  if (!last) {
    edit = TextEdit.insert({ line: section.end.line + 1, character: 0 }, `  ${entry}\n`);
  } else if (last.idRange.start.line > section.start.line) {
    // Block style: one target per line (or per block); the new one goes on the line after the last one's end.
    const end = last.range.end;
    // A block entry's range may end at the start of the line after it.
    const line = end.character === 0 && end.line > last.range.start.line ? end.line : end.line + 1;
    edit = TextEdit.insert({ line, character: 0 }, `${' '.repeat(last.idRange.start.character)}${entry}\n`);
  } else {
    // Flow style on the `targets:` line: after the last entry.
    edit = TextEdit.insert(last.range.end, `, ${entry}`);
  }
  return {
    title: `Create target '${id}'`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: { changes: { [uri]: [edit] } },
  };
}

/** The percent split whose shares the diagnostic marks: the last share takes what is missing to 100. */
function fixPercentSum(uri: string, parsed: ParsedRules, diagnostic: Diagnostic): CodeAction | undefined {
  const rule = parsed.model.rules.find(
    (r) => r.split?.method === 'percent' && overlaps(r.split.sharesRange, diagnostic.range),
  );
  const shares = rule?.split?.shares.filter((s) => s.percent) ?? [];
  if (shares.length === 0) return undefined;
  const last = shares[shares.length - 1];
  const others = shares.slice(0, -1).reduce((a, s) => a.plus(s.percent!.value), new Dec(0));
  const wanted = new Dec(100).minus(others);
  if (wanted.isNegative()) return undefined;
  return {
    title: `Make the percentages add up to 100 (${last.target.value}: ${wanted.toFixed()})`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    isPreferred: true,
    edit: { changes: { [uri]: [TextEdit.replace(last.percent!.range, wanted.toFixed())] } },
  };
}

export function rulesCodeActions(uri: string, parsed: ParsedRules, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    const code = codeOf(d);
    const suggestion = DID_YOU_MEAN.exec(messageOf(d))?.[1];
    if (suggestion && (code === 'unknown-target' || code === 'unknown-key' || code === 'invalid-enum')) {
      actions.push({
        title: `Change to '${suggestion}'`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [uri]: [TextEdit.replace(d.range, suggestion)] } },
      });
    }
    if (code === 'unknown-target') {
      const id = /Unknown target '([^']+)'/.exec(messageOf(d))?.[1];
      const create = id ? createTarget(uri, parsed, id, d) : undefined;
      if (create) actions.push(create);
    }
    if (code === 'percent-sum') {
      const fix = fixPercentSum(uri, parsed, d);
      if (fix) actions.push(fix);
    }
  }
  return actions;
}
