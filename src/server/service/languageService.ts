/**
 * The language service: every language feature of billing files and rules files behind one transport-free facade.
 * It routes a document to the billing or the rules features by its language and knows nothing of the LSP
 * connection (the handlers in ./handlers/ wire it to one), so that each feature can be driven from a unit test.
 * Each feature is a file of its own under ../billing/ and ../rules/.
 */
import type {
  CodeAction,
  CodeLens,
  CompletionItem,
  Diagnostic,
  DocumentSymbol,
  Hover,
  Location,
  Position,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DateOrder } from '../../core/billing/dates';
import { kindOfLanguage } from '../../core/billing/fileKinds';
import { RULES_LANGUAGE } from '../../shared/languages';
import type { CheckFileResult, ExportParams, ExportResult, FileSummary } from '../../shared/protocol';
import { BillingService, type CheckSettings, type ProgressReporter } from '../billing/billingService';
import { billingHover } from '../billing/hover';
import { rulesCodeActions } from '../rules/codeActions';
import { rulesCodeLenses } from '../rules/codeLens';
import { rulesCompletion } from '../rules/completion';
import { rulesDefinition } from '../rules/definition';
import { rulesHover } from '../rules/hover';
import { RulesService } from '../rules/rulesService';
import { rulesSymbols } from '../rules/symbols';

export interface LanguageServiceHooks {
  checkSettings(uri: string): Promise<CheckSettings>;
  dateOrder(uri: string): Promise<DateOrder>;
  publish(uri: string, diagnostics: Diagnostic[]): void;
  /** A billing document or file was checked. */
  summary(summary: FileSummary): void;
  /** The data behind a rules file changed: code lenses should be asked for again. */
  dataChanged(uri: string): void;
  /** Shows progress for long checks; returns a reporter, or undefined when the check is short. */
  progress?(uri: string, size: number, controller: AbortController): Promise<ProgressReporter | undefined>;
  log(message: string): void;
  /** Folders nothing may be read outside of (an untrusted workspace); undefined when trusted. */
  confineTo?(): readonly string[] | undefined;
}

export class ChargebackLanguageService {
  readonly billing: BillingService;
  readonly rules: RulesService;

  constructor(hooks: LanguageServiceHooks) {
    this.billing = new BillingService({
      settingsFor: (uri) => hooks.checkSettings(uri),
      publish: hooks.publish,
      summary: hooks.summary,
      log: hooks.log,
      progress: hooks.progress,
    });
    this.rules = new RulesService({
      publish: hooks.publish,
      dataChanged: hooks.dataChanged,
      dateOrder: hooks.dateOrder,
      log: hooks.log,
      confineTo: () => hooks.confineTo?.(),
    });
  }

  isBilling(doc: TextDocument): boolean {
    return kindOfLanguage(doc.languageId) !== undefined;
  }

  isRules(doc: TextDocument): boolean {
    return doc.languageId === RULES_LANGUAGE;
  }

  /** A document opened, or is to be checked again (settings changed): at once. */
  opened(doc: TextDocument): void {
    if (this.isBilling(doc)) this.billing.schedule(doc, 0);
    else if (this.isRules(doc)) this.rules.update(doc.uri, doc.getText(), 0);
  }

  /** A document was edited: after a short pause, the older check aborted. */
  changed(doc: TextDocument): void {
    if (this.isBilling(doc)) this.billing.schedule(doc);
    else if (this.isRules(doc)) this.rules.update(doc.uri, doc.getText());
  }

  closed(doc: TextDocument): void {
    if (this.isRules(doc)) this.rules.close(doc.uri);
    else this.billing.close(doc.uri);
  }

  /** A document was saved: billing data on disk may have changed, so the open rules files read it again. */
  saved(doc: TextDocument, open: readonly TextDocument[]): void {
    if (this.isRules(doc)) return;
    for (const other of open) if (this.isRules(other)) this.rules.update(other.uri, other.getText());
  }

  hover(doc: TextDocument, position: Position): Hover | null {
    if (this.isRules(doc)) {
      const parsed = this.rules.parsed(doc.uri);
      return parsed ? rulesHover(doc.getText(), position, parsed, this.rules.data(doc.uri)) : null;
    }
    if (!this.isBilling(doc)) return null;
    const checked = this.billing.checked(doc.uri);
    return checked ? billingHover(doc, checked, position) : null;
  }

  completion(doc: TextDocument, position: Position): CompletionItem[] {
    const parsed = this.isRules(doc) ? this.rules.parsed(doc.uri) : undefined;
    return parsed ? rulesCompletion(doc.getText(), position, parsed, this.rules.data(doc.uri)) : [];
  }

  definition(uri: string, position: Position): Location | null {
    const parsed = this.rules.parsed(uri);
    return parsed ? rulesDefinition(uri, position, parsed) : null;
  }

  symbols(uri: string): DocumentSymbol[] {
    const parsed = this.rules.parsed(uri);
    return parsed ? rulesSymbols(parsed) : [];
  }

  codeActions(uri: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
    const parsed = this.rules.parsed(uri);
    return parsed ? rulesCodeActions(uri, parsed, diagnostics) : [];
  }

  codeLenses(uri: string): CodeLens[] {
    const parsed = this.rules.parsed(uri);
    return parsed ? rulesCodeLenses(parsed, this.rules.data(uri)) : [];
  }

  /** Checks a billing file from disk; lists at most `listed` findings as lines. */
  async checkFile(
    uri: string,
    signal: AbortSignal,
    onProgress: (rows: number, pass: number, passes: number) => void,
    listed = 5000,
  ): Promise<CheckFileResult> {
    const { summary, lines } = await this.billing.checkFile(uri, signal, onProgress, listed);
    return { summary, lines, listed };
  }

  /** Allocates a rules file afresh (its open text, else the file) and writes one export. */
  export(params: ExportParams, text: string): Promise<ExportResult> {
    return this.rules.export(params.uri, text, params.kind, params.out, params.overwrite);
  }
}
