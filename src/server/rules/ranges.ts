/** Between the rules parser's ranges and LSP ranges (the same zero-based lines and characters). */
import { Position, Range } from 'vscode-languageserver';
import type { Range as RulesRange } from '../../core/allocation/problems';

export function toRange(r: RulesRange): Range {
  return Range.create(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function contains(r: RulesRange, p: Position): boolean {
  const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return afterStart && beforeEnd;
}
