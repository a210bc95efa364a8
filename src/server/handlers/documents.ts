/**
 * Document and configuration events: each opened, edited, saved or closed document goes to the language service;
 * a configuration change forgets the cached settings and checks every open document again.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ChargebackLanguageService } from '../service/languageService';
import type { ServerSettings } from '../service/settings';

export function registerDocumentEvents(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: ChargebackLanguageService,
  settings: ServerSettings,
): void {
  connection.onDidChangeConfiguration(() => {
    settings.changed();
    for (const doc of documents.all()) service.opened(doc);
  });
  documents.onDidOpen((e) => service.opened(e.document));
  documents.onDidChangeContent((e) => service.changed(e.document));
  documents.onDidClose((e) => {
    settings.forget(e.document.uri);
    service.closed(e.document);
  });
  // Billing data on disk changed (saved from another editor, regenerated): re-read what the rules files name.
  documents.onDidSave((e) => service.saved(e.document, documents.all()));
}
