/**
 * The language server (its own Node process, started by the VS Code client over IPC). This file only wires: the
 * connection and the open documents on one side, the transport-free language service (./service/languageService.ts) with
 * the settings and price lists on the other, joined by the handlers in ./handlers/.
 */
import { createConnection, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { registerDocumentEvents } from './handlers/documents';
import { registerInitialize, type ClientCapabilities } from './handlers/initialize';
import { registerLanguageFeatures } from './handlers/languageFeatures';
import { registerChargebackRequests } from './handlers/requests';
import { registerRulesPreview } from './handlers/rulesEditor';
import { connectionHooks } from './handlers/serviceHooks';
import { ChargebackLanguageService } from './service/languageService';
import { PriceLists } from './service/priceLists';
import { ServerSettings } from './service/settings';
import { registerWorkspaceTrust } from './handlers/workspaceTrust';
import { displayText } from '../core/text/displayText';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const client: ClientCapabilities = { canRefreshCodeLenses: false };

const priceLists = new PriceLists({
  warn: (message) => void connection.window.showWarningMessage(message),
  log: (message) => connection.console.log(displayText(message)),
});
const settings = new ServerSettings(
  {
    pull: (uri) => connection.workspace.getConfiguration({ scopeUri: uri, section: 'chargeback' }),
    warn: (message) => connection.console.warn(message),
  },
  priceLists,
);
const service = new ChargebackLanguageService({
  ...connectionHooks(connection, settings, client),
  confineTo: () => priceLists.confineTo(),
});

registerInitialize(connection, settings, priceLists, client);
registerDocumentEvents(connection, documents, service, settings);
registerLanguageFeatures(connection, documents, service);
registerChargebackRequests(connection, documents, service);
registerWorkspaceTrust(connection, documents, service, priceLists);
registerRulesPreview(connection, service.rules, (uri) => settings.dateOrder(uri));

documents.listen(connection);
connection.listen();
