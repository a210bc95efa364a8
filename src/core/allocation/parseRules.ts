/**
 * Reads a `*.chargeback.yaml` text into the typed RulesFile model and every problem in it, with exact ranges.
 * Never throws on user input: YAML syntax errors, unknown keys, wrong types, unknown targets, bad percentages,
 * abusive YAML (huge, deeply nested, alias bombs) all come back as problems. The same function serves the
 * language server (diagnostics on each keystroke), the CLI and the engine (which only evaluates a valid model).
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { Dec, parseDecimal } from '../money';
import { didYouMean } from './didYouMean';
import { checkGlob } from './glob';
import { readInvoicingSection, type SectionReader } from './invoicingSection';
import { hasInvisible, lookalikeCharacters, targetIdKey, targetIdSkeleton } from './targetIds';
import type {
  AmountKind,
  Basis,
  CommitmentSetting,
  Destination,
  JournalSetting,
  Located,
  MatchCondition,
  BudgetDecl,
  MatchField,
  MatchMap,
  PecMode,
  PecSetting,
  RuleDecl,
  RulesFile,
  SplitDecl,
  SplitMethod,
  SplitShare,
  TargetDecl,
  TargetReference,
} from './model';
import type { Problem, ProblemCode, Range, Severity } from './problems';
import { ZERO_RANGE, sortProblems } from './problems';
import {
  ENUMS,
  EXTENSION_KEY_PREFIX,
  MATCH_FIELD_KEYS,
  SUPPORTED_VERSIONS,
  enumValues,
  keyInfo,
  keysOf,
} from './vocabulary';
import type { EnumName, SectionName } from './vocabulary';
import { MAX_ALIAS_COUNT, MAX_NESTING_DEPTH, MAX_NODES, checkYamlLimits } from './yamlLimits';

export interface ParsedRules {
  model: RulesFile;
  /** Sorted by position. */
  problems: Problem[];
  /** True when some problem is an error (then `model.valid` is false). */
  hasErrors: boolean;
}

type Value = YamlNode | null | undefined;

class TooComplex extends Error {
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly at: Range,
  ) {
    super(message);
  }
}

/** Parses and validates a rules file. */
export function parseRules(text: string): ParsedRules {
  const lineCounter = new LineCounter();
  const builder = new ModelBuilder(text, lineCounter);
  const limit = checkYamlLimits(text);
  if (limit) {
    // Position the problem without handing the text to the YAML parser.
    const at = offsetToPosition(text, limit.offset);
    builder.problem(limit.code, 'error', limit.message, { start: at, end: at });
    return builder.finish();
  }
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors)
    builder.problem('yaml-syntax', 'error', yamlMessage(e.message), builder.rangeOf(e.pos[0], e.pos[1]));
  for (const w of doc.warnings)
    builder.problem('yaml-warning', 'warning', yamlMessage(w.message), builder.rangeOf(w.pos[0], w.pos[1]));
  if (!checkAliases(doc, builder)) return builder.finish();
  try {
    builder.build(doc);
  } catch (e) {
    if (!(e instanceof TooComplex)) throw e;
    builder.problem(e.code, 'error', e.message, e.at);
  }
  return builder.finish();
}

/** yaml's messages end with " at line L, column C:" and a code excerpt; the editor shows the position itself. */
function yamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}

function offsetToPosition(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/** The markups accepted, in percent (documented in docs/rules-language.md). */
export const MARKUP_RANGE = { min: -100, max: 1000 } as const;

/** Refuses alias bombs before anything expands them: yaml's own counter first, then ours while walking. */
function checkAliases(doc: Document.Parsed, builder: ModelBuilder): boolean {
  let hasAlias = false;
  // Anchors in document order: an alias may only name one set before it.
  const anchors = new Set<string>();
  let undefinedAlias: { source: string; node: Value } | undefined;
  const scan = (node: unknown, depth: number): void => {
    if (undefinedAlias || depth > MAX_NESTING_DEPTH + 2) return;
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    if (isAlias(node)) {
      hasAlias = true;
      if (!anchors.has(node.source)) undefinedAlias = { source: node.source, node: node as unknown as Value };
    } else if (isMap(node) || isSeq(node)) for (const item of node.items) scan(item, depth + 1);
    else if (isPair(node)) {
      scan(node.key, depth + 1);
      scan(node.value, depth + 1);
    }
  };
  scan(doc.contents, 0);
  if (undefinedAlias) {
    builder.problem(
      'undefined-alias',
      'error',
      `The alias *${undefinedAlias.source} names no anchor: write &${undefinedAlias.source} on a value above it, or write the value out.`,
      builder.rangeOfNode(undefinedAlias.node),
    );
    return false;
  }
  if (!hasAlias) return true;
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return true;
  } catch (e) {
    if (e instanceof Error && /alias/i.test(e.message)) {
      builder.problem(
        'too-many-aliases',
        'error',
        `This file expands YAML aliases (*name) more than ${MAX_ALIAS_COUNT} times: refused as a possible resource exhaustion attack. Write the values out, or use fewer anchors.`,
        builder.rangeOfNode(doc.contents),
      );
      return false;
    }
    // Other toJS failures (for example an alias to a missing anchor) are already among doc.errors.
    return true;
  }
}

function describe(node: Value): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'nothing';
    if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
    if (typeof v === 'boolean') return 'true/false';
    return 'text';
  }
  return 'something else';
}

const MATCH_FIELDS = new Set<string>(MATCH_FIELD_KEYS);

