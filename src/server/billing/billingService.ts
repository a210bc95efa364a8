/**
 * Checks billing documents for the language server: one check at a time per document, restarted (the old one
 * aborted) when the document changes, yielding to the event loop between chunks so that edits and hovers are
 * answered while a big file is being checked. Knows nothing of the LSP connection: the server passes callbacks.
 */
import { fileURLToPath } from 'node:url';
import { fileSource, type TextSource } from '../../core/billing/source';
import { FILE_KIND_LABELS } from '../../core/billing/fileKinds';
import { checkSource, type CheckRun } from '../../core/rating/check';
import type { CheckOptions } from '../../core/rating/options';
import type { Diagnostic } from 'vscode-languageserver';
import type { FileSummary } from '../../shared/protocol';
import { DiagnosticCollector } from './diagnostics';
import { displayText } from '../../core/text/displayText';
import { FindingGrouper, REPEATED_DEFECT_MIN_ROWS, groupMessage } from '../../core/findingGroups';
import type { CheckedDocument } from './hover';
import type { Finding } from '../../core/findings';

/** Chunk size for open documents: small enough that an edit waits at most a few milliseconds. */
const DOCUMENT_CHUNK = 256 * 1024;

export function yieldingStringSource(name: string, text: string, bytes?: Uint8Array): TextSource {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return {
    name,
    async *chunks() {
      for (let at = 0; at < body.length; at += DOCUMENT_CHUNK) {
        yield body.slice(at, at + DOCUMENT_CHUNK);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    // The fast reader yields between slices of its own (512 KB here, so that a keystroke is never kept waiting).
    bytes: () => ({ bytes: bytes ?? Buffer.from(body, 'utf8') }),
  };
}

/**
 * A document's text as UTF-8, encoded a piece at a time with yields in between (one go would hold the server for
 * a tenth of a second on a 100 MB document). Pieces never end inside a surrogate pair.
 */
export async function encodeYielding(text: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out = new Uint8Array(Buffer.byteLength(body, 'utf8'));
  const encoder = new TextEncoder();
  let written = 0;
  for (let at = 0; at < body.length;) {
    let end = Math.min(body.length, at + DOCUMENT_CHUNK * 4);
    const last = body.charCodeAt(end - 1);
    if (end < body.length && last >= 0xd800 && last <= 0xdbff) end--;
    written += encoder.encodeInto(body.slice(at, end), out.subarray(written)).written;
    at = end;
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) return undefined;
  }
  return out;
}

export interface CheckSettings {
  options: CheckOptions;
  maxDiagnostics: number;
}

export interface ServiceHooks {
  settingsFor(uri: string): Promise<CheckSettings>;
  publish(uri: string, diagnostics: Diagnostic[]): void;
  summary(summary: FileSummary): void;
  /** Shows progress for long checks; returns a reporter, or undefined when the check is short. */
  progress?(uri: string, size: number, controller: AbortController): Promise<ProgressReporter | undefined>;
  log(message: string): void;
}

export interface ProgressReporter {
  report(message: string): void;
  done(): void;
}

interface DocState {
  version: number;
  controller: AbortController;
  timer?: NodeJS.Timeout;
  checked?: CheckedDocument;
  summary?: FileSummary;
  /** Resolves when the current check has finished (tests and the integration suite wait on it). */
  finished?: Promise<void>;
}

export interface CheckableDocument {
  uri: string;
  version: number;
  getText(): string;
}

export class BillingService {
  private readonly docs = new Map<string, DocState>();

  constructor(private readonly hooks: ServiceHooks) {}

  /** Schedules a check of an open document; a newer version aborts the older check. */
  schedule(doc: CheckableDocument, delayMs = 150): void {
    const prior = this.docs.get(doc.uri);
    if (prior) {
      prior.controller.abort();
      if (prior.timer) clearTimeout(prior.timer);
    }
    const state: DocState = {
      version: doc.version,
      controller: new AbortController(),
      checked: prior?.checked,
      summary: prior?.summary,
    };
    this.docs.set(doc.uri, state);
    state.finished = new Promise((resolve) => {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.checkDocument(doc, state).then(resolve, (e) => {
          this.hooks.log(`check of ${doc.uri} failed: ${(e as Error).stack ?? e}`);
          resolve();
        });
      }, delayMs);
    });
  }

  close(uri: string): void {
    const state = this.docs.get(uri);
    if (state) {
      state.controller.abort();
      if (state.timer) clearTimeout(state.timer);
    }
    this.docs.delete(uri);
    this.hooks.publish(uri, []);
  }

  checked(uri: string): CheckedDocument | undefined {
    return this.docs.get(uri)?.checked;
  }

  summary(uri: string): FileSummary | undefined {
    return this.docs.get(uri)?.summary;
  }

  /** Waits for the pending check of a document, if any. */
  async settled(uri: string): Promise<void> {
    await this.docs.get(uri)?.finished;
  }

  private async checkDocument(doc: CheckableDocument, state: DocState): Promise<void> {
    const text = doc.getText();
    const settings = await this.hooks.settingsFor(doc.uri);
    if (state.controller.signal.aborted) return;
    const collector = new DiagnosticCollector(settings.maxDiagnostics);
    const recordStarts: number[] = [];
    const started = Date.now();
    const reporter = await this.hooks.progress?.(doc.uri, text.length, state.controller);
    try {
      const bytes = await encodeYielding(text, state.controller.signal);
      if (!bytes) return;
      const run = await checkSource(
        yieldingStringSource(doc.uri, text, bytes),
        settings.options,
        (f) => collector.add(f),
        {
          signal: state.controller.signal,
          onRecordStart: (line) => recordStarts.push(line),
          // Small slices: the server answers hover and completion between them while a big document is checked.
          sliceBytes: 512 << 10,
          onProgress: (rows, pass, passes) =>
            reporter?.report(`${rows.toLocaleString('en-US')} rows${passes > 1 ? ` (pass ${pass} of ${passes})` : ''}`),
        },
      );
      if (!run.summary.complete || state.controller.signal.aborted || this.docs.get(doc.uri) !== state) return;
      const headerLength = text.split(/\r?\n|\r/, 1)[0]?.length ?? 0;
      this.hooks.publish(doc.uri, collector.diagnostics(headerLength));
      state.checked = { header: run.header, recordStarts, daily: run.daily };
      state.summary = toFileSummary(doc.uri, run, collector.notShown, Date.now() - started);
      this.hooks.summary(state.summary);
    } finally {
      reporter?.done();
    }
  }

  /**
   * Checks a file from disk (files too big for the editor to sync are never opened as documents), publishes its
   * capped diagnostics, and returns the summary with the first `listLimit` findings as compiler-style lines.
   */
  async checkFile(
    uri: string,
    signal: AbortSignal,
    onProgress: (rows: number, pass: number, passes: number) => void,
    listLimit = 5000,
  ): Promise<{ summary: FileSummary; lines: string[] }> {
    const path = fileURLToPath(uri);
    const settings = await this.hooks.settingsFor(uri);
    const collector = new DiagnosticCollector(settings.maxDiagnostics);
    const lines: string[] = [];
    const started = Date.now();
    // As the CLI prints them: a repeated defect is one line with count and money, smaller groups row by row.
    const grouper = new FindingGrouper(REPEATED_DEFECT_MIN_ROWS - 1);
    const line = (f: Finding, message = f.message): string =>
      displayText(`${path}:${f.line + 1}:${f.character + 1}: ${f.severity} ${f.code}: ${message}`);
    const run = await checkSource(
      fileSource(path),
      settings.options,
      (f: Finding) => {
        collector.add(f);
        if (!grouper.add(f) && lines.length < listLimit) lines.push(line(f));
      },
      { signal, onProgress },
    );
    for (const g of grouper.all()) {
      if (lines.length >= listLimit) break;
      if (g.count < REPEATED_DEFECT_MIN_ROWS) for (const f of g.sample) lines.push(line(f));
      else lines.push(line({ ...g.first, severity: g.severity }, groupMessage(g)));
    }
    const summary = toFileSummary(uri, run, collector.notShown, Date.now() - started);
    if (run.summary.complete) {
      this.hooks.publish(uri, collector.diagnostics(0));
      this.hooks.summary(summary);
    }
    return { summary, lines };
  }
}

export function toFileSummary(uri: string, run: CheckRun, notShown: number, elapsedMs: number): FileSummary {
  const s = run.summary;
  return {
    uri,
    kind: s.kind,
    kindLabel: FILE_KIND_LABELS[s.kind],
    rows: s.rows,
    findings: s.findings,
    errors: s.bySeverity.error,
    warnings: s.bySeverity.warning,
    infos: s.bySeverity.info,
    byCode: { ...s.byCode },
    billedTotal: s.billedTotal,
    overcharge: s.overcharge,
    undercharge: s.undercharge,
    currency: s.currency,
    complete: s.complete,
    notShown,
    elapsedMs,
  };
}
