/** The chargeback requests of src/shared/protocol.ts: check a file from disk, export a rules file's allocation. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { CheckFileRequest, CheckProgressNotification, ExportRequest } from '../../shared/protocol';
import type { ChargebackLanguageService } from '../service/languageService';
import { onRequest, sendNotification } from './messages';

export function registerChargebackRequests(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: ChargebackLanguageService,
): void {
  onRequest(connection, ExportRequest, async (params) => {
    const doc = documents.get(params.uri);
    const text = doc ? doc.getText() : readFileSync(fileURLToPath(params.uri), 'utf8');
    return service.export(params, text);
  });

  onRequest(connection, CheckFileRequest, async (params, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return service.checkFile(params.uri, controller.signal, (rows, pass, passes) => {
      void sendNotification(connection, CheckProgressNotification, { uri: params.uri, rows, pass, passes });
    });
  });
}