class ModelBuilder {
  private readonly problems: Problem[] = [];
  private doc!: Document.Parsed;
  private nodesVisited = 0;
  private aliasesResolved = 0;
  readonly model: RulesFile;

  constructor(
    private readonly text: string,
    private readonly lineCounter: LineCounter,
  ) {
    this.model = {
      valid: false,
      data: [],
      amount: 'billed',
      targets: [],
      rules: [],
      keyRanges: {},
      targetReferences: [],
      range: ZERO_RANGE,
    };
  }

  problem(code: ProblemCode, severity: Severity, message: string, range: Range): void {
    this.problems.push({ code, severity, message, range });
  }

  finish(): ParsedRules {
    const hasErrors = this.problems.some((p) => p.severity === 'error');
    this.model.valid = !hasErrors;
    return { model: this.model, problems: sortProblems(this.problems), hasErrors };
  }

  // ---- positions -------------------------------------------------------------------------------------------

  rangeOf(start: number, end: number): Range {
    const a = this.lineCounter.linePos(Math.min(start, this.text.length));
    const b = this.lineCounter.linePos(Math.min(Math.max(start, end), this.text.length));
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  }

  rangeOfNode(node: Value): Range {
    if (!node || !node.range) return ZERO_RANGE;
    // Block collections end after their last newline; ranges end at the last character of text.
    let end = node.range[1];
    while (end > node.range[0] && /\s/.test(this.text[end - 1] ?? '')) end--;
    return this.rangeOf(node.range[0], end);
  }

  /** The part of a range on its first line (a squiggle under a whole multi-line rule is noise). */
  firstLine(range: Range): Range {
    if (range.end.line === range.start.line) return range;
    const lineStart = this.lineCounter.lineStarts[range.start.line] ?? 0;
    let eol = this.text.indexOf('\n', lineStart);
    if (eol < 0) eol = this.text.length;
    if (this.text[eol - 1] === '\r') eol--;
    return { start: range.start, end: { line: range.start.line, character: eol - lineStart } };
  }

  /** Range of a pair: from its key to the end of its value. */
  private rangeOfPair(pair: Pair<unknown, unknown>): Range {
    const key = pair.key as YamlNode;
    const value = pair.value as Value;
    const start = key?.range?.[0] ?? 0;
    const end = value?.range?.[1] ?? key?.range?.[1] ?? start;
    return this.rangeOf(start, end);
  }

  // ---- walking ---------------------------------------------------------------------------------------------

  /** Follows aliases (counting them) and counts nodes, so that no input can make the walk explode. */
  private deref(node: Value, at: Range): Value {
    if (++this.nodesVisited > MAX_NODES) {
      throw new TooComplex(
        'too-many-nodes',
        `This file has more than ${MAX_NODES.toLocaleString('en-US')} values (aliases expanded): refused.`,
        at,
      );
    }
    if (isAlias(node)) {
      if (++this.aliasesResolved > MAX_ALIAS_COUNT) {
        throw new TooComplex(
          'too-many-aliases',
          `This file expands YAML aliases more than ${MAX_ALIAS_COUNT} times: refused.`,
          at,
        );
      }
      const target = node.resolve(this.doc);
      return target === undefined ? null : (target as YamlNode);
    }
    return node;
  }

  /** The text of a key, or undefined (with a problem) for a non-scalar key. */
  private keyText(pair: Pair<unknown, unknown>): string | undefined {
    const key = this.deref(pair.key as Value, ZERO_RANGE);
    if (isScalar(key) && key.value !== null && typeof key.value !== 'object') return this.scalarText(key);
    this.problem('wrong-type', 'error', 'A key must be plain text.', this.rangeOfNode(pair.key as Value));
    return undefined;
  }

  /** A scalar's text: strings as parsed; numbers and booleans exactly as written (so 0420 stays "0420"). */
  private scalarText(node: Scalar): string {
    if (typeof node.value === 'string') return node.value;
    if (node.range) return this.text.slice(node.range[0], node.range[1]);
    return String(node.value);
  }

