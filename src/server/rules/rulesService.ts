/**
 * Rules files in the language server: each edit is parsed at once (syntax and structure diagnostics while typing),
 * then, after a short pause, the billing data the file names is read and allocated in the background (the older
 * run aborted), which feeds completion, hover, code lenses and the data-dependent diagnostics. Small data stays in
 * memory between runs, so that re-allocating after a keystroke does not re-read the files. Knows nothing of the
 * LSP connection: the server passes callbacks.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from 'vscode-languageserver';
import { parseRules, type ParsedRules } from '../../core/allocation/parseRules';
import { runRules, rulesFolder } from '../../core/allocation/rulesRun';
import type { ReadLine } from '../../core/allocation/costLine';
import type { CostLineIssue } from '../../core/allocation/costLines';
import type { DataHarvest } from '../../core/allocation/harvest';
import { expandPattern } from '../../core/allocation/dataFiles';
import type { DateOrder } from '../../core/billing/dates';
import { atomicWrite } from '../../core/exports/atomicWrite';
import { exportContent } from '../../core/exports/exportContent';
import { formatCents } from '../../core/money';
import type { ExportKind, ExportResult } from '../../shared/protocol';
import { rulesDiagnostics } from './diagnostics';
import type { RulesData } from './rulesData';

/** Lines kept in memory between runs; beyond this, each run streams the files again. */
const KEEP_LINES = 300_000;

export interface RulesHooks {
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** The data behind a file changed: code lenses should be asked for again. */
  dataChanged(uri: string): void;
  dateOrder(uri: string): Promise<DateOrder>;
  log(message: string): void;
  /** Folders nothing may be read outside of (an untrusted workspace); undefined when trusted. */
  confineTo?(): readonly string[] | undefined;
}

interface RulesState {
  text: string;
  parsed: ParsedRules;
  data?: RulesData;
  controller?: AbortController;
  timer?: NodeJS.Timeout;
  cache?: { key: string; lines: ReadLine[]; harvest?: DataHarvest };
  finished?: Promise<void>;
  /** Starts the pending analysis now instead of after the typing pause. */
  runNow?: () => void;
  /** Settles `finished` of an analysis that a newer text replaced before it started. */
  skip?: () => void;
  /** Problems reading the billing data, with their files and lines (the rules editor links to them). */
  issues?: CostLineIssue[];
  analysisMs?: number;
}

export class RulesService {
  private readonly docs = new Map<string, RulesState>();

  constructor(private readonly hooks: RulesHooks) {}

  update(uri: string, text: string, delayMs = 300): void {
    const prior = this.docs.get(uri);
    prior?.controller?.abort();
    if (prior?.timer) clearTimeout(prior.timer);
    prior?.skip?.();
    const parsed = parseRules(text);
    const state: RulesState = { text, parsed, data: prior?.data, cache: prior?.cache };
    this.docs.set(uri, state);
    // Data problems of the previous run point into the previous text: show them again only after the next run.
    this.hooks.publish(uri, rulesDiagnostics(parsed));
    if (!uri.startsWith('file:')) return;
    state.finished = new Promise((resolve) => {
      const run = (): void => {
        if (state.timer) clearTimeout(state.timer);
        state.timer = undefined;
        state.runNow = undefined;
        state.skip = undefined;
        this.analyze(uri, state).then(resolve, (e) => {
          this.hooks.log(`rules analysis of ${uri} failed: ${(e as Error).stack ?? e}`);
          resolve();
        });
      };
      state.runNow = run;
      state.skip = resolve;
      state.timer = setTimeout(run, delayMs);
    });
  }

  close(uri: string): void {
    const state = this.docs.get(uri);
    state?.controller?.abort();
    if (state?.timer) clearTimeout(state.timer);
    state?.skip?.();
    this.docs.delete(uri);
    this.hooks.publish(uri, []);
  }

  parsed(uri: string): ParsedRules | undefined {
    return this.docs.get(uri)?.parsed;
  }

  data(uri: string): RulesData | undefined {
    return this.docs.get(uri)?.data;
  }

  async settled(uri: string): Promise<void> {
    await this.docs.get(uri)?.finished;
  }

  /** Waits until the analysis of the newest text has finished (texts that arrive meanwhile are waited for too). */
  async settledLatest(uri: string): Promise<void> {
    for (;;) {
      const state = this.docs.get(uri);
      await state?.finished;
      if (this.docs.get(uri) === state) return;
    }
  }

