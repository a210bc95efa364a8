/**
 * Workspace trust between the extension and the language server. In an untrusted workspace (VS Code's restricted
 * mode) the server reads nothing outside the workspace folders: `data:` entries and links that lead out are refused,
 * `allowOutside: true` notwithstanding, and so is a price list outside. The extension says at start-up whether the
 * workspace is trusted, and tells the server when the user grants trust (trust is never taken back in a session).
 */
import { NotificationType } from 'vscode-jsonrpc';

/** The language client's `initializationOptions`. */
export interface TrustInitializationOptions {
  trusted: boolean;
}

/** Client -> server: the user trusted the workspace; rules files are analysed again without the confinement. */
export const WorkspaceTrustedNotification = new NotificationType<Record<string, never>>('chargeback/workspaceTrusted');
