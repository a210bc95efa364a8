/**
 * One invoicing run of a rules file, as the CLI and the editor command need it: parse, find the draft (unbilled)
 * and final (billed) billing files, read every row, refuse a final invoice from unbilled data, build the invoices,
 * show on each final invoice what changed since its draft, and reconcile the invoices with the billing rows and with
 * the allocation of the same rows. Nothing is written here: writing is all-or-nothing, in writeInvoices.
 */
import type Decimal from 'decimal.js';
import { fileSource } from '../billing/source';
import type { DateOrder } from '../billing/dates';
import { ZERO, roundCents } from '../money';
import { parseRules, type ParsedRules } from '../allocation/parseRules';
import { resolveDataFiles, uniqueFiles } from '../allocation/dataFiles';
import { readCostLines, type CostLineIssue } from '../allocation/costLines';
import type { CostLine } from '../allocation/costLine';
import { Allocator } from '../allocation/engine';
import type { Located } from '../allocation/model';
import type { Range } from '../allocation/problems';
import { buildInvoices } from './build';
import { changesSinceDraft } from './changes';
import type { Invoice, InvoiceProblem, InvoiceSet, InvoiceStatus, ReconciliationCheck } from './model';

export type InvoiceMode = 'draft' | 'final' | 'both';

export interface InvoicingRunOptions {
  mode?: InvoiceMode;
  dateOrder?: DateOrder;
}

export interface InvoicingRun {
  parsed: ParsedRules;
  rulesPath: string;
  /** The sets made, draft first. */
  sets: InvoiceSet[];
  problems: InvoiceProblem[];
  dataIssues: CostLineIssue[];
  /** False when anything is an error: then nothing may be written. */
  ok: boolean;
}

async function readAll(
  files: readonly string[],
  dateOrder: DateOrder | undefined,
  issues: CostLineIssue[],
): Promise<CostLine[]> {
  const lines: CostLine[] = [];
  const options = {
    dateOrder,
    detail: true,
    reader: 'reference' as const,
    onIssue: (i: CostLineIssue) => void issues.push(i),
  };
  for await (const line of readCostLines(
    files.map((f) => fileSource(f)),
    options,
  ))
    lines.push(line);
  return lines;
}

const at = (range: Range | undefined): Range | undefined => range;

