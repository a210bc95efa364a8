/**
 * What the language service needs from the outside world, answered over the LSP connection: publishing
 * diagnostics, announcing summaries, work-done progress for big documents, code lens refreshes and the settings.
 */
import { CodeLensRefreshRequest, type Connection } from 'vscode-languageserver/node';
import { FileSummaryNotification } from '../../shared/protocol';
import type { LanguageServiceHooks } from '../service/languageService';
import type { ServerSettings } from '../service/settings';
import type { ClientCapabilities } from './initialize';
import { sendNotification } from './messages';
import { displayText } from '../../core/text/displayText';

/** Documents above this size show progress (and can be cancelled) while they are checked. */
const PROGRESS_THRESHOLD = 4 * 1024 * 1024;

export function connectionHooks(
  connection: Connection,
  settings: ServerSettings,
  client: ClientCapabilities,
): LanguageServiceHooks {
  return {
    checkSettings: (uri) => settings.checkSettings(uri),
    dateOrder: (uri) => settings.dateOrder(uri),
    publish: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
    summary: (summary) => void sendNotification(connection, FileSummaryNotification, summary),
    dataChanged: () => {
      if (client.canRefreshCodeLenses) void connection.sendRequest(CodeLensRefreshRequest.type);
    },
    log: (message) => connection.console.log(displayText(message)),
    async progress(uri, size, controller) {
      if (size < PROGRESS_THRESHOLD) return undefined;
      const progress = await connection.window.createWorkDoneProgress();
      const name = decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1));
      progress.begin(`Checking ${name}`, undefined, 'reading', true);
      progress.token.onCancellationRequested(() => controller.abort());
      return { report: (message) => progress.report(message), done: () => progress.done() };
    },
  };
}
