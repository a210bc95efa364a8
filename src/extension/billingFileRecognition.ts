/**
 * Recognizes billing files by their header, whatever they are called and whatever language they opened as, and
 * gives them their billing language so that the server checks them. The only core code the client runs is this
 * pure header reading (the CSV tokenizer and the file-kind detection).
 */
import * as vscode from 'vscode';
import { detectDelimiter, tokenize } from '../core/billing/csv';
import { detectKind, LANGUAGE_IDS } from '../core/billing/fileKinds';

/** Languages a billing file may open as before we recognize it (no CSV extension installed: plaintext). */
const SNIFFED_LANGUAGES = new Set(['csv', 'plaintext', 'tsv', 'csv (semicolon)', 'csv (pipe)']);

export function registerBillingFileRecognition(context: vscode.ExtensionContext): void {
  const recognize = (doc: vscode.TextDocument): void => {
    if (!SNIFFED_LANGUAGES.has(doc.languageId) || doc.lineCount === 0) return;
    const kind = billingKindOfHeader(doc.lineAt(0).text);
    const language = kind && LANGUAGE_IDS[kind];
    if (language && language !== doc.languageId) void vscode.languages.setTextDocumentLanguage(doc, language);
  };
  vscode.workspace.textDocuments.forEach(recognize);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(recognize));
}

/** The billing kind named by a header line, if it is one the editor has a language for. */
export function billingKindOfHeader(line: string): keyof typeof LANGUAGE_IDS | undefined {
  const { records } = tokenize(line.replace(/^\uFEFF/, ''), detectDelimiter(line));
  const kind = records[0] ? detectKind(records[0].cells) : 'unknown';
  return kind in LANGUAGE_IDS ? (kind as keyof typeof LANGUAGE_IDS) : undefined;
}