  /**
   * Visits the pairs of a map node, checking keys against a section's vocabulary. Returns the known pairs by key
   * (unknown ones are reported), or undefined (with a problem) when the node is not a map.
   */
  private sectionPairs(
    node: Value,
    section: SectionName,
    what: string,
    at: Range,
  ): Map<string, { pair: Pair<unknown, unknown>; value: Value; keyRange: Range }> | undefined {
    const n = this.deref(node, at);
    if (!isMap(n)) {
      this.problem(
        'wrong-type',
        'error',
        `${what} must be a map of keys (${keysOf(section).join(', ')}), not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : at,
      );
      return undefined;
    }
    const out = new Map<string, { pair: Pair<unknown, unknown>; value: Value; keyRange: Range }>();
    for (const pair of (n as YAMLMap<unknown, unknown>).items) {
      const key = this.keyText(pair);
      if (key === undefined) continue;
      const keyRange = this.rangeOfNode(pair.key as Value);
      // x- keys are the user's own, except where ignoring a key would change what matches.
      if (key.startsWith(EXTENSION_KEY_PREFIX) && section !== 'match' && section !== 'toTag') continue;
      if (!keyInfo(section, key)) {
        this.unknownKey(key, keyRange, section, what);
        continue;
      }
      out.set(key, { pair, value: pair.value as Value, keyRange });
    }
    for (const info of sectionRequired(section)) {
      if (!out.has(info) && section !== 'top') {
        this.problem(
          'missing-key',
          'error',
          `${what} needs \`${info}:\` (${keyInfo(section, info)?.doc ?? ''})`,
          this.rangeOfNode(n),
        );
      }
    }
    return out;
  }

  private unknownKey(key: string, range: Range, section: SectionName, what: string): void {
    if (key === '<<') {
      this.problem(
        'merge-key',
        'error',
        'Merge keys (<<) are not part of YAML 1.2 and are not supported: write the keys out.',
        range,
      );
      return;
    }
    const allowed = keysOf(section);
    this.problem(
      'unknown-key',
      'error',
      `Unknown key '${key}' in ${what}.${didYouMean(key, allowed)} Allowed: ${allowed.join(', ')}.`,
      range,
    );
  }

  // ---- scalar values ---------------------------------------------------------------------------------------

  private str(value: Value, keyRange: Range, what: string): Located<string> | undefined {
    const n = this.deref(value, keyRange);
    if (isScalar(n) && n.value !== null && typeof n.value !== 'object') {
      return { value: this.scalarText(n), range: this.rangeOfNode(n) };
    }
    this.problem(
      n === null || (isScalar(n) && n.value === null) ? 'empty-value' : 'wrong-type',
      'error',
      `${what} must be text, not ${describe(n)}.`,
      n ? this.rangeOfNode(n) : keyRange,
    );
    return undefined;
  }

  private enumValue<T extends string>(
    value: Value,
    keyRange: Range,
    enumName: EnumName,
    what: string,
  ): Located<T> | undefined {
    const s = this.str(value, keyRange, what);
    if (!s) return undefined;
    const allowed = enumValues(enumName);
    const exact = allowed.find((a) => a === s.value) ?? allowed.find((a) => a.toLowerCase() === s.value.toLowerCase());
    if (exact === undefined) {
      this.problem(
        'invalid-enum',
        'error',
        `'${s.value}' is not a valid ${what}.${didYouMean(s.value, allowed)} Allowed: ${ENUMS[enumName].map((e) => e.value).join(', ')}.`,
        s.range,
      );
      return undefined;
    }
    return { value: exact as T, range: s.range };
  }

  private percent(value: Value, keyRange: Range, what: string): Located<Dec> | undefined {
    const n = this.deref(value, keyRange);
    if (isScalar(n) && (typeof n.value === 'number' || typeof n.value === 'string')) {
      const raw = this.scalarText(n).trim().replace(/%$/, '');
      const d = parseDecimal(raw);
      if (d !== undefined && d.isFinite()) return { value: new Dec(d), range: this.rangeOfNode(n) };
      this.problem(
        'invalid-number',
        'error',
        `${what} must be a number (percent), not '${this.scalarText(n)}'.`,
        this.rangeOfNode(n),
      );
      return undefined;
    }
    this.problem(
      'wrong-type',
      'error',
      `${what} must be a number (percent), not ${describe(n)}.`,
      n ? this.rangeOfNode(n) : keyRange,
    );
    return undefined;
  }

  /**
   * A markup in percent, within MARKUP_RANGE: below -100 % a target would be paid for being charged, and a markup
   * of thousands of percent is a typo (or 1e300, which no report can print), not a price.
   */
  private markup(value: Value, keyRange: Range, what: string): Located<Dec> | undefined {
    const m = this.percent(value, keyRange, what);
    if (m && (m.value.lt(MARKUP_RANGE.min) || m.value.gt(MARKUP_RANGE.max))) {
      this.problem(
        'markup-out-of-range',
        'error',
        `${what} is ${m.value.toString()} %; a markup must be between ${MARKUP_RANGE.min} % and ${MARKUP_RANGE.max} %.`,
        m.range,
      );
      return undefined;
    }
    return m;
  }

  /** A target's `budget:` map: exactly one of monthly / quarterly / yearly, amounts not negative. */
  private budget(value: Value, keyRange: Range, id: string): BudgetDecl | undefined {
    const what = `\`budget:\` of target '${id}'`;
    const pairs = this.sectionPairs(value, 'budget', what, keyRange);
    if (!pairs) return undefined;
    const node = this.deref(value, keyRange);
    const range = node ? this.rangeOfNode(node) : keyRange;
    const periods = (['monthly', 'quarterly', 'yearly'] as const).filter((k) => pairs.has(k));
    if (periods.length !== 1) {
      const at = periods.length > 1 ? pairs.get(periods[1])!.keyRange : range;
      this.problem(
        'budget-period',
        'error',
        `${what} needs exactly one of \`monthly:\`, \`quarterly:\` or \`yearly:\`${periods.length > 1 ? `, not ${periods.join(' and ')}` : ''}.`,
        at,
      );
      return undefined;
    }
    const { value: av, keyRange: akr } = pairs.get(periods[0])!;
    const amount = this.percent(av, akr, `\`${periods[0]}:\` of ${what}`);
    if (!amount) return undefined;
    if (amount.value.isNegative()) {
      this.problem('invalid-number', 'error', `A budget cannot be negative (${amount.value.toFixed()}).`, amount.range);
      return undefined;
    }
    const pct = (k: 'warnAt' | 'forecastWarnAt'): Located<Dec> | undefined => {
      const p = pairs.get(k);
      return p ? this.percent(p.value, p.keyRange, `\`${k}:\` of ${what}`) : undefined;
    };
    const per = periods[0] === 'monthly' ? 'month' : periods[0] === 'quarterly' ? 'quarter' : 'year';
    return { range, per, amount, warnAt: pct('warnAt'), forecastWarnAt: pct('forecastWarnAt') };
  }

  private bool(value: Value, keyRange: Range, what: string): Located<boolean> | undefined {
    const n = this.deref(value, keyRange);
    if (isScalar(n) && typeof n.value === 'boolean') return { value: n.value, range: this.rangeOfNode(n) };
    this.problem(
      'wrong-type',
      'error',
      `${what} must be true or false, not ${describe(n)}.`,
      n ? this.rangeOfNode(n) : keyRange,
    );
    return undefined;
  }

  private targetRef(
    value: Value,
    keyRange: Range,
    what: string,
    context: TargetReference['context'],
    ruleIndex?: number,
  ): Located<string> | undefined {
    const s = this.str(value, keyRange, what);
    if (s) this.model.targetReferences.push({ id: s.value, range: s.range, context, ruleIndex });
    return s;
  }

  // ---- the document ----------------------------------------------------------------------------------------

  build(doc: Document.Parsed): void {
    this.doc = doc;
    const root = doc.contents as Value;
    this.model.range = this.rangeOf(0, this.text.length);
    const startRange = this.rangeOf(
      0,
      Math.max(0, this.text.indexOf('\n') < 0 ? this.text.length : this.text.indexOf('\n')),
    );
    if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
      if (doc.errors.length === 0) this.versionMissing(startRange);
      return;
    }
    const top = this.sectionPairs(root, 'top', 'the top level of the file', startRange);
    if (!top) return;
    for (const [key, { keyRange }] of top) this.model.keyRanges[key] = keyRange;
    const get = (k: string) => top.get(k);

    const version = get('chargeback');
    if (!version) this.versionMissing(startRange);
    else this.readVersion(version.value, version.keyRange);

    const name = get('name');
    if (name) this.model.name = this.str(name.value, name.keyRange, '`name:`');

    const data = get('data');
    if (data) this.readData(data.value, data.keyRange);
    const allowOutside = get('allowOutside');
    if (allowOutside) this.model.allowOutside = this.bool(allowOutside.value, allowOutside.keyRange, '`allowOutside:`');

    const amount = get('amount');
    if (amount) {
      const a = this.enumValue<AmountKind>(amount.value, amount.keyRange, 'amount', 'amount (`amount:`)');
      if (a) {
        this.model.amount = a.value;
        this.model.amountRange = a.range;
      }
    }
    const currency = get('currency');
    if (currency) {
      const c = this.str(currency.value, currency.keyRange, '`currency:`');
      if (c) {
        if (!/^[A-Za-z]{3}$/.test(c.value.trim())) {
          this.problem(
            'wrong-type',
            'warning',
            `'${c.value}' does not look like a currency code (three letters, for example EUR).`,
            c.range,
          );
        }
        this.model.currency = { value: c.value.trim().toUpperCase(), range: c.range };
      }
    }
    const period = get('period');
    if (period) this.model.period = this.str(period.value, period.keyRange, '`period:`');

    const targets = get('targets');
    if (targets) this.readTargets(targets.value, targets.keyRange);
    const rules = get('rules');
    if (rules) this.readRules(rules.value, rules.keyRange);
    const unallocated = get('unallocated');
    if (unallocated)
      this.model.unallocated = this.targetRef(unallocated.value, unallocated.keyRange, '`unallocated:`', 'unallocated');
    const commitments = get('commitments');
    if (commitments) this.model.commitments = this.readCommitments(commitments.value, commitments.keyRange);
    const pec = get('pec');
    if (pec) this.model.pec = this.readPec(pec.value, pec.keyRange);
    const journal = get('journal');
    if (journal) this.model.journal = this.readJournal(journal.value, journal.keyRange);
    const invoicing = get('invoicing');
    if (invoicing) {
      this.model.invoicingRange = invoicing.keyRange;
      this.model.invoicing = readInvoicingSection(this.sectionReader(), invoicing.value, invoicing.keyRange);
    }
    this.crossChecks();
  }

  /** The parser's own value checks, lent to the readers of sections that live in their own files. */
  private sectionReader(): SectionReader {
    return {
      pairs: (node, section, what, at) => this.sectionPairs(node as Value, section, what, at),
      str: (value, keyRange, what) => this.str(value as Value, keyRange, what),
      enumValue: (value, keyRange, enumName, what) => this.enumValue(value as Value, keyRange, enumName, what),
      percent: (value, keyRange, what) => this.percent(value as Value, keyRange, what),
      paths: (value, keyRange, what) => this.readPaths(value as Value, keyRange, what),
      entries: (value, keyRange, what) => this.freeEntries(value as Value, keyRange, what),
      rangeOf: (value, fallback) => {
        const n = this.deref(value as Value, fallback);
        return n ? this.rangeOfNode(n) : fallback;
      },
      problem: (code, severity, message, range) => this.problem(code, severity, message, range),
    };
  }

  private readPaths(value: Value, keyRange: Range, what: string): Located<string>[] {
    const n = this.deref(value, keyRange);
    const items = isSeq(n) ? (n as YAMLSeq<unknown>).items : [n];
    const out: Located<string>[] = [];
    for (const item of items) {
      const s = this.str(item as Value, keyRange, what);
      if (s && s.value.trim() === '') this.problem('empty-value', 'error', `${what} is empty.`, s.range);
      else if (s) out.push(s);
    }
    return out;
  }

  private freeEntries(
    value: Value,
    keyRange: Range,
    what: string,
  ): { key: string; keyRange: Range; value: unknown; empty: boolean }[] | undefined {
    const n = this.deref(value, keyRange);
    if (!isMap(n)) {
      this.problem(
        'wrong-type',
        'error',
        `${what} must be a map, not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : keyRange,
      );
      return undefined;
    }
    const out: { key: string; keyRange: Range; value: unknown; empty: boolean }[] = [];
    for (const pair of (n as YAMLMap<unknown, unknown>).items) {
      const key = this.keyText(pair);
      if (key === undefined || key.startsWith(EXTENSION_KEY_PREFIX)) continue;
      const kr = this.rangeOfNode(pair.key as Value);
      if (key.trim() === '') {
        this.problem('empty-value', 'error', 'An id cannot be empty.', kr);
        continue;
      }
      const v = this.deref(pair.value as Value, kr);
      out.push({
        key,
        keyRange: kr,
        value: v,
        empty: v === null || v === undefined || (isScalar(v) && v.value === null),
      });
    }
    return out;
  }

  private versionMissing(range: Range): void {
    this.problem(
      'version-missing',
      'error',
      'The language version is missing: start the file with `chargeback: 1`.',
      range,
    );
  }

  private readVersion(value: Value, keyRange: Range): void {
    const n = this.deref(value, keyRange);
    if (!isScalar(n) || n.value === null || typeof n.value === 'object') {
      this.problem(
        'wrong-type',
        'error',
        `\`chargeback:\` must be the language version (1), not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : keyRange,
      );
      return;
    }
    const raw = this.scalarText(n).trim();
    const range = this.rangeOfNode(n);
    const num = /^\d+(\.0+)?$/.test(raw) ? Number(raw) : NaN;
    if (!SUPPORTED_VERSIONS.includes(num)) {
      this.problem(
        'version-unsupported',
        'error',
        `Version '${raw}' of the rules language is not supported; this version of FinOps Chargeback reads version ${SUPPORTED_VERSIONS.join(', ')}.`,
        range,
      );
      return;
    }
    this.model.version = { value: num, range };
  }

  private readData(value: Value, keyRange: Range): void {
    const n = this.deref(value, keyRange);
    const items = isSeq(n) ? (n as YAMLSeq<unknown>).items : [n];
    if (isSeq(n) && items.length === 0) {
      this.problem('empty-value', 'warning', '`data:` lists no billing files.', this.rangeOfNode(n));
    }
    for (const item of items) {
      const s = this.str(item as Value, keyRange, 'A `data:` entry (a file path or glob)');
      if (!s) continue;
      if (s.value.trim() === '') this.problem('empty-value', 'error', 'A `data:` entry is empty.', s.range);
      else this.model.data.push(s);
    }
  }

  private readTargets(value: Value, keyRange: Range): void {
    const n = this.deref(value, keyRange);
    if (!isMap(n)) {
      this.problem(
        'wrong-type',
        'error',
        `\`targets:\` must be a map of target id -> attributes, not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : keyRange,
      );
      return;
    }
    const seen = new Map<string, string>();
    const skeletons = new Map<string, { id: string; range: Range }>();
    for (const pair of (n as YAMLMap<unknown, unknown>).items) {
      const id = this.keyText(pair);
      if (id === undefined) continue;
      const idRange = this.rangeOfNode(pair.key as Value);
      if (id.startsWith(EXTENSION_KEY_PREFIX)) continue;
      if (id.trim() === '') {
        this.problem('empty-value', 'error', 'A target id cannot be empty.', idRange);
        continue;
      }
      const lower = targetIdKey(id);
      const earlier = seen.get(lower);
      if (earlier !== undefined) {
        this.problem(
          'duplicate-target',
          'error',
          `Target '${id}' is declared twice ('${earlier}' above): ids are compared case-insensitively and after Unicode normalization (NFKC), as tag values are.`,
          idRange,
        );
        continue;
      }
      seen.set(lower, id);
      this.checkConfusable(id, idRange, skeletons);
      const target: TargetDecl = { id, idRange, range: this.rangeOfPair(pair) };
      const v = this.deref(pair.value as Value, idRange);
      if (v !== null && !(isScalar(v) && v.value === null)) {
        const attrs = this.sectionPairs(v, 'target', `Target '${id}'`, idRange);
        if (attrs) {
          for (const [key, { value: av, keyRange: akr }] of attrs) {
            if (key === 'markup') target.markup = this.markup(av, akr, `\`markup:\` of target '${id}'`);
            else if (key === 'name' || key === 'costCenter' || key === 'account')
              target[key] = this.str(av, akr, `\`${key}:\` of target '${id}'`);
            else if (key === 'budget') target.budget = this.budget(av, akr, id);
          }
        }
      }
      this.model.targets.push(target);
    }
    if (this.model.targets.length === 0)
      this.problem('empty-value', 'warning', '`targets:` declares no target: nothing can be charged.', keyRange);
  }

  /** Ids that look like an earlier one, or hold invisible characters: a tag value or `to:` could name the wrong one. */
  private checkConfusable(id: string, idRange: Range, skeletons: Map<string, { id: string; range: Range }>): void {
    const skeleton = targetIdSkeleton(id);
    const earlier = skeletons.get(skeleton);
    if (earlier) {
      const mine = lookalikeCharacters(id);
      const theirs = lookalikeCharacters(earlier.id);
      const differing = [...mine.filter((c) => !theirs.includes(c)), ...theirs.filter((c) => !mine.includes(c))];
      this.problem(
        'confusable-id',
        'error',
        `Target '${id}' looks like '${earlier.id}' (line ${earlier.range.start.line + 1}) but is a different id${differing.length ? ` (${differing.join(', ')})` : ''}: rename one of them.`,
        idRange,
      );
    } else if (hasInvisible(id)) {
      this.problem(
        'confusable-id',
        'error',
        `Target '${id}' holds an invisible character (${lookalikeCharacters(id)
          .filter((c) => c.endsWith('(invisible)'))
          .join(', ')}): remove it.`,
        idRange,
      );
    }
    if (!earlier) skeletons.set(skeleton, { id, range: idRange });
  }

  private readRules(value: Value, keyRange: Range): void {
    const n = this.deref(value, keyRange);
    if (!isSeq(n)) {
      this.problem(
        'wrong-type',
        'error',
        `\`rules:\` must be a list of rules (each starting with "- name:"), not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : keyRange,
      );
      return;
    }
    const names = new Map<string, RuleDecl>();
    (n as YAMLSeq<unknown>).items.forEach((item, index) => {
      const rule = this.readRule(item as Value, index, keyRange);
      if (!rule) return;
      const lower = rule.name.trim().toLowerCase();
      const earlier = names.get(lower);
      if (earlier && rule.nameRange) {
        this.problem(
          'duplicate-rule-name',
          'error',
          `Rule name '${rule.name}' is already used by rule ${earlier.index + 1} (line ${earlier.range.start.line + 1}); reports and lineage need unique names.`,
          rule.nameRange,
        );
      } else names.set(lower, rule);
      this.model.rules.push(rule);
    });
  }

  private readRule(item: Value, index: number, listKeyRange: Range): RuleDecl | undefined {
    const node = this.deref(item, listKeyRange);
    const range = node ? this.rangeOfNode(node) : listKeyRange;
    const what = `Rule ${index + 1}`;
    const pairs = this.sectionPairs(node, 'rule', what, range);
    if (!pairs) return undefined;
    const rule: RuleDecl = { index, name: `Rule ${index + 1}`, range };
    const name = pairs.get('name');
    if (name) {
      const s = this.str(name.value, name.keyRange, `The name of rule ${index + 1}`);
      if (s && s.value.trim() !== '') {
        rule.name = s.value;
        rule.nameRange = s.range;
      } else if (s) this.problem('empty-value', 'error', 'A rule name cannot be empty.', s.range);
    }
    const label = name ? `rule '${rule.name}'` : what.toLowerCase();
    const description = pairs.get('description');
    if (description)
      rule.description = this.str(description.value, description.keyRange, `\`description:\` of ${label}`)?.value;
    const match = pairs.get('match');
    if (match) rule.match = this.readMatch(match.value, match.keyRange, `\`match:\` of ${label}`, 1);
    const to = pairs.get('to');
    if (to) rule.to = this.readTo(to.value, to.keyRange, label, index);
    const split = pairs.get('split');
    if (split) rule.split = this.readSplit(split.value, split.keyRange, label, index);
    const markup = pairs.get('markup');
    if (markup) rule.markup = this.markup(markup.value, markup.keyRange, `\`markup:\` of ${label}`);
    if (to && split) {
      this.problem(
        'to-and-split',
        'error',
        `A rule says either \`to:\` (direct cost) or \`split:\` (shared cost), not both: ${label} has both.`,
        split.keyRange,
      );
    }
    if (!to && !split) {
      this.problem(
        'no-destination',
        'error',
        `${capitalize(label)} does not say where its cost goes: add \`to:\` (direct) or \`split:\` (shared).`,
        rule.nameRange ?? this.firstLine(range),
      );
    }
    if (!name) {
      this.problem(
        'rule-without-name',
        'warning',
        `Rule ${index + 1} has no \`name:\`; reports call it 'Rule ${index + 1}'.`,
        this.firstLine(range),
      );
    }
    return rule;
  }

  private readMatch(value: Value, keyRange: Range, what: string, depth: number): MatchMap | undefined {
    if (depth > MAX_NESTING_DEPTH) throw new TooComplex('too-deep', `\`not:\` is nested too deeply here.`, keyRange);
    const n = this.deref(value, keyRange);
    const pairs = this.sectionPairs(n, 'match', what, keyRange);
    if (!pairs) return undefined;
    const map: MatchMap = { range: this.rangeOfNode(n), conditions: [] };
    for (const [key, { value: v, keyRange: kr }] of pairs) {
      if (MATCH_FIELDS.has(key)) {
        const globs = this.readGlobs(v, kr, `\`${key}:\``);
        if (globs) map.conditions.push({ kind: 'field', field: key as MatchField, keyRange: kr, globs });
      } else if (key === 'tag') {
        map.conditions.push(...this.readTagGlobs(v, kr));
      } else if (key === 'not') {
        const inner = this.readMatch(v, kr, '`not:`', depth + 1);
        if (inner) {
          map.conditions.push({ kind: 'not', keyRange: kr, map: inner });
          if (inner.conditions.length === 0) {
            this.problem(
              'empty-match',
              'warning',
              '`not: {}` never holds: an empty map matches every line, so its negation matches none.',
              inner.range,
            );
          }
        }
      }
    }
    if (depth === 1 && isMap(n) && (n as YAMLMap<unknown, unknown>).items.length === 0) {
      this.problem(
        'empty-match',
        'warning',
        'This match is empty, so it takes every cost line that reaches this rule; rules below it never match. Add keys to narrow it.',
        map.range,
      );
    }
    return map;
  }

  private readGlobs(value: Value, keyRange: Range, what: string): Located<string>[] | undefined {
    const n = this.deref(value, keyRange);
    const items: Value[] = isSeq(n) ? ((n as YAMLSeq<unknown>).items as Value[]) : [n];
    if (isSeq(n) && items.length === 0) {
      this.problem(
        'empty-glob-list',
        'error',
        `${what} has an empty list, which matches no line.`,
        this.rangeOfNode(n),
      );
      return undefined;
    }
    const globs: Located<string>[] = [];
    for (const item of items) {
      const s = this.str(item, keyRange, `${what} (a glob)`);
      if (!s) continue;
      for (const issue of checkGlob(s.value)) this.problem(issue.code, issue.severity, issue.message, s.range);
      globs.push(s);
    }
    return globs.length > 0 ? globs : undefined;
  }

  private readTagGlobs(value: Value, keyRange: Range): MatchCondition[] {
    const n = this.deref(value, keyRange);
    if (!isMap(n)) {
      this.problem(
        'wrong-type',
        'error',
        `\`tag:\` must be a map of tag key -> glob, for example \`tag: { team: "*" }\`, not ${describe(n)}.`,
        n ? this.rangeOfNode(n) : keyRange,
      );
      return [];
    }
    const items = (n as YAMLMap<unknown, unknown>).items;
    if (items.length === 0) {
      this.problem('empty-value', 'error', '`tag:` names no tag key.', this.rangeOfNode(n));
      return [];
    }
    const out: MatchCondition[] = [];
    for (const pair of items) {
      const tagKey = this.keyText(pair);
      if (tagKey === undefined) continue;
      const kr = this.rangeOfNode(pair.key as Value);
      const globs = this.readGlobs(pair.value as Value, kr, `Tag '${tagKey}'`);
      if (globs) out.push({ kind: 'tag', tagKey, keyRange: kr, globs });
    }
    return out;
  }

  private readTo(value: Value, keyRange: Range, label: string, ruleIndex: number): Destination | undefined {
    const n = this.deref(value, keyRange);
    if (isMap(n)) {
      const pairs = this.sectionPairs(n, 'toTag', `\`to:\` of ${label}`, keyRange);
      const tag = pairs?.get('tag');
      if (!tag) return undefined;
      const tagKey = this.str(tag.value, tag.keyRange, '`to: { tag: }`');
      if (!tagKey) return undefined;
      return { kind: 'tag', tagKey, range: this.rangeOfNode(n) };
    }
    if (isScalar(n) && n.value !== null && typeof n.value !== 'object') {
      const target = this.targetRef(n, keyRange, `\`to:\` of ${label}`, 'to', ruleIndex);
      return target ? { kind: 'target', target, range: target.range } : undefined;
    }
    this.problem(
      n === null || (isScalar(n) && n.value === null) ? 'empty-value' : 'wrong-type',
      'error',
      `\`to:\` of ${label} must be a target id or \`{ tag: <key> }\`, not ${describe(n)}.`,
      n ? this.rangeOfNode(n) : keyRange,
    );
    return undefined;
  }

  private readSplit(value: Value, keyRange: Range, label: string, ruleIndex: number): SplitDecl | undefined {
    const n = this.deref(value, keyRange);
    const pairs = this.sectionPairs(n, 'split', `\`split:\` of ${label}`, keyRange);
    if (!pairs) return undefined;
    const methods = (['evenly', 'percent', 'proportional'] as SplitMethod[]).filter((m) => pairs.has(m));
    const basisPair = pairs.get('basis');
    if (methods.length !== 1) {
      this.problem(
        'split-method',
        'error',
        methods.length === 0
          ? `\`split:\` of ${label} needs one method: \`evenly: [..]\`, \`percent: {..}\` or \`proportional: [..]\`.`
          : `\`split:\` of ${label} has ${methods.length} methods (${methods.join(', ')}); use exactly one.`,
        methods.length === 0 ? this.rangeOfNode(n) : pairs.get(methods[1])!.keyRange,
      );
      if (methods.length === 0) return undefined;
    }
    const method = methods[0];
    const methodPair = pairs.get(method)!;
    let basis: Located<Basis> | undefined;
    if (basisPair) {
      basis = this.enumValue<Basis>(basisPair.value, basisPair.keyRange, 'basis', 'basis (`basis:`)');
      if (method !== 'proportional') {
        this.problem(
          'basis-without-proportional',
          'error',
          '`basis:` only applies to `proportional:` splits.',
          basisPair.keyRange,
        );
      }
    }
    const list = this.deref(methodPair.value, methodPair.keyRange);
    const sharesRange = list ? this.rangeOfNode(list) : methodPair.keyRange;
    const shares: SplitShare[] = [];
    const seen = new Set<string>();
    const addTarget = (t: Located<string>): boolean => {
      const lower = targetIdKey(t.value);
      if (seen.has(lower)) {
        this.problem('duplicate-reference', 'error', `Target '${t.value}' is listed twice in this split.`, t.range);
        return false;
      }
      seen.add(lower);
      this.model.targetReferences.push({ id: t.value, range: t.range, context: 'split', ruleIndex });
      return true;
    };
    if (method === 'percent') {
      if (!isMap(list)) {
        this.problem(
          'wrong-type',
          'error',
          `\`percent:\` must be a map of target -> percent, for example \`{ web: 60, data: 40 }\`, not ${describe(list)}.`,
          sharesRange,
        );
        return undefined;
      }
      let sum = new Dec(0);
      let complete = true;
      for (const pair of (list as YAMLMap<unknown, unknown>).items) {
        const id = this.keyText(pair);
        if (id === undefined) {
          complete = false;
          continue;
        }
        const target = { value: id, range: this.rangeOfNode(pair.key as Value) };
        const pct = this.percent(pair.value as Value, target.range, `The percent of '${id}'`);
        if (!pct) {
          complete = false;
          continue;
        }
        if (pct.value.isNegative()) {
          this.problem(
            'percent-negative',
            'error',
            `A percentage cannot be negative (${pct.value.toFixed()} for '${id}').`,
            pct.range,
          );
          complete = false;
        }
        if (addTarget(target)) {
          shares.push({ target, percent: pct });
          sum = sum.plus(pct.value);
        }
      }
      if (shares.length === 0) this.problem('empty-value', 'error', '`percent:` names no target.', sharesRange);
      else if (complete && !sum.eq(100)) {
        this.problem('percent-sum', 'error', `The percentages add up to ${sum.toFixed()}, not 100.`, sharesRange);
      }
    } else {
      if (!isSeq(list)) {
        this.problem(
          'wrong-type',
          'error',
          `\`${method}:\` must be a list of targets, for example \`[web, data]\`, not ${describe(list)}.`,
          sharesRange,
        );
        return undefined;
      }
      for (const item of (list as YAMLSeq<unknown>).items) {
        const t = this.str(item as Value, methodPair.keyRange, 'A split target');
        if (t && addTarget(t)) shares.push({ target: t });
      }
      if ((list as YAMLSeq<unknown>).items.length === 0)
        this.problem('empty-value', 'error', `\`${method}:\` names no target.`, sharesRange);
    }
    return { range: this.rangeOfNode(n), method, methodRange: methodPair.keyRange, sharesRange, shares, basis };
  }

  private readCommitments(value: Value, keyRange: Range): CommitmentSetting | undefined {
    const pairs = this.sectionPairs(value, 'commitments', '`commitments:`', keyRange);
    if (!pairs) return undefined;
    const out: CommitmentSetting = { amortize: undefined, range: this.rangeOfNode(this.deref(value, keyRange)) };
    const amortize = pairs.get('amortize');
    if (amortize) out.amortize = this.bool(amortize.value, amortize.keyRange, '`amortize:`');
    const unused = pairs.get('unused');
    if (unused) out.unused = this.targetRef(unused.value, unused.keyRange, '`unused:`', 'commitments');
    if (this.model.amount === 'effective' && out.amortize?.value) {
      this.problem(
        'setting-ignored',
        'info',
        'With `amount: effective` the data is already amortized (FOCUS EffectiveCost); `amortize: true` has nothing left to spread.',
        amortize!.keyRange,
      );
    }
    return out;
  }

  private readPec(value: Value, keyRange: Range): PecSetting | undefined {
    const n = this.deref(value, keyRange);
    let setting: PecSetting | undefined;
    if (isMap(n)) {
      const pairs = this.sectionPairs(n, 'pec', '`pec:`', keyRange);
      const mode = pairs?.get('mode');
      const m = mode ? this.enumValue<PecMode>(mode.value, mode.keyRange, 'pecMode', 'PEC mode') : undefined;
      if (!m) return undefined;
      setting = { mode: m, range: this.rangeOfNode(n) };
      const to = pairs?.get('to');
      if (to) setting.to = this.targetRef(to.value, to.keyRange, '`pec: { to: }`', 'pec');
    } else {
      const m = this.enumValue<PecMode>(n, keyRange, 'pecMode', 'PEC mode');
      if (!m) return undefined;
      setting = { mode: m, range: m.range };
    }
    if (setting.mode.value === 'keep' && !setting.to) {
      this.problem(
        'missing-key',
        'error',
        '`pec` mode `keep` needs the target that receives the credit: `pec: { mode: keep, to: <target> }`.',
        setting.range,
      );
    }
    if (setting.mode.value === 'passThrough' && setting.to) {
      this.problem(
        'setting-ignored',
        'warning',
        '`to:` only matters with `mode: keep`; with `passThrough` the credit stays with the teams.',
        setting.to.range,
      );
    }
    if (this.model.amount === 'retail' && setting.mode.value === 'keep') {
      this.problem(
        'setting-ignored',
        'info',
        'With `amount: retail` amounts are already before partner earned credit: `pec` changes nothing.',
        setting.range,
      );
    }
    return setting;
  }

  private readJournal(value: Value, keyRange: Range): JournalSetting | undefined {
    const pairs = this.sectionPairs(value, 'journal', '`journal:`', keyRange);
    if (!pairs) return undefined;
    const out: JournalSetting = { range: this.rangeOfNode(this.deref(value, keyRange)) };
    for (const [key, { value: v, keyRange: kr }] of pairs) {
      const s = this.str(v, kr, `\`journal: ${key}:\``);
      if (s) (out as unknown as Record<string, Located<string>>)[key] = s;
    }
    return out;
  }

  /** Checks that need the whole file: target references resolve. */
  private crossChecks(): void {
    const ids = this.model.targets.map((t) => t.id);
    const lower = new Set(ids.map((i) => targetIdKey(i)));
    for (const ref of this.model.targetReferences) {
      if (lower.has(targetIdKey(ref.id))) continue;
      const known =
        ids.length === 0
          ? 'No target is declared under `targets:`.'
          : `Declared targets: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', ...' : ''}.`;
      this.problem(
        'unknown-target',
        'error',
        `Unknown target '${ref.id}'.${didYouMean(ref.id, ids)} ${known}`,
        ref.range,
      );
    }
  }
}

function sectionRequired(section: SectionName): string[] {
  return keysOf(section).filter((k) => keyInfo(section, k)?.required);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
