/**
 * Edits of a rules file made from the visual editor, as text splices. The rules file stays the one model: every
 * change the visual editor offers (add, move or delete a rule, change a match, switch the split method, edit a
 * percentage, add or rename a target, set `unallocated:`) becomes the smallest replacement of source text that
 * says it, located with the `yaml` package's Document API (node ranges), so that comments, key order, alignment and
 * quoting everywhere else stay exactly as the user wrote them, and undo, diff and save work as for typing.
 * Pure: no editor types; the extension turns the splices into one WorkspaceEdit.
 */
import { isMap, isPair, isScalar, isSeq, parse, parseDocument, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { parseRules } from './parseRules';
import type { Range } from './problems';
import type { SplitMethod } from './model';

/** Replace `length` characters at `offset` with `text`. */
export interface TextSplice {
  offset: number;
  length: number;
  text: string;
}

export type RulesEdit =
  | { kind: 'addRule'; name: string; field: string; pattern: string; to: string }
  | { kind: 'moveRule'; from: number; to: number }
  | { kind: 'deleteRule'; index: number }
  | { kind: 'setMatch'; rule: number; field: string; pattern: string }
  | { kind: 'setTo'; rule: number; target: string }
  | { kind: 'setSplitMethod'; rule: number; method: SplitMethod }
  | { kind: 'setPercent'; rule: number; target: string; percent: string }
  | { kind: 'addTarget'; id: string; name: string }
  | { kind: 'renameTarget'; from: string; to: string }
  | { kind: 'setUnallocated'; target: string | null };

export type EditOutcome = { ok: true; splices: TextSplice[] } | { ok: false; message: string };

/** Target ids the visual editor creates: a letter or digit first, then letters, digits, `_`, `.` or `-`. */
export const NEW_TARGET_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const PERCENT = /^\d{1,3}(\.\d{1,6})?$/;
/** Scalar keys a match condition can have (the rest, `tag:` and `not:`, are edited as text). */
const SCALAR_MATCH_KEYS = new Set([
  'customer',
  'subscription',
  'entitlement',
  'entitlementName',
  'resourceGroup',
  'resource',
  'meterCategory',
  'meterSubCategory',
  'meterName',
  'meterId',
  'product',
  'sku',
  'region',
  'chargeType',
  'invoice',
]);
const SPLIT_METHODS: readonly SplitMethod[] = ['evenly', 'percent', 'proportional'];

class EditRefused extends Error {}
const refuse = (message: string): never => {
  throw new EditRefused(message);
};

/** The splices that make one edit, or why it cannot be made (the text is then left as it is). */
export function planRulesEdit(text: string, edit: RulesEdit): EditOutcome {
  try {
    const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
    if (doc.errors.length > 0) refuse('The rules file is not valid YAML: fix it in the text first.');
    if (!isMap(doc.contents)) refuse('The rules file is not a map of sections: fix it in the text first.');
    const ctx = new EditContext(text, doc.contents as YAMLMap);
    return { ok: true, splices: ctx.apply(edit) };
  } catch (e) {
    if (e instanceof EditRefused) return { ok: false, message: e.message };
    throw e;
  }
}

/** Applies splices (as an editor would: all against the original text). */
export function applySplices(text: string, splices: readonly TextSplice[]): string {
  const sorted = [...splices].sort((a, b) => b.offset - a.offset);
  let out = text;
  for (const s of sorted) out = out.slice(0, s.offset) + s.text + out.slice(s.offset + s.length);
  return out;
}

/**
 * A scalar as it can stand in block and flow context alike: plain when the `yaml` package reads the plain text back
 * as the same string (and it holds no flow indicator), else double-quoted (JSON's escapes are YAML's).
 */
export function scalarText(value: string): string {
  if (/^[A-Za-z0-9_./(][A-Za-z0-9 _.*/()+-]*$/.test(value) && !/\s$/.test(value) && !/ #|: /.test(value)) {
    try {
      if (parse(value) === value) return value;
    } catch {
      // not plain then
    }
  }
  return JSON.stringify(value);
}

type Node = NonNullable<Pair['value']> & { range?: [number, number, number] | null };

class EditContext {
  private lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    private readonly root: YAMLMap,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  apply(edit: RulesEdit): TextSplice[] {
    switch (edit.kind) {
      case 'addRule':
        return this.addRule(edit);
      case 'moveRule':
        return this.moveRule(edit.from, edit.to);
      case 'deleteRule':
        return this.deleteRule(edit.index);
      case 'setMatch':
        return this.setMatch(edit.rule, edit.field, edit.pattern);
      case 'setTo':
        return this.setTo(edit.rule, edit.target);
      case 'setSplitMethod':
        return this.setSplitMethod(edit.rule, edit.method);
      case 'setPercent':
        return this.setPercent(edit.rule, edit.target, edit.percent);
      case 'addTarget':
        return this.addTarget(edit.id, edit.name);
      case 'renameTarget':
        return this.renameTarget(edit.from, edit.to);
      case 'setUnallocated':
        return this.setUnallocated(edit.target);
    }
  }

  // --- where things are --------------------------------------------------------------------------------------

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
  }

  private rulesSeq(): YAMLSeq {
    const pair = this.pairOf(this.root, 'rules');
    if (!pair || !isSeq(pair.value)) refuse('The file has no `rules:` list.');
    const seq = pair!.value as YAMLSeq;
    if (seq.flow) refuse('`rules:` is written as a flow list `[...]`: edit it in the text.');
    return seq;
  }

  private rule(index: number): YAMLMap {
    const seq = this.rulesSeq();
    const item = seq.items[index];
    if (!Number.isInteger(index) || !isMap(item)) refuse(`There is no rule ${index + 1} written as a map.`);
    return item as YAMLMap;
  }

  private targetIds(): string[] {
    const pair = this.pairOf(this.root, 'targets');
    if (!pair || !isMap(pair.value)) return [];
    return (pair.value as YAMLMap).items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter(Boolean);
  }

  private requireTarget(id: string): void {
    if (!this.targetIds().some((t) => t.toLowerCase() === id.toLowerCase())) refuse(`There is no target '${id}'.`);
  }

  private range(node: unknown): [number, number, number] {
    const r = (node as Node | null)?.range;
    if (!r) refuse('That part of the file has no position (an alias or a merge?): edit it in the text.');
    return r!;
  }

  private lineStartOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.lineStarts[lo];
  }

  /** The offset just after the line break that ends the line holding `offset` (or the end of the text). */
  private nextLineStart(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    return nl < 0 ? this.text.length : nl + 1;
  }

  private offsetOf(p: Range['start']): number {
    return (this.lineStarts[p.line] ?? this.text.length) + p.character;
  }

  /** The start of the line after the one that holds the last character before `offset`. */
  private endOfLine(offset: number): number {
    return offset > 0 && this.text[offset - 1] === '\n' ? offset : this.nextLineStart(offset);
  }

  /** The end of a node's own text: a block node ends where its last line ends (before comments of the next). */
  private valueEnd(node: unknown): number {
    const [start, end] = this.range(node);
    let at = end;
    while (at > start && /\s/.test(this.text[at - 1])) at--;
    return at;
  }

  private replaceNode(node: unknown, text: string): TextSplice {
    const start = this.range(node)[0];
    return { offset: start, length: this.valueEnd(node) - start, text };
  }

  /** Adds `key: value` to a map, in its style: before `}` of a flow map, as a new line of a block map. */
  private insertPair(map: YAMLMap, key: string, valueText: string): TextSplice {
    const [start, end] = this.range(map);
    if (map.flow) {
      const close = this.text.lastIndexOf('}', end);
      let at = close;
      while (at > start && /\s/.test(this.text[at - 1])) at--;
      const empty = map.items.length === 0;
      return { offset: at, length: 0, text: `${empty ? ' ' : ', '}${key}: ${valueText}${empty ? ' ' : ''}` };
    }
    const last = map.items[map.items.length - 1];
    if (!last) refuse('That map is empty: edit it in the text.');
    const firstKey = map.items[0].key;
    const keyStart = this.range(firstKey)[0];
    const indent = ' '.repeat(keyStart - this.lineStartOf(keyStart));
    const lastEnd = last.value ? this.valueEnd(last.value) : this.range(last.key)[1];
    const at = this.endOfLine(lastEnd);
    const lead = at === this.text.length && !this.text.endsWith('\n') ? '\n' : '';
    return { offset: at, length: 0, text: `${lead}${indent}${key}: ${valueText}\n` };
  }

  /** A top-level `key: value` line at the end of the file. */
  private appendTopLevel(key: string, valueText: string): TextSplice {
    const lead = this.text.length === 0 || this.text.endsWith('\n') ? '' : '\n';
    return { offset: this.text.length, length: 0, text: `${lead}${key}: ${valueText}\n` };
  }

  /**
   * A rule's lines: from the comment lines right above its `- ` (they describe it) to the end of its last line;
   * the blank lines between rules are not part of any rule.
   */
  private ruleBlock(seq: YAMLSeq, index: number): { start: number; end: number } {
    const item = seq.items[index];
    const itemStart = this.range(item)[0];
    let start = this.lineStartOf(itemStart);
    const floor = index > 0 ? this.endOfLine(this.valueEnd(seq.items[index - 1])) : 0;
    for (;;) {
      if (start === 0) break;
      const prev = this.lineStartOf(start - 1);
      if (prev < floor || !/^\s*#/.test(this.text.slice(prev, start))) break;
      start = prev;
    }
    const end = this.endOfLine(this.valueEnd(item));
    return { start, end };
  }

  // --- rules -------------------------------------------------------------------------------------------------

  private addRule(e: Extract<RulesEdit, { kind: 'addRule' }>): TextSplice[] {
    if (!e.name.trim()) refuse('A new rule needs a name.');
    if (!SCALAR_MATCH_KEYS.has(e.field)) refuse(`'${e.field}' is not a match field.`);
    if (!e.pattern) refuse('A new rule needs a pattern to match (use * for everything).');
    this.requireTarget(e.to);
    const body = [
      `name: ${scalarText(e.name.trim())}`,
      `match: { ${e.field}: ${scalarText(e.pattern)} }`,
      `to: ${scalarText(e.to)}`,
    ];
    const pair = this.pairOf(this.root, 'rules');
    const seq = pair && isSeq(pair.value) ? (pair.value as YAMLSeq) : undefined;
    if (!seq || seq.items.length === 0) {
      if (pair) refuse('`rules:` is not a list of rules yet: add the first rule in the text.');
      return [this.appendTopLevel('rules', `\n  - ${body.join('\n    ')}`.replace(/\n$/, ''))];
    }
    if (seq.flow) refuse('`rules:` is written as a flow list `[...]`: edit it in the text.');
    const last = this.ruleBlock(seq, seq.items.length - 1);
    const firstStart = this.range(seq.items[0])[0];
    const itemIndent = ' '.repeat(firstStart - this.lineStartOf(firstStart));
    const dashIndent = itemIndent.slice(2);
    // Rules separated by blank lines get one before the new rule too.
    const spaced =
      seq.items.length > 1 &&
      /\n[ \t]*\n/.test(this.text.slice(this.valueEnd(seq.items[0]), this.range(seq.items[1])[0]));
    const lead = last.end === this.text.length && !this.text.endsWith('\n') ? '\n' : '';
    const ruleText = `${dashIndent}- ${body.join(`\n${itemIndent}`)}\n`;
    return [{ offset: last.end, length: 0, text: `${lead}${spaced ? '\n' : ''}${ruleText}` }];
  }

  private moveRule(from: number, to: number): TextSplice[] {
    const seq = this.rulesSeq();
    const n = seq.items.length;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < 0 || from >= n || to >= n)
      refuse('No such rule position.');
    if (from === to) return [];
    const lo = Math.min(from, to);
    const hi = Math.max(from, to);
    const blocks: { start: number; end: number }[] = [];
    for (let i = lo; i <= hi; i++) blocks.push(this.ruleBlock(seq, i));
    const texts = blocks.map((b) => this.text.slice(b.start, b.end));
    const seps = blocks.slice(1).map((b, i) => this.text.slice(blocks[i].end, b.start));
    const order = texts.map((_, i) => i);
    const [moved] = order.splice(from - lo, 1);
    order.splice(to - lo, 0, moved);
    const spanEnd = blocks[blocks.length - 1].end;
    const endsWithBreak = this.text.slice(0, spanEnd).endsWith('\n');
    let out = '';
    order.forEach((k, i) => {
      const t = texts[k].endsWith('\n') ? texts[k] : texts[k] + '\n';
      out += t + (i < seps.length ? seps[i] : '');
    });
    if (!endsWithBreak) out = out.replace(/\n$/, '');
    return [{ offset: blocks[0].start, length: spanEnd - blocks[0].start, text: out }];
  }

  private deleteRule(index: number): TextSplice[] {
    const seq = this.rulesSeq();
    if (!Number.isInteger(index) || index < 0 || index >= seq.items.length) refuse('No such rule.');
    if (seq.items.length === 1) refuse('A rules file needs at least one rule: change this one instead.');
    const block = this.ruleBlock(seq, index);
    let { start, end } = block;
    // Take one blank separator line with it, so that the spacing between the remaining rules stays as it was.
    const after = this.text.slice(end, this.nextLineStart(end));
    if (index < seq.items.length - 1 && /^[ \t]*\n$/.test(after)) end += after.length;
    else if (index === seq.items.length - 1 && start > 0) {
      const prev = this.lineStartOf(start - 1);
      if (/^[ \t]*\n$/.test(this.text.slice(prev, start))) start = prev;
    }
    return [{ offset: start, length: end - start, text: '' }];
  }

  private setMatch(ruleIndex: number, field: string, pattern: string): TextSplice[] {
    if (!SCALAR_MATCH_KEYS.has(field)) refuse(`'${field}' is not a match field that takes a pattern.`);
    if (!pattern) refuse('A match needs a pattern (use * for everything).');
    const rule = this.rule(ruleIndex);
    const matchPair = this.pairOf(rule, 'match');
    if (!matchPair) {
      return [this.insertPair(rule, 'match', `{ ${field}: ${scalarText(pattern)} }`)];
    }
    if (!isMap(matchPair.value)) refuse("This rule's `match:` is not a map: edit it in the text.");
    const match = matchPair.value as YAMLMap;
    const cond = this.pairOf(match, field);
    if (!cond) return [this.insertPair(match, field, scalarText(pattern))];
    return [this.replaceNode(cond.value, scalarText(pattern))];
  }

  private setTo(ruleIndex: number, target: string): TextSplice[] {
    this.requireTarget(target);
    const rule = this.rule(ruleIndex);
    const to = this.pairOf(rule, 'to');
    if (to) return [this.replaceNode(to.value, scalarText(target))];
    const split = this.pairOf(rule, 'split');
    if (!split) return [this.insertPair(rule, 'to', scalarText(target))];
    const start = this.range(split.key)[0];
    const end = this.valueEnd(split.value);
    return [{ offset: start, length: end - start, text: `to: ${scalarText(target)}` }];
  }

  private splitOf(ruleIndex: number): { rule: YAMLMap; split: YAMLMap; method: Pair; name: SplitMethod } {
    const rule = this.rule(ruleIndex);
    const pair = this.pairOf(rule, 'split');
    if (!pair || !isMap(pair.value)) refuse(`Rule ${ruleIndex + 1} has no \`split:\` map.`);
    const split = pair!.value as YAMLMap;
    const method = split.items.find(
      (p) => isScalar(p.key) && SPLIT_METHODS.includes(String(p.key.value) as SplitMethod),
    );
    if (!method) refuse(`Rule ${ruleIndex + 1}'s split names no method (evenly, percent, proportional).`);
    return {
      rule,
      split,
      method: method as Pair,
      name: String((method!.key as { value: unknown }).value) as SplitMethod,
    };
  }

  private splitTargets(method: Pair): string[] {
    const v = method.value;
    if (isSeq(v)) return v.items.map((i) => (isScalar(i) ? String(i.value) : '')).filter(Boolean);
    if (isMap(v)) return v.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter(Boolean);
    return [];
  }

  private setSplitMethod(ruleIndex: number, method: SplitMethod): TextSplice[] {
    if (!SPLIT_METHODS.includes(method)) refuse(`'${method}' is not a split method.`);
    const rule = this.rule(ruleIndex);
    const splitPair = this.pairOf(rule, 'split');
    let targets: string[];
    let splices: TextSplice[] = [];
    if (!splitPair) {
      // From `to: <target>`: split between every target, so that the user can narrow it down.
      const to = this.pairOf(rule, 'to');
      if (!to) refuse(`Rule ${ruleIndex + 1} has no destination to turn into a split.`);
      targets = this.targetIds();
      if (targets.length === 0) refuse('There are no targets to split between.');
      const start = this.range(to!.key)[0];
      return [
        {
          offset: start,
          length: this.valueEnd(to!.value) - start,
          text: `split: { ${this.methodText(method, targets)} }`,
        },
      ];
    }
    const { split, method: methodPair, name } = this.splitOf(ruleIndex);
    if (name === method) return [];
    targets = this.splitTargets(methodPair);
    if (targets.length === 0) refuse('This split names no targets.');
    const start = this.range(methodPair.key)[0];
    splices.push({
      offset: start,
      length: this.valueEnd(methodPair.value) - start,
      text: this.methodText(method, targets),
    });
    // `basis:` only means something for proportional splits: it goes when the method is no longer one.
    const basis = this.pairOf(split, 'basis');
    if (basis && method !== 'proportional') splices.push(this.removePair(split, basis));
    if (!basis && method === 'proportional') splices.push(this.insertPair(split, 'basis', 'direct'));
    splices = splices.sort((a, b) => a.offset - b.offset);
    return splices;
  }

  private methodText(method: SplitMethod, targets: string[]): string {
    if (method !== 'percent') return `${method}: [${targets.map(scalarText).join(', ')}]`;
    // Equal percentages with two decimals that add up to exactly 100 (the first ones take the leftover cents).
    const n = targets.length;
    const base = Math.floor(10000 / n);
    let left = 10000 - base * n;
    const parts = targets.map((t) => {
      const hundredths = base + (left-- > 0 ? 1 : 0);
      const p = hundredths % 100 === 0 ? String(hundredths / 100) : (hundredths / 100).toFixed(2).replace(/0$/, '');
      return `${scalarText(t)}: ${p}`;
    });
    return `percent: { ${parts.join(', ')} }`;
  }

  /** Removes one pair: in a flow map with the comma before (or after) it; in a block map, its lines. */
  private removePair(map: YAMLMap, pair: Pair): TextSplice {
    const keyStart = this.range(pair.key)[0];
    const valueEnd = pair.value ? this.valueEnd(pair.value) : this.range(pair.key)[1];
    if (map.flow) {
      const i = map.items.indexOf(pair);
      if (i > 0) {
        const prevEnd = this.valueEnd(map.items[i - 1].value ?? map.items[i - 1].key);
        const comma = this.text.indexOf(',', prevEnd);
        return { offset: comma, length: valueEnd - comma, text: '' };
      }
      const nextStart = map.items[1] ? this.range(map.items[1].key)[0] : valueEnd;
      return { offset: keyStart, length: nextStart - keyStart, text: '' };
    }
    const start = this.lineStartOf(keyStart);
    return { offset: start, length: this.endOfLine(valueEnd) - start, text: '' };
  }

  private setPercent(ruleIndex: number, target: string, percent: string): TextSplice[] {
    const p = percent.trim();
    if (!PERCENT.test(p) || Number(p) > 100) refuse(`'${percent}' is not a percentage between 0 and 100.`);
    this.requireTarget(target);
    const { method, name } = this.splitOf(ruleIndex);
    if (name !== 'percent' || !isMap(method.value)) refuse(`Rule ${ruleIndex + 1} is not a percent split.`);
    const shares = method.value as YAMLMap;
    const share = shares.items.find(
      (s) => isScalar(s.key) && String(s.key.value).toLowerCase() === target.toLowerCase(),
    );
    if (!share) return [this.insertPair(shares, scalarText(target), p)];
    return [this.replaceNode(share.value, p)];
  }

  // --- targets -----------------------------------------------------------------------------------------------

  private addTarget(id: string, name: string): TextSplice[] {
    if (!NEW_TARGET_ID.test(id))
      refuse(`'${id}' cannot be a target id: use letters, digits, _, . or - (a letter or digit first).`);
    if (this.targetIds().some((t) => t.toLowerCase() === id.toLowerCase()))
      refuse(`There is a target '${id}' already.`);
    const value = name.trim() ? `{ name: ${scalarText(name.trim())} }` : '{}';
    const pair = this.pairOf(this.root, 'targets');
    if (!pair) return [this.appendTopLevel('targets', `\n  ${id}: ${value}`)];
    if (!isMap(pair.value)) refuse('`targets:` is not a map: fix it in the text first.');
    return [this.insertPair(pair.value as YAMLMap, id, value)];
  }

  /** Renames the target's key and every place that names it (the parser knows them all, with their ranges). */
  private renameTarget(from: string, to: string): TextSplice[] {
    if (!NEW_TARGET_ID.test(to))
      refuse(`'${to}' cannot be a target id: use letters, digits, _, . or - (a letter or digit first).`);
    const { model } = parseRules(this.text);
    const decl = model.targets.find((t) => t.id.toLowerCase() === from.toLowerCase());
    if (!decl) refuse(`There is no target '${from}'.`);
    if (to.toLowerCase() !== from.toLowerCase() && model.targets.some((t) => t.id.toLowerCase() === to.toLowerCase())) {
      refuse(`There is a target '${to}' already.`);
    }
    const ranges = [
      decl!.idRange,
      ...model.targetReferences.filter((r) => r.id.toLowerCase() === from.toLowerCase()).map((r) => r.range),
    ];
    const seen = new Set<number>();
    const splices: TextSplice[] = [];
    for (const r of ranges) {
      const offset = this.offsetOf(r.start);
      if (seen.has(offset)) continue;
      seen.add(offset);
      splices.push({ offset, length: this.offsetOf(r.end) - offset, text: scalarText(to) });
    }
    return splices.sort((a, b) => a.offset - b.offset);
  }

  private setUnallocated(target: string | null): TextSplice[] {
    const pair = this.pairOf(this.root, 'unallocated');
    if (target === null) {
      if (!pair) return [];
      return [this.removePair(this.root, pair)];
    }
    this.requireTarget(target);
    if (!pair) return [this.appendTopLevel('unallocated', scalarText(target))];
    if (!pair.value) refuse('`unallocated:` has no value to replace: fix it in the text.');
    return [this.replaceNode(pair.value, scalarText(target))];
  }
}
