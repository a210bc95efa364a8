/**
 * The billing lines behind a target or a rule, for the rules editor's drill-down. The files are read once per data
 * set (paths and modification times) and kept compactly: each row keeps its file, line, day and amounts, and points
 * to its class, the rows that agree on every field a rule can look at (match fields, customer id, tags). A rules
 * edit then routes only the classes again (a few thousand even for a month of 100 000 rows), never the rows, and a
 * page of lines is cut from the selection without re-reading anything.
 */
import { stat } from 'node:fs/promises';
import {
  compileRules,
  purchaseKey,
  routeLine,
  type CompiledRules,
  type LineRoute,
} from '../../core/allocation/compileRules';
import { readCostLines } from '../../core/allocation/costLines';
import type { CostLine } from '../../core/allocation/costLine';
import type { AmountKind, RulesFile } from '../../core/allocation/model';
import { MATCH_FIELD_KEYS } from '../../core/allocation/vocabulary';
import { detach } from '../../core/allocation/strings';
import { fileSource } from '../../core/billing/source';
import type { DateOrder } from '../../core/billing/dates';
import type { LinesOf, PreviewLine, RulesLinesResult } from '../../shared/rulesPreview';

/** Rows kept at most; a bigger data set shows the first ones and says so. */
export const MAX_DRILL_ROWS = 2_000_000;
/** A page holds at most this many lines. */
export const MAX_PAGE = 2000;

const NO_RULE = '(no rule)';

/**
 * A class's line, kept while the data set is: its texts copied out of the text they were read from. A cell is a
 * slice of the file's chunk it came from, and a kept slice holds its whole chunk: the classes of a 1M-row month
 * held most of the file (sampled: 811 MB of decoded chunks).
 */
function keptLine(line: CostLine): CostLine {
  const out = { ...line };
  const fields = out as unknown as Record<string, unknown>;
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (typeof v === 'string') fields[k] = detach(v);
  }
  return out;
}

/**
 * One data set's rows and classes. A row is kept in columns, its amounts as the text a page shows, not as an object
 * holding its decimals (the rules editor leg on a 1M-row month, alternated: peak RSS 1.16 and 1.28 GB before, 1.09
 * twice after; the first page's time the same within this machine's noise, 19.5 to 25.5 s).
 */
export class LineStore {
  /** Rows kept. */
  count = 0;
  /** Per row: its file (an index into `files`), 1-based line, usage day, class and amounts. */
  private readonly fileOf: number[] = [];
  private readonly lineOf: number[] = [];
  private readonly dateOf: string[] = [];
  private readonly classOf: number[] = [];
  private readonly billedOf: string[] = [];
  private readonly retailOf: (string | undefined)[] = [];
  private readonly effectiveOf: (string | undefined)[] = [];
  /** A representative line of each class (the first row of it). */
  readonly classes: CostLine[] = [];
  truncated = false;
  private readonly classIndex = new Map<string, number>();
  private routed?: { rules: CompiledRules; routes: LineRoute[] };
  private selections = new Map<string, Int32Array>();

  constructor(readonly files: string[]) {}

  add(line: CostLine): void {
    if (this.count >= MAX_DRILL_ROWS) {
      this.truncated = true;
      return;
    }
    const tags = Object.keys(line.tags ?? {})
      .sort()
      .map((k) => `${k}=${line.tags[k]}`)
      .join('\u0002');
    let key = line.customerId ?? '';
    for (const f of MATCH_FIELD_KEYS)
      key += '\u0001' + ((line as unknown as Record<string, string | undefined>)[f] ?? '');
    key += '\u0001' + tags + '\u0001' + (line.reservationOrderId ?? '') + '\u0001' + (line.sourceKind ?? '');
    let cls = this.classIndex.get(key);
    if (cls === undefined) {
      cls = this.classes.length;
      this.classIndex.set(key, cls);
      this.classes.push(keptLine(line));
    }
    this.fileOf.push(this.files.indexOf(line.file));
    this.lineOf.push(line.line);
    this.dateOf.push(line.date ?? '');
    this.classOf.push(cls);
    this.billedOf.push(line.billed.toFixed());
    this.retailOf.push(line.retail?.toFixed());
    this.effectiveOf.push(line.effective?.toFixed());
    this.count++;
  }

  /** Row i's file, line, day and class. */
  row(i: number): { file: number; line: number; date: string; cls: number } {
    return { file: this.fileOf[i], line: this.lineOf[i], date: this.dateOf[i], cls: this.classOf[i] };
  }

  /** Row i's amount of the kind the rules allocate, as decimal text (billed where the row has none of that kind). */
  amount(kind: AmountKind, i: number): string {
    if (kind === 'retail') return this.retailOf[i] ?? this.billedOf[i];
    if (kind === 'effective') return this.effectiveOf[i] ?? this.billedOf[i];
    return this.billedOf[i];
  }

