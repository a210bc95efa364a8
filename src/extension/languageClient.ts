/**
 * Starts the language server (dist/server.js, over IPC) and the client that talks to it. The server owns all
 * checking; the other features of the extension reach it only through this client and the typed messages of
 * src/shared/protocol.ts.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { LANGUAGE_IDS } from '../core/billing/fileKinds';
import { RULES_LANGUAGE } from '../shared/languages';
import type { TrustInitializationOptions } from '../shared/trust';

let client: LanguageClient | undefined;

/** Creates the client; notification handlers registered before `startLanguageClient` see the very first message. */
export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ['--nolazy', '--inspect=6019'] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [...(Object.values(LANGUAGE_IDS) as string[]), RULES_LANGUAGE].map((language) => ({ language })),
    synchronize: { configurationSection: 'chargeback' },
    initializationOptions: { trusted: vscode.workspace.isTrusted } satisfies TrustInitializationOptions,
  };
  client = new LanguageClient('chargeback', 'FinOps Chargeback', serverOptions, clientOptions);
  return client;
}

export async function startLanguageClient(client: LanguageClient): Promise<void> {
  await client.start();
}

/** Stops the server with the extension (`deactivate`). */
export async function stopLanguageClient(): Promise<void> {
  await client?.stop();
  client = undefined;
}
