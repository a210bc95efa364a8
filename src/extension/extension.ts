/**
 * The VS Code client: `activate()` is the table of contents of the extension, one `register...` call per feature,
 * each in its own file of this folder. The language server owns all checking; the client starts it, recognizes
 * billing files by their header, shows the totals it announces and runs the commands.
 */
import type * as vscode from 'vscode';
import type { FileSummary } from '../shared/protocol';
import { registerBigFiles } from './bigFiles';
import { registerBillingFileRecognition } from './billingFileRecognition';
import { registerBillingMonths } from './billingMonths';
import { registerCheckFile } from './checkFile';
import { registerExports } from './exports';
import { registerInvoices } from './invoices';
import { createLanguageClient, startLanguageClient, stopLanguageClient } from './languageClient';
import { registerOutputChannel } from './outputChannel';
import { registerStatusBar } from './statusBar';
import { registerFileSummaries, type FileSummaries } from './summaries';
import { registerShowSummary } from './summaryCommand';
import { registerWorkspaceTrust } from './workspaceTrust';
import { registerRulesEditor } from './rulesEditor/rulesEditor';
import { registerWalkthrough } from './walkthrough';

/** What the extension exposes to other extensions and to its integration tests. */
export interface ChargebackApi {
  /** The latest summary of a checked billing file (by URI string). */
  summary(uri: string): FileSummary | undefined;
  /** Resolves with the next summary of that file (after the pending check). */
  nextSummary(uri: string): Promise<FileSummary>;
}

export async function activate(context: vscode.ExtensionContext): Promise<ChargebackApi> {
  const output = registerOutputChannel(context);
  const client = createLanguageClient(context);
  const summaries = registerFileSummaries(context, client);
  const statusBar = registerStatusBar(context, summaries);
  await startLanguageClient(client);
  // Checks from disk start as soon as a tab shows a big billing file: only once the server runs.
  const bigFiles = registerBigFiles(context, client, summaries);

  registerBillingFileRecognition(context);
  registerShowSummary(context, summaries, statusBar, output);
  registerCheckFile(context, bigFiles, summaries, output);
  registerExports(context, client);
  registerInvoices(context);
  registerWorkspaceTrust(context, client);
  registerRulesEditor(context, client);
  registerBillingMonths(context);
  registerWalkthrough(context);
  return chargebackApi(summaries);
}

export async function deactivate(): Promise<void> {
  await stopLanguageClient();
}

function chargebackApi(summaries: FileSummaries): ChargebackApi {
  return {
    summary: (uri) => summaries.get(uri),
    nextSummary: (uri) => summaries.next(uri),
  };
}
