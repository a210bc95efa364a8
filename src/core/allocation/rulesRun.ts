/**
 * One run of a rules file over its billing data, the way every face needs it: parse, find the `data:` files, read
 * the cost lines, allocate, and check the rules against the data. The CLI runs it once; the language server runs it
 * after edits and may hand back the lines of a previous run (small data is kept in memory so that re-allocating on
 * a keystroke does not re-read the files). Exports stream the lines a second time through `linesAgain`.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { fileSource } from '../billing/source';
import type { DateOrder } from '../billing/dates';
import type { ParsedRules } from './parseRules';
import { parseRules } from './parseRules';
import type { Problem } from './problems';
import { resolveDataFiles, uniqueFiles, type DataPatternMatch } from './dataFiles';
import { readCostLineBatches, readCostLines, type CostLineIssue } from './costLines';
import type { CostLine, ReadLine } from './costLine';
import { DataHarvester, type DataHarvest } from './harvest';
import { Allocator } from './engine';
import { targetBudgets } from './budgets';
import { dailyTargetCosts } from './dailyCosts';
import type { AllocationResult } from './result';
import { validateAgainstData } from './validateAgainstData';
import { invoicingDataProblems } from './invoicingData';
import type { MatchField, MatchMap, RulesFile } from './model';
import { MATCH_FIELD_KEYS } from './vocabulary';

export interface RulesRunOptions {
  dateOrder?: DateOrder;
  signal?: AbortSignal;
  /** Keep the lines in memory when there are at most this many (default 0: never). */
  keepLines?: number;
  /**
   * Lines of an earlier run over the very same files (same paths and modification times), and that run's harvest:
   * the harvest is the data's, not the rules', so a rules edit need not harvest the same lines again.
   */
  cachedLines?: { key: string; lines: ReadLine[]; harvest?: DataHarvest };
  /**
   * 'all' (default): harvest every field (completion needs them). 'rules': only the fields the rules match on, which
   * is all that checking the rules against the data needs, and lets rows that agree on those fields be read as one
   * aggregated line (the CLI's way: far faster on big files, the same allocation).
   */
  harvest?: 'all' | 'rules';
  /** Which reader (tests compare them): see ReadCostLinesOptions.reader. */
  reader?: 'fast' | 'reference';
  /** Folders nothing may be read outside of (an untrusted workspace's folders): see DataReach.confineTo. */
  confineTo?: readonly string[];
}

/** The fields a rules file matches on (and 'tags' when it matches on or allocates by a tag). */
export function fieldsOfRules(model: RulesFile): { fields: MatchField[]; tags: boolean } {
  const fields = new Set<MatchField>();
  let tags = false;
  const walk = (map: MatchMap): void => {
    for (const c of map.conditions) {
      if (c.kind === 'field') fields.add(c.field);
      else if (c.kind === 'tag') tags = true;
      else walk(c.map);
    }
  };
  for (const rule of model.rules) {
    if (rule.match) walk(rule.match);
    if (rule.to?.kind === 'tag') tags = true;
  }
  return { fields: [...fields], tags };
}

export interface RulesRun {
  parsed: ParsedRules;
  rulesPath: string;
  dataFiles: DataPatternMatch[];
  files: string[];
  /** Identifies the data files' versions: paths and modification times. */
  dataKey: string;
  /** Problems reading the billing data (unreadable amounts, files that are not billing files...). */
  issues: CostLineIssue[];
  harvest: DataHarvest;
  /** Absent when the rules have errors: a rules file with errors is never evaluated halfway. */
  result?: AllocationResult;
  /** Data-dependent problems with ranges in the rules file. */
  dataProblems: Problem[];
  /** The lines (aggregated ones among them, with harvest 'rules'), when they were few enough to keep (see keepLines). */
  lines?: ReadLine[];
  cancelled: boolean;
}

async function dataKeyOf(files: string[]): Promise<string> {
  const parts: string[] = [];
  for (const f of files) {
    try {
      const st = await fs.stat(f);
      parts.push(`${f}@${st.mtimeMs}:${st.size}`);
    } catch {
      parts.push(`${f}@missing`);
    }
  }
  return parts.join('|');
}