  /** Routes every class with these rules (once per rules version). */
  private routesFor(model: RulesFile): { rules: CompiledRules; routes: LineRoute[] } {
    if (this.routed && this.routed.rules.model === model) return this.routed;
    const rules = compileRules(model);
    this.routed = { rules, routes: this.classes.map((c) => routeLine(rules, c)) };
    this.selections = new Map();
    return this.routed;
  }

  /** Indexes of the rows of a selection, in file order. */
  select(model: RulesFile, of: LinesOf): { rows: Int32Array; rules: CompiledRules; routes: LineRoute[] } {
    const { rules, routes } = this.routesFor(model);
    const key = JSON.stringify(of);
    let rows = this.selections.get(key);
    if (!rows) {
      const take = classFilter(rules, routes, this.classes, of);
      const picked: number[] = [];
      for (let i = 0; i < this.count; i++) if (take[this.classOf[i]]) picked.push(i);
      rows = Int32Array.from(picked);
      this.selections.set(key, rows);
    }
    return { rows, rules, routes };
  }
}

/**
 * Which classes a selection takes: a rule's own lines; a target's direct, split and caught lines; the lines no rule
 * gives a target (no rule matches them, or a tag names no target).
 */
function classFilter(rules: CompiledRules, routes: LineRoute[], classes: CostLine[], of: LinesOf): boolean[] {
  if (of.kind === 'rule') return routes.map((r) => r.rule === of.index);
  if (of.kind === 'unmatched') {
    // A commitment purchase that amortization spreads over the usage it covered is not left to anyone.
    return routes.map(
      (r, i) =>
        r.destination.kind === 'tagMiss' ||
        (r.destination.kind === 'unmatched' && !(rules.amortize && purchaseKey(classes[i]))),
    );
  }
  const target = rules.targetIndex.get(of.id.toLowerCase());
  if (target === undefined) return routes.map(() => false);
  return routes.map((r) => {
    const d = r.destination;
    if (d.kind === 'target') return d.target === target;
    if (d.kind === 'pool') {
      const dest = rules.rules[d.rule].destination;
      return dest.kind === 'split' && dest.targets.includes(target);
    }
    return rules.unallocatedTarget === target;
  });
}

/** Keeps the line store of the data set that rules files name, one per set of files and versions. */
export class RulesLines {
  private store?: { key: string; loading: Promise<LineStore> };

  async page(
    model: RulesFile,
    files: string[],
    dateOrder: DateOrder,
    of: LinesOf,
    offset: number,
    count: number,
  ): Promise<RulesLinesResult> {
    if (!model.valid)
      return { total: 0, offset: 0, lines: [], note: 'The rules have errors: fix them to see the lines.' };
    const store = await this.load(files, dateOrder);
    const { rows, rules, routes } = store.select(model, of);
    const start = Math.max(0, Math.min(Math.floor(offset) || 0, rows.length));
    const end = Math.min(rows.length, start + Math.max(0, Math.min(MAX_PAGE, Math.floor(count) || 0)));
    const lines: PreviewLine[] = [];
    for (let i = start; i < end; i++) {
      const row = store.row(rows[i]);
      const c = store.classes[row.cls];
      const route = routes[row.cls];
      lines.push({
        file: store.files[row.file] ?? c.file,
        line: row.line,
        date: row.date,
        customer: c.customer,
        subscription: c.entitlementName || c.subscription || c.entitlement,
        resourceGroup: c.resourceGroup,
        meterCategory: c.meterCategory,
        meterName: c.meterName,
        amount: store.amount(model.amount, rows[i]),
        rule: route.rule >= 0 ? rules.rules[route.rule].name : NO_RULE,
      });
    }
    const notes = [];
    if (of.kind === 'target')
      notes.push(
        "Lines whose rule sends money to this target, directly or through a split; amounts are the lines' own, before a split divides them.",
      );
    if (store.truncated)
      notes.push(`Only the first ${MAX_DRILL_ROWS.toLocaleString('en-US')} billing lines are listed.`);
    return { total: rows.length, offset: start, lines, note: notes.join(' ') || undefined };
  }

  private async load(files: string[], dateOrder: DateOrder): Promise<LineStore> {
    const key = `${dateOrder}|${await versionsOf(files)}`;
    if (this.store?.key === key) return this.store.loading;
    const loading = (async () => {
      const store = new LineStore(files);
      for await (const line of readCostLines(
        files.map((f) => fileSource(f)),
        { dateOrder },
      ))
        store.add(line);
      return store;
    })();
    this.store = { key, loading };
    loading.catch(() => {
      if (this.store?.loading === loading) this.store = undefined;
    });
    return loading;
  }
}

async function versionsOf(files: string[]): Promise<string> {
  const parts: string[] = [];
  for (const f of files) {
    try {
      const s = await stat(f);
      parts.push(`${f}@${s.mtimeMs}:${s.size}`);
    } catch {
      parts.push(`${f}@missing`);
    }
  }
  return parts.join('|');
}
