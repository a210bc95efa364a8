/**
 * `chargeback allocate <rules.yaml>` and `chargeback export <rules.yaml> --to ...`: run a rules file over the billing
 * data it names and print the allocation, or write one of the exports. A rules file with errors is never evaluated
 * halfway: every error is printed (file:line:col) and the exit code is 1.
 */
import { resolve } from 'node:path';
import { runRules, type RulesRun } from '../core/allocation/rulesRun';
import { readRulesFile } from '../core/allocation/readRulesFile';
import type { Problem } from '../core/allocation/problems';
import type { AllocationResult } from '../core/allocation/result';
import { resultJsonText } from '../core/exports/resultJson';
import { atomicWrite, type WriteContent } from '../core/exports/atomicWrite';
import { exportContent, type ExportKind } from '../core/exports/exportContent';
import { formatCents } from '../core/money';
import type { DateOrder } from '../core/billing/dates';
import { budgetLensText, forecastCheckText } from '../core/allocation/budgets';
import { displayText } from '../core/text/displayText';
import { UsageError, type Output } from './output';

export { EXPORT_KINDS, type ExportKind } from '../core/exports/exportContent';

function problemLine(file: string, p: Problem): string {
  return displayText(
    `${file}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${p.severity} ${p.code}: ${p.message}`,
  );
}

/** Runs the rules; prints every rule problem and data issue; returns the run and whether it may be used. */
async function run(
  rulesPath: string,
  dateOrder: DateOrder | undefined,
  out: Output,
  err: Output,
): Promise<{ run: RulesRun; usable: boolean }> {
  const read = await readRulesFile(rulesPath);
  if (!read.ok) throw new UsageError(read.message);
  const r = await runRules(resolve(rulesPath), read.text, { dateOrder, harvest: 'rules' });
  const problems = [...r.parsed.problems, ...r.dataProblems];
  for (const p of problems) (p.severity === 'error' ? out : err).write(problemLine(rulesPath, p) + '\n');
  // An issue about a whole file (line 0) names the file alone: there is no line 0 to go to.
  for (const i of r.issues.slice(0, 50))
    err.write(displayText(`${i.file}${i.line > 0 ? `:${i.line}` : ''}: ${i.severity} ${i.code}: ${i.message}`) + '\n');
  if (r.issues.length > 50) err.write(`chargeback: ${r.issues.length - 50} more data issues not shown\n`);
  // A billing file that could not be read as a whole (an ambiguous or missing amount column) is an error too: the
  // total would leave it out.
  const usable =
    !r.parsed.hasErrors &&
    !!r.result &&
    r.result.ok &&
    !problems.some((p) => p.severity === 'error') &&
    !r.issues.some((i) => i.severity === 'error');
  return { run: r, usable };
}

function textReport(result: AllocationResult): string {
  const cur = result.currency;
  const width = Math.max(8, ...result.targets.map((t) => t.id.length), 'unallocated'.length);
  const amountWidth = Math.max(12, ...result.targets.map((t) => formatCents(t.charged).length + cur.length + 1));
  const lines: string[] = [];
  lines.push(
    `${result.name ?? 'Chargeback'} (${result.period.label}): ${result.lineCount} cost lines, ${result.amountKind} amounts`,
  );
  lines.push('');
  lines.push(`${'target'.padEnd(width)}  ${'charged'.padStart(amountWidth)}  name`);
  for (const t of result.targets) {
    const markup = t.markup.isZero() ? '' : ` (incl. markup ${formatCents(t.markup)})`;
    lines.push(
      `${t.id.padEnd(width)}  ${`${cur} ${formatCents(t.charged)}`.padStart(amountWidth)}  ${t.name ?? ''}${markup}`,
    );
  }
  lines.push(
    `${'unallocated'.padEnd(width)}  ${`${cur} ${formatCents(result.unallocated.amount)}`.padStart(amountWidth)}`,
  );
  const markups = result.targets.reduce((s, t) => s.plus(t.markup), result.total.times(0));
  lines.push(
    `${'total'.padEnd(width)}  ${`${cur} ${formatCents(result.total)}`.padStart(amountWidth)}  = billing total${markups.isZero() ? '' : ` (markups ${cur} ${formatCents(markups)} on top)`}`,
  );
  lines.push('');
  lines.push('rules:');
  for (const r of result.rules) {
    const what =
      r.lines === 0
        ? r.shadowedBy !== undefined
          ? `takes no line (shadowed by ${JSON.stringify(result.rules[r.shadowedBy].name)})`
          : 'matches no line'
        : `${r.lines} lines`;
    lines.push(`  ${r.name}: ${cur} ${formatCents(r.allocated)}, ${what}`);
  }
  for (const ch of result.channels)
    if (ch.lines > 0 || !ch.allocated.isZero())
      lines.push(`  ${ch.label}: ${cur} ${formatCents(ch.allocated)}, ${ch.lines} lines`);
  for (const w of result.warnings) lines.push(`warning ${w.code}: ${w.message}`);
  if (result.budgets && result.budgets.length > 0) {
    lines.push('', 'budgets:');
    for (const b of result.budgets) {
      lines.push(
        `  ${b.target}: ${cur} ${b.actual} of ${cur} ${b.monthBudget} (${budgetLensText(b, cur)}; forecast method: ${b.forecastMethod})`,
      );
      if (b.forecastCheck) lines.push(`    ${forecastCheckText(b.forecastCheck, cur)}`);
    }
  }
  // Ids, names and rule names come from the rules file: each line stays one line, whatever they hold.
  return lines.map(displayText).join('\n') + '\n';
}

async function writeOut(path: string, content: WriteContent, force: boolean, inputs: readonly string[]): Promise<void> {
  const written = await atomicWrite(path, content, { overwrite: force, inputs });
  if (!written.written)
    throw new UsageError(
      written.reason === 'exists' ? `${path} already exists (use --force to replace it)` : written.message,
    );
}

/** What an export was made from, which it may never replace: the rules file and every billing file it read. */
function inputsOf(r: RulesRun): string[] {
  return [r.rulesPath, ...r.files];
}

export async function runAllocate(
  args: { rules: string; format: 'text' | 'json'; out?: string; force: boolean; dateOrder?: DateOrder },
  out: Output,
  err: Output,
): Promise<number> {
  const { run: r, usable } = await run(args.rules, args.dateOrder, out, err);
  if (!usable || !r.result) return 1;
  const text = args.format === 'json' ? resultJsonText(r.result) : textReport(r.result);
  if (args.out) {
    await writeOut(args.out, text, args.force, inputsOf(r));
    out.write(displayText(`wrote ${args.out}`) + '\n');
  } else {
    out.write(text);
  }
  return 0;
}

export async function runExport(
  args: { rules: string; to: ExportKind; out: string; force: boolean; dateOrder?: DateOrder },
  out: Output,
  err: Output,
): Promise<number> {
  const { run: r, usable } = await run(args.rules, args.dateOrder, out, err);
  if (!usable || !r.result) return 1;
  const result = r.result;
  const content = exportContent(args.to, result, r.parsed.model, r.files, args.dateOrder);
  await writeOut(args.out, content, args.force, inputsOf(r));
  out.write(displayText(`wrote ${args.out}: ${args.to}, total ${result.currency} ${formatCents(result.total)}`) + '\n');
  return 0;
}