  /** Runs a pending analysis at once (an edit made in the visual editor is not typing: no pause to wait for). */
  flush(uri: string): void {
    this.docs.get(uri)?.runNow?.();
  }

  /** What the last finished analysis read: the data issues with their places, and how long it took. */
  analysis(uri: string): { text: string; issues: CostLineIssue[]; analysisMs?: number } | undefined {
    const state = this.docs.get(uri);
    return state && { text: state.text, issues: state.issues ?? [], analysisMs: state.analysisMs };
  }

  private async analyze(uri: string, state: RulesState): Promise<void> {
    const controller = new AbortController();
    state.controller = controller;
    const rulesPath = fileURLToPath(uri);
    const started = Date.now();
    const run = await runRules(rulesPath, state.text, {
      dateOrder: await this.hooks.dateOrder(uri),
      signal: controller.signal,
      keepLines: KEEP_LINES,
      cachedLines: state.cache,
      confineTo: this.hooks.confineTo?.(),
    });
    if (run.cancelled || this.docs.get(uri) !== state) return;
    const folder = rulesFolder(rulesPath);
    const candidates = (await expandPattern(folder, '**/*.csv', 200))
      .map((f) => './' + relative(folder, f).split('\\').join('/'))
      .filter((f) => !f.includes('/node_modules/'));
    const issues = run.issues
      .filter((i) => i.severity !== 'info')
      .map((i) => ({ severity: i.severity, message: `${i.file.split(/[\\/]/).pop()}:${i.line}: ${i.message}` }));
    // A rules file with errors is not evaluated: keep the last good evaluation on screen, marked stale, meanwhile.
    const prior = state.data;
    const stale = run.result
      ? undefined
      : prior?.result
        ? { parsed: prior.parsedWith ?? state.parsed, result: prior.result, problems: prior.problems }
        : prior?.stale;
    // Its data warnings stay too while every line is where it was (a typo within a line), marked as such.
    const sameLines = stale !== undefined && stale.parsed.model.range.end.line === state.parsed.model.range.end.line;
    const known = new Set(run.dataProblems.map((p) => `${p.code}|${p.range.start.line}`));
    const kept = sameLines
      ? (stale.problems ?? [])
          .filter((p) => p.severity !== 'error' && !known.has(`${p.code}|${p.range.start.line}`))
          .map((p) => ({ ...p, message: `${p.message} (from the last version without errors)` }))
      : [];
    state.data = {
      harvest: run.harvest,
      result: run.result,
      problems: [...run.dataProblems, ...kept],
      issues,
      files: run.files,
      candidates,
      stale,
      parsedWith: state.parsed,
    };
    state.cache = run.lines ? { key: run.dataKey, lines: run.lines, harvest: run.harvest } : undefined;
    state.issues = run.issues;
    state.analysisMs = Date.now() - started;
    this.hooks.publish(uri, rulesDiagnostics(state.parsed, state.data));
    this.hooks.dataChanged(uri);
    this.hooks.log(
      `rules ${rulesPath}: ${run.files.length} data file(s), ${run.harvest.lines} lines, analysed in ${Date.now() - started} ms`,
    );
  }

  /** Runs the rules afresh and writes one export atomically; never replaces a file unless told to. */
  async export(uri: string, text: string, kind: ExportKind, out: string, overwrite: boolean): Promise<ExportResult> {
    const rulesPath = fileURLToPath(uri);
    const dateOrder = await this.hooks.dateOrder(uri);
    const run = await runRules(rulesPath, text, { dateOrder, confineTo: this.hooks.confineTo?.() });
    const errors = [...run.parsed.problems, ...run.dataProblems].filter((p) => p.severity === 'error');
    if (errors.length > 0 || !run.result || !run.result.ok) {
      const first = errors[0] ?? run.result?.errors[0];
      const where = first && 'range' in first && first.range ? ` (line ${first.range.start.line + 1})` : '';
      return {
        written: false,
        path: out,
        message: `The rules file has ${Math.max(1, errors.length)} error(s)${where}: ${first?.message ?? 'nothing to allocate'}. Nothing was exported.`,
      };
    }
    const result = run.result;
    const content = exportContent(kind, result, run.parsed.model, run.files, dateOrder);
    const written = await atomicWrite(out, content, { overwrite, inputs: [rulesPath, ...run.files] });
    if (!written.written)
      return { written: false, path: out, message: written.message, exists: written.reason === 'exists' };
    return {
      written: true,
      path: out,
      message: `Wrote ${kind} to ${out}`,
      total: formatCents(result.total),
      currency: result.currency,
      bytes: written.bytes,
    };
  }
}
