/**
 * The server's side of the typed messages of src/shared/protocol.ts. vscode-languageserver brings its own copy of
 * vscode-jsonrpc (an older one than the client's), whose message classes and parameter-structure markers are other
 * objects than those the shared types are made of; its connection would reject them. So the connection gets the
 * method name of the shared type, and these helpers keep the parameter and result types of that same type.
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
