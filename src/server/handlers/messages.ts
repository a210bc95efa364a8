/**
 * The server's side of the typed messages of src/shared/protocol.ts. vscode-languageserver declares its connection
 * with its own copy of vscode-jsonrpc (an older one than the client's), whose message classes have private members:
 * TypeScript does not take the shared objects (made with the client's copy) where the connection expects its own.
 * The connection only reads a message's method name anyway, so these helpers hand it that name and keep the
 * parameter and result types of the shared object for the handler and the sender.
 */
import type { CancellationToken, Connection, Disposable } from 'vscode-languageserver/node';
import type { NotificationType, RequestType } from 'vscode-jsonrpc';

export function onRequest<P, R>(
  connection: Connection,
  type: RequestType<P, R, void>,
  handler: (params: P, token: CancellationToken) => Promise<R>,
): Disposable {
  return connection.onRequest(type.method, (params: P, token: CancellationToken) => handler(params, token));
}

export function sendNotification<P>(connection: Connection, type: NotificationType<P>, params: P): Promise<void> {
  return connection.sendNotification(type.method, params);
}
