/**
 * The initialize handshake: what the client can do (pull settings, refresh code lenses), where the workspace
 * folders are, and the capabilities the server announces.
 */
import {
  CodeActionKind,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { fileURLToPath } from 'node:url';
import type { PriceLists } from '../service/priceLists';
import type { ServerSettings } from '../service/settings';
import type { TrustInitializationOptions } from '../../shared/trust';

/** What the client said it supports, filled in by initialize. */
export interface ClientCapabilities {
  canRefreshCodeLenses: boolean;
}

export function registerInitialize(
  connection: Connection,
  settings: ServerSettings,
  priceLists: PriceLists,
  client: ClientCapabilities,
): void {
  connection.onInitialize((params): InitializeResult => {
    settings.canPull = !!params.capabilities.workspace?.configuration;
    client.canRefreshCodeLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
    priceLists.workspaceFolders = (params.workspaceFolders ?? [])
      .filter((f) => f.uri.startsWith('file:'))
      .map((f) => fileURLToPath(f.uri));
    // Restricted mode unless the client says the workspace is trusted (older clients say nothing: trusted).
    priceLists.trusted =
      (params.initializationOptions as Partial<TrustInitializationOptions> | undefined)?.trusted !== false;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '-', '{', '[', ',', '"'] },
        definitionProvider: true,
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
    };
  });
}
