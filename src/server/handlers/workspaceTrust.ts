/**
 * The user granted workspace trust: from now on data and price lists outside the workspace may be read, and every
 * open rules file is analysed again with its full reach.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { WorkspaceTrustedNotification } from '../../shared/trust';
import type { ChargebackLanguageService } from '../service/languageService';
import type { PriceLists } from '../service/priceLists';

export function registerWorkspaceTrust(
  connection: Connection,
  documents: TextDocuments<TextDocument>,
  service: ChargebackLanguageService,
  priceLists: PriceLists,
): void {
  connection.onNotification(WorkspaceTrustedNotification.method, () => {
    priceLists.trusted = true;
    for (const doc of documents.all()) if (service.isRules(doc)) service.opened(doc);
  });
}