/** The cost lines of the files, read again with every detail (for exports that go line by line). */
export function linesAgain(
  files: readonly string[],
  options: { dateOrder?: DateOrder; amount?: ParsedRules['model']['amount'] } = {},
): AsyncIterable<CostLine> {
  return readCostLines(
    files.map((f) => fileSource(f)),
    { dateOrder: options.dateOrder, amount: options.amount, detail: true },
  );
}

export async function runRules(rulesPath: string, text: string, options: RulesRunOptions = {}): Promise<RulesRun> {
  const parsed = parseRules(text);
  const model = parsed.model;
  const reach = { allowOutside: model.allowOutside?.value === true, confineTo: options.confineTo };
  const dataFiles = await resolveDataFiles(rulesPath, model.data, reach);
  const files = uniqueFiles(dataFiles);
  const dataKey = await dataKeyOf(files);
  const issues: CostLineIssue[] = [];
  const used = fieldsOfRules(model);
  const harvester = options.harvest === 'rules' ? new DataHarvester(used) : new DataHarvester();
  const aggregateBy =
    options.harvest === 'rules' ? [...used.fields, ...(used.tags ? ['tags'] : [])] : [...MATCH_FIELD_KEYS, 'tags'];
  const keepLimit = options.keepLines ?? 0;
  let kept: ReadLine[] | undefined = keepLimit > 0 ? [] : undefined;

  // Lines come in batches (a promise per batch, not per line); the editor keeps them while there is room.
  let batches: Iterable<ReadLine[]> | AsyncIterable<ReadLine[]>;
  let fromCache = false;
  const cacheKey = `${model.amount}|${options.harvest ?? 'all'}|${options.reader ?? 'fast'}|${dataKey}`;
  if (options.cachedLines && options.cachedLines.key === cacheKey) {
    batches = [options.cachedLines.lines];
    kept = options.cachedLines.lines;
    fromCache = true;
  } else {
    batches = readCostLineBatches(
      files.map((f) => fileSource(f)),
      {
        dateOrder: options.dateOrder,
        amount: model.amount,
        signal: options.signal,
        onIssue: (i) => issues.push(i),
        aggregateBy,
        reader: options.reader,
        aggregateRetail: model.amount === 'retail' || model.commitments?.amortize?.value === true,
      },
    );
  }

  const cachedHarvest = fromCache && options.harvest !== 'rules' ? options.cachedLines?.harvest : undefined;
  const allocator = model.valid ? new Allocator(model, { harvest: cachedHarvest ? undefined : harvester }) : undefined;
  for await (const batch of batches) {
    if (kept && !fromCache) {
      if (kept.length + batch.length <= keepLimit) for (const line of batch) kept.push(line);
      else kept = undefined;
    }
    if (allocator) for (const line of batch) allocator.add(line);
    else if (!cachedHarvest) for (const line of batch) harvester.add(line);
  }
  const result: AllocationResult | undefined = allocator?.finish();
  if (result?.ok && model.targets.some((t) => t.budget)) {
    result.budgets = targetBudgets(model, result);
    // An open month is forecast from its per-day series when the data is small enough to read again; a whole
    // month's mid-month forecast is checked against its actual from the same series.
    if (result.budgets.some((b) => b.daysCovered > 0)) {
      const daily = await dailyTargetCosts(model, files, options.dateOrder);
      if (daily) result.budgets = targetBudgets(model, result, daily);
    }
  }
  const cancelled = !!options.signal?.aborted;
  const harvest = cachedHarvest ?? harvester.result();
  const invoicing = model.invoicing;
  const invoicingFiles = invoicing ? await resolveDataFiles(rulesPath, [...invoicing.draft, ...invoicing.final]) : [];
  const dataProblems = cancelled
    ? []
    : [
        ...validateAgainstData(model, { dataFiles, harvest, result }),
        ...invoicingDataProblems(model, invoicingFiles, harvest),
      ];
  return {
    parsed,
    rulesPath,
    dataFiles,
    files,
    dataKey: cacheKey,
    issues,
    harvest,
    result,
    dataProblems,
    lines: kept,
    cancelled,
  };
}

/** The folder `data:` paths are relative to. */
export function rulesFolder(rulesPath: string): string {
  return dirname(rulesPath);
}