export async function runInvoicing(
  rulesPath: string,
  text: string,
  options: InvoicingRunOptions = {},
): Promise<InvoicingRun> {
  const parsed = parseRules(text);
  const model = parsed.model;
  const problems: InvoiceProblem[] = [];
  const dataIssues: CostLineIssue[] = [];
  const run: InvoicingRun = { parsed, rulesPath, sets: [], problems, dataIssues, ok: false };
  if (parsed.hasErrors) return run;
  const setting = model.invoicing;
  if (!setting) {
    problems.push({
      code: 'no-data',
      severity: 'error',
      range: model.range,
      message:
        'This rules file has no `invoicing:` section: add one (see docs/rules-language.md, "Customer invoicing").',
    });
    return run;
  }
  const mode = options.mode ?? 'both';
  const finalPatterns: Located<string>[] = setting.final.length > 0 ? setting.final : model.data;
  const draftPatterns = setting.draft;
  if (mode === 'draft' && draftPatterns.length === 0) {
    problems.push({
      code: 'no-data',
      severity: 'error',
      range: at(setting.range),
      message: 'A draft invoice is made from unbilled data: name the unbilled billing files under `invoicing: draft:`.',
    });
    return run;
  }
  if (mode !== 'draft' && finalPatterns.length === 0) {
    problems.push({
      code: 'no-data',
      severity: 'error',
      range: at(setting.range),
      message: 'A final invoice is made from billed data: name the billed files under `invoicing: final:` or `data:`.',
    });
    return run;
  }
  const filesOf = async (patterns: Located<string>[], what: string): Promise<string[]> => {
    const matches = await resolveDataFiles(rulesPath, patterns);
    for (const m of matches) {
      if (m.files.length === 0) {
        problems.push({
          code: 'no-data',
          severity: 'error',
          range: m.pattern.range,
          message: `No billing file matches ${what} entry '${m.pattern.value}'.`,
        });
      }
    }
    return uniqueFiles(matches);
  };
  const draftFiles =
    draftPatterns.length > 0 && mode !== 'final' ? await filesOf(draftPatterns, '`invoicing: draft:`') : [];
  // A final invoice is compared with its draft whenever the draft data is named, even with --final.
  const compareFiles =
    draftPatterns.length > 0 && mode === 'final' ? await filesOf(draftPatterns, '`invoicing: draft:`') : draftFiles;
  const finalFiles =
    mode !== 'draft' ? await filesOf(finalPatterns, setting.final.length > 0 ? '`invoicing: final:`' : '`data:`') : [];
  if (problems.some((p) => p.severity === 'error')) return run;

  const draftLines = compareFiles.length > 0 ? await readAll(compareFiles, options.dateOrder, dataIssues) : [];
  const finalLines = finalFiles.length > 0 ? await readAll(finalFiles, options.dateOrder, dataIssues) : [];
  for (const i of dataIssues) {
    if (i.severity === 'error')
      problems.push({
        code: 'data-issue',
        severity: 'error',
        source: { path: i.file, line: i.line },
        message: i.message,
      });
  }

  // A final invoice is never made from unbilled data; a draft from billed rows is possible but worth saying.
  const unbilled = finalLines.filter((l) => l.invoice.trim() === '');
  if (unbilled.length > 0) {
    problems.push({
      code: 'final-from-unbilled',
      severity: 'error',
      source: { path: unbilled[0].file, line: unbilled[0].line },
      message:
        `A final invoice was asked for from unbilled data: ${unbilled.length} row(s) of the final data have ` +
        `no InvoiceNumber (this is the first). Name the billed files under \`invoicing: final:\`, or make drafts ` +
        `with --draft.`,
    });
  }
  const billedInDraft = draftLines.filter((l) => l.invoice.trim() !== '');
  if (billedInDraft.length > 0) {
    problems.push({
      code: 'draft-from-billed',
      severity: 'warning',
      source: { path: billedInDraft[0].file, line: billedInDraft[0].line },
      message:
        `${billedInDraft.length} row(s) of the draft data already have an InvoiceNumber (this is the first): ` +
        `the draft includes billed charges.`,
    });
  }
  if (mode !== 'final' && draftFiles.length > 0 && draftLines.length === 0) {
    problems.push({
      code: 'no-data',
      severity: 'warning',
      range: setting.draftRange,
      message: 'The draft billing files have no billing rows: no draft invoice is made.',
    });
  }

  let drafts: Invoice[] = [];
  if (draftLines.length > 0) {
    const built = buildInvoices(draftLines, setting, { status: 'draft' });
    // With --final the draft is only compared with: what is wrong in it does not stop the final invoices.
    const draftProblems =
      mode === 'final'
        ? built.problems
            .filter((p) => p.severity === 'error')
            .map((p) => ({
              ...p,
              severity: 'warning' as const,
              message: `The draft cannot be compared with: ${p.message}`,
            }))
        : built.problems;
    problems.push(...draftProblems);
    drafts = built.invoices;
    if (mode !== 'final')
      run.sets.push({
        status: 'draft',
        files: draftFiles,
        invoices: drafts,
        reconciliation: reconcile(draftLines, drafts, 'draft'),
      });
  }
  if (finalLines.length > 0) {
    const built = buildInvoices(finalLines, setting, { status: 'final' });
    problems.push(...built.problems);
    const draftById = new Map(drafts.map((d) => [d.id, d]));
    if (draftLines.length > 0) for (const f of built.invoices) f.changes = changesSinceDraft(f, draftById.get(f.id));
    const checks = reconcile(finalLines, built.invoices, 'final');
    if (model.valid && model.rules.length > 0) checks.push(allocationCheck(finalLines, built.invoices, parsed));
    run.sets.push({ status: 'final', files: finalFiles, invoices: built.invoices, reconciliation: checks });
  } else if (mode !== 'draft') {
    problems.push({
      code: 'no-data',
      severity: 'error',
      range: setting.finalRange ?? model.keyRanges['data'],
      message: 'The final billing files have no billing rows: no final invoice can be made.',
    });
  }
  // Problems found on both the draft and the final data are said once.
  const seen = new Set<string>();
  run.problems = problems.filter((p) => {
    const where = `${p.source?.path}:${p.source?.line}|${p.range?.start.line}:${p.range?.start.character}`;
    const k = `${p.code}|${p.message}|${where}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  run.ok = !run.problems.some((p) => p.severity === 'error');
  return run;
}

function sum(values: Iterable<Decimal>): Decimal {
  let s: Decimal = ZERO;
  for (const v of values) s = s.plus(v);
  return s;
}

/** Every billing row is on exactly one invoice line: row totals, per file, equal the invoiced cost, exactly. */
export function reconcile(
  lines: readonly CostLine[],
  invoices: readonly Invoice[],
  status: InvoiceStatus,
): ReconciliationCheck[] {
  const checks: ReconciliationCheck[] = [];
  const byFile = new Map<string, Decimal>();
  for (const l of lines) byFile.set(l.file, (byFile.get(l.file) ?? ZERO).plus(l.billed));
  const invoicedByFile = new Map<string, Decimal>();
  for (const inv of invoices)
    for (const line of inv.lines)
      for (const s of line.sources) invoicedByFile.set(s.path, (invoicedByFile.get(s.path) ?? ZERO).plus(s.billed));
  for (const [file, rows] of byFile) {
    const invoiced = invoicedByFile.get(file) ?? ZERO;
    const difference = invoiced.minus(rows);
    checks.push({
      what: `${status} invoices vs billing file`,
      file,
      expected: rows,
      actual: invoiced,
      difference,
      ok: difference.isZero(),
      note: difference.isZero()
        ? 'every billed amount of the file is on exactly one invoice line'
        : 'rows of this file are missing from the invoices or counted twice',
    });
  }
  const cost = sum(invoices.map((i) => i.cost));
  const roundedCost = sum(invoices.flatMap((i) => i.lines.map((l) => roundCents(l.cost))));
  const rounding = roundedCost.minus(roundCents(cost));
  checks.push({
    what: `${status} invoices: line costs rounded to cents vs their exact sum`,
    expected: roundCents(cost),
    actual: roundedCost,
    difference: rounding,
    ok: rounding.abs().lte(roundingTolerance(invoices)),
    note: rounding.isZero()
      ? 'no rounding difference'
      : 'each line is rounded to cents on its own: at most half a cent per line',
  });
  return checks;
}

/** Half a cent per invoice line: the most that rounding each line on its own can add up to. */
function roundingTolerance(invoices: readonly Invoice[]): Decimal {
  return ZERO.plus('0.005').times(invoices.reduce((s, i) => s + i.lines.length, 0));
}

/** The allocation of the same rows gives the same total as the invoices' costs. */
function allocationCheck(
  lines: readonly CostLine[],
  invoices: readonly Invoice[],
  parsed: ParsedRules,
): ReconciliationCheck {
  const allocator = new Allocator(parsed.model, { detectShadowing: false });
  for (const l of lines) allocator.add(l);
  const result = allocator.finish();
  const cost = sum(invoices.map((i) => i.cost));
  const kept = sum(lines.filter((l) => !result.currency || l.currency === result.currency).map((l) => l.billed));
  const difference = result.sourceTotal.minus(cost);
  const reasons: string[] = [];
  if (!kept.eq(cost)) reasons.push(`the allocation keeps only ${result.currency} lines`);
  if (parsed.model.amount !== 'billed') reasons.push(`the allocation uses \`amount: ${parsed.model.amount}\``);
  return {
    what: 'final invoices (cost) vs the allocation of the same rows',
    expected: result.sourceTotal,
    actual: cost,
    difference,
    ok: difference.isZero(),
    note: difference.isZero()
      ? `the allocation of these rows totals ${result.currency} ${roundCents(result.sourceTotal).toFixed(2)}, as the ` +
        `invoices' costs`
      : `the allocation ` +
        `differs${reasons.length ? ` because ${reasons.join(' and ')}` : ''}` +
        (result.ok ? '' : ` (${result.errors.map((e) => e.message).join(' ')})`),
  };
}
