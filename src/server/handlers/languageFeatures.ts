/**
 * The standard LSP language features (hover, completion, definition, outline, code lenses, quick fixes) of the
 * service.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ChargebackLanguageService } from '../service/languageService';

export function registerLanguageFeatures(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: ChargebackLanguageService,
): void {
  connection.onHover((params) => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? service.hover(doc, params.position) : null;
  });
  connection.onCompletion((params) => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? service.completion(doc, params.position) : [];
  });
  connection.onDefinition((params) => service.definition(params.textDocument.uri, params.position));
  connection.onDocumentSymbol((params) => service.symbols(params.textDocument.uri));
  connection.onCodeLens((params) => service.codeLenses(params.textDocument.uri));
  connection.onCodeAction((params) => service.codeActions(params.textDocument.uri, params.context.diagnostics));
}
