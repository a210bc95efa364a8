/**
 * Turns findings into editor diagnostics without flooding the editor: VS Code shows about 1000 per file, so at most
 * `maxDiagnostics` row findings are kept (errors first, then by position), and each finding code gets one summary
 * diagnostic on the header with its count, its money at stake and how many were not shown. A defect repeated on
 * several rows of one meter also gets one diagnostic on its first row with the row count and the money in all, so
 * it stays visible when its rows are beyond the cap.
 */
import { Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import { CentsSum, formatCents } from '../../core/money';
import { SEVERITY_RANK, type Finding, type Severity } from '../../core/findings';
import { FindingGrouper, groupMessage } from '../../core/findingGroups';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export const DIAGNOSTIC_SOURCE = 'chargeback';

export function toDiagnostic(f: Finding): Diagnostic {
  return {
    range: {
      start: { line: f.line, character: f.character },
      end: { line: f.endLine, character: Math.max(f.endCharacter, f.line === f.endLine ? f.character + 1 : 0) },
    },
    severity: SEVERITY[f.severity],
    code: f.code,
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    data: { actual: f.actual, expected: f.expected, impact: f.impact, currency: f.currency, column: f.column },
  };
}

/** Collects findings as they stream in and keeps only what the editor should show. */
export class DiagnosticCollector {
  private kept: Finding[] = [];
  private readonly perCode = new Map<
    string,
    { count: number; impact: CentsSum; worst: Severity; currency: string; shown: number }
  >();
  private total = 0;
  private readonly grouper = new FindingGrouper(0);

  constructor(private readonly max: number) {}

  add(f: Finding): void {
    this.total++;
    this.grouper.add(f);
    const c = this.perCode.get(f.code) ?? {
      count: 0,
      impact: new CentsSum(),
      worst: f.severity,
      currency: '',
      shown: 0,
    };
    c.count++;
    if (f.impact) c.impact.add(f.impact);
    if (SEVERITY_RANK[f.severity] < SEVERITY_RANK[c.worst]) c.worst = f.severity;
    if (f.currency) c.currency = c.currency === '' || c.currency === f.currency ? f.currency : 'mixed';
    this.perCode.set(f.code, c);
    this.kept.push(f);
    // Keep memory bounded on huge files: trim to the best `max` now and then.
    if (this.kept.length >= this.max * 4 + 1000) this.trim();
  }

  private trim(): void {
    this.kept.sort(
      (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.line - b.line || a.character - b.character,
    );
    this.kept.length = Math.min(this.kept.length, this.max);
  }

  get notShown(): number {
    return Math.max(0, this.total - Math.min(this.total, this.max));
  }

  /** The diagnostics to publish: the kept findings, then one summary per code on the header line. */
  diagnostics(headerLineLength: number): Diagnostic[] {
    this.trim();
    const shown = new Map<string, number>();
    for (const f of this.kept) shown.set(f.code, (shown.get(f.code) ?? 0) + 1);
    const out = this.kept.map(toDiagnostic);
    const groups = this.grouper
      .repeated()
      .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.count - a.count);
    for (const g of groups.slice(0, Math.max(1, Math.floor(this.max / 4)))) {
      out.push({
        ...toDiagnostic({ ...g.first, severity: g.severity }),
        message: groupMessage(g),
        data: { group: true, rows: g.count, impact: g.impact, currency: g.currency },
      });
    }
    for (const [code, c] of this.perCode) {
      // File-level findings (missing column, encoding...) are already on the header: no summary needed.
      const hidden = c.count - (shown.get(code) ?? 0);
      if (c.count < 2 && hidden === 0) continue;
      const impact = c.impact.value;
      const money = impact.isZero()
        ? ''
        : `; ${impact.isNegative() ? 'undercharged' : 'overcharged'} ${c.currency} ${formatCents(impact.abs())} in all`.replace(
            '  ',
            ' ',
          );
      const hiddenWords =
        hidden > 0
          ? ` (${hidden} not shown as diagnostics: run "Chargeback: Check Billing File" or \`chargeback check\` for the full list)`
          : '';
      out.push({
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: headerLineLength } },
        severity: DiagnosticSeverity.Information,
        code,
        source: DIAGNOSTIC_SOURCE,
        message: `${c.count} ${code} finding${c.count === 1 ? '' : 's'} in this file${money}${hiddenWords}.`,
      });
    }
    return out;
  }
}
