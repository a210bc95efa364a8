/** Go to definition in rules files: from a reference to a target to the target's declaration. */
import { Location, Position } from 'vscode-languageserver';
import type { ParsedRules } from '../../core/allocation/parseRules';
import { contains, toRange } from './ranges';

export function rulesDefinition(uri: string, position: Position, parsed: ParsedRules): Location | null {
  const reference = parsed.model.targetReferences.find((r) => contains(r.range, position));
  if (!reference) return null;
  const target = parsed.model.targets.find((t) => t.id === reference.id);
  return target ? Location.create(uri, toRange(target.idRange)) : null;
}
